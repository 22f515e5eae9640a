package sqlstore

import (
	"slices"
	"testing"
)

func TestSqlfKeepsArgumentOrder(t *testing.T) {
	x := sqlf("f(%s, %s)", bind(1), bind(2))
	got := sqlf("%s AND %s OR %s", x, bind(3), x)
	if want := "f(?, ?) AND ? OR f(?, ?)"; got.sql != want {
		t.Errorf("sql = %q; want %q", got.sql, want)
	}
	if want := []any{1, 2, 3, 1, 2}; !slices.Equal(got.args, want) {
		t.Errorf("args = %v; want %v (one per placeholder, in order)", got.args, want)
	}
}

func TestSqlfRejectsMiscount(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("sqlf with too few parts did not panic")
		}
	}()
	sqlf("%s = %s", bind(1))
}

func TestCheckKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": true,
		"givenName": true, "ümlaut": true,
		`a"b`: false, `a\b`: false, "a\nb": false,
	} {
		if err := checkKey(key); (err == nil) != ok {
			t.Errorf("checkKey(%q) = %v; want ok=%v", key, err, ok)
		}
	}
}
