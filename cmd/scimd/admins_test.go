package main

import (
	"github.com/scimd/scimd/internal/teststore"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
)

// TestCLIAdmins: the CLI bootstraps the first owner (a generated password
// is printed once and works), manages roles, and still keeps an owner.
func TestCLIAdmins(t *testing.T) {
	db := testdb.SQLite(t)
	cli(t, "org", "create", "acme", "--database-url", db)
	code, out, errs := cli(t, "admin", "create", "--org", "acme", "--email", "olga@acme.test", "--database-url", db)
	m := regexp.MustCompile(`password \(shown once\): (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "(owner)") {
		t.Fatalf("admin create: %d %q %q", code, out, errs)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("a long enough passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "admin", "create", "--org", "acme", "--email", "al@acme.test", "--role", "auditor",
		"--password-file", pwFile, "--database-url", db); code != 0 || strings.Contains(out, "shown once") {
		t.Fatalf("admin create with a password file: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "admin", "create", "--org", "acme", "--email", "x@acme.test", "--role", "king", "--database-url", db); code != 2 ||
		!strings.Contains(errs, "unknown role") {
		t.Errorf("bad role: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "admin", "role", "--org", "acme", "--email", "olga@acme.test", "--role", "auditor", "--database-url", db); code != 1 ||
		!strings.Contains(errs, "at least one active owner") {
		t.Errorf("demoting the last owner: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "admin", "disable", "--org", "acme", "--email", "al@acme.test", "--database-url", db); code != 0 {
		t.Errorf("disable: %d %q", code, errs)
	}
	code, out, _ = cli(t, "admin", "list", "--org", "acme", "--database-url", db)
	if code != 0 || !regexp.MustCompile(`al@acme.test\s+auditor\s+disabled`).MatchString(out) ||
		!regexp.MustCompile(`olga@acme.test\s+owner\s+active`).MatchString(out) {
		t.Errorf("admin list: %d %q", code, out)
	}
	// The printed password signs in.
	d := directory.New(teststore.Open(t, db))
	if _, _, err := d.SignIn(t.Context(), "acme", "olga@acme.test", m[1]); err != nil {
		t.Errorf("signing in with the generated password: %v", err)
	}
}
