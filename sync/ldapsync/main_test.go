package ldapsync

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/testdb"
)

// TestMain runs slapd and, for the engine's PostgreSQL tests, the
// throwaway PostgreSQL cluster.
func TestMain(m *testing.M) { ldaptest.Main(testdb.Wrap(m)) }

// testSource is an openldap-preset source over a test OU, bound as the
// fixture's unlimited reader.
func testSource(s *ldaptest.Server, base string) Source {
	return Source{
		Name:             "test",
		URL:              s.URL,
		BindDN:           s.ReaderDN,
		BindPasswordFile: s.ReaderPasswordFile,
		Preset:           PresetOpenLDAP,
		UserBaseDN:       "ou=people," + base,
		GroupBaseDN:      "ou=groups," + base,
	}
}

// dial connects with src and closes the connection when the test ends.
func dial(t testing.TB, src Source) *Conn {
	t.Helper()
	c, err := Dial(ctx(t), src)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ctx is a context bounded by a minute and the test.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// writeFile writes content to a file in the test's temporary directory.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
