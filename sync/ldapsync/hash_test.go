package ldapsync

import (
	"bytes"
	"testing"
)

// TestCanonical: equal documents encode equally whatever the order they
// were built in; different ones differently, also where a naive
// concatenation would not tell them apart.
func TestCanonical(t *testing.T) {
	enc := func(v any) []byte {
		t.Helper()
		b, err := canonical(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := map[string]any{}
	a["userName"], a["title"] = "ann", "Engineer"
	a["emails"] = []any{map[string]any{"value": "a@x", "primary": true}}
	b := map[string]any{"emails": []any{map[string]any{"primary": true, "value": "a@x"}}, "title": "Engineer", "userName": "ann"}
	if !bytes.Equal(enc(a), enc(b)) {
		t.Errorf("equal documents encode differently:\n%s\n%s", enc(a), enc(b))
	}
	distinct := []any{
		nil, true, false, "", "a", []any{"a"}, []string{"a"}, 1.0, 1, "1",
		[]any{"a", "b"}, []any{"ab"}, map[string]any{"a": "b"}, map[string]any{"ab": ""},
		map[string]any{"a": []any{}}, map[string]any{"a": map[string]any{}}, struct{ A int }{1},
	}
	seen := map[string]int{}
	for i, v := range distinct {
		k := string(enc(v))
		if j, dup := seen[k]; dup && !(i == 6 && j == 5) { // []string and []any of the same strings agree
			t.Errorf("%#v and %#v both encode as %s", distinct[j], v, k)
		}
		seen[k] = i
	}
	if _, err := canonical(nil, make(chan int)); err == nil {
		t.Errorf("a channel encoded without error")
	}
}
