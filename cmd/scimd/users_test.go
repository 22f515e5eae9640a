package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/scimd/scimd/internal/teststore"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/userimport"
)

// roundTripCSV is a small organization: a manager named before he
// exists, nested teams, an inactive user. (Every column's round trip is
// package userimport's test.)
const roundTripCSV = `userName,email,active,manager,teams
bob,bob@example.com,true,alice,Engineering/Platform
alice,alice@example.com,true,,Engineering
carol,carol@example.com,true,alice,Engineering/Platform/SRE
dan,dan@example.com,false,,
`

// TestCLIUsersRoundTrip: an export imports into a fresh organization as
// the same users, teams and managers, and exports the same again.
func TestCLIUsersRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		for _, org := range []string{"a", "b"} {
			if code, _, errs := cli(t, "org", "create", org, "--database-url", db); code != 0 {
				t.Fatal(errs)
			}
		}
		in := writeFile(t, dir, "in.csv", roundTripCSV)
		report := filepath.Join(dir, "report.csv")
		code, out, errs := cli(t, "users", "import", in, "--org", "a", "--report", report, "--database-url", db)
		if code != 0 || !strings.Contains(out, "4 rows: 4 created, 0 updated, 0 unchanged, 0 rejected") {
			t.Fatalf("import: %d %q %q", code, out, errs)
		}
		rep := readCSV(t, report)
		if len(rep) != 5 || strings.Join(rep[0], ",") != "line,userName,id,result,reason,failed,notes" ||
			rep[1][1] != "alice" || rep[4][1] != "bob" || rep[4][3] != "created" {
			t.Errorf("report: %q", rep)
		}

		exportA := filepath.Join(dir, "a.csv")
		if code, _, errs := cli(t, "users", "export", "--org", "a", "--output", exportA, "--database-url", db); code != 0 {
			t.Fatalf("export: %s", errs)
		}
		code, out, errs = cli(t, "users", "import", exportA, "--org", "b", "--database-url", db)
		if code != 0 || !strings.Contains(out, "4 created") {
			t.Fatalf("import of the export: %d %q %q", code, out, errs)
		}
		_, exportB, _ := cli(t, "users", "export", "--org", "b", "--database-url", db)
		a, b := readCSV(t, exportA), parseCSV(t, exportB)
		idCol := len(a[0]) - 3
		for _, rows := range [][][]string{a, b} {
			for _, r := range rows {
				r[idCol] = "" // ids differ between organizations
			}
		}
		if !equalRows(a, b) || len(a) != 5 {
			t.Errorf("exports differ:\n%q\n%q", a, b)
		}

		// Teams: the same paths and members in both organizations.
		_, teamsA, _ := cli(t, "teams", "export", "--org", "a", "--database-url", db)
		_, teamsB, _ := cli(t, "teams", "export", "--org", "b", "--database-url", db)
		ta, tb := parseCSV(t, teamsA), parseCSV(t, teamsB)
		for _, rows := range [][][]string{ta, tb} {
			for _, r := range rows[1:] {
				r[0] = ""
			}
		}
		if !equalRows(ta, tb) || !strings.Contains(teamsA, "Platform,Engineering/Platform,import,bob,SRE") {
			t.Errorf("teams:\n%s\n%s", teamsA, teamsB)
		}

		// JSON: one element per user, archived ones with --include-archived
		// (the files' contents are package userimport's, tested there).
		st := teststore.Open(t, db)
		org, _ := st.OrgByName(context.Background(), "a")
		danID := findUser(t, st, org.ID, "dan").ID
		if err := directory.New(st).Archive(context.Background(), cliActor(org.ID), store.KindUser, danID, nil); err != nil {
			t.Fatal(err)
		}
		_, js, _ := cli(t, "users", "export", "--org", "a", "--format", "json", "--include-archived", "--database-url", db)
		var users []userimport.UserJSON
		if err := json.Unmarshal([]byte(js), &users); err != nil || len(users) != 4 || users[3].ID != danID || users[3].Archived == nil {
			t.Fatalf("json export: %v %s", err, js)
		}
		if _, js, _ := cli(t, "users", "export", "--org", "a", "--format", "json", "--database-url", db); strings.Count(js, `"id"`) != 3 {
			t.Errorf("export without the archived: %s", js)
		}
		// An archived row is not imported.
		withArchived := filepath.Join(dir, "all.csv")
		cli(t, "users", "export", "--org", "a", "--include-archived", "--output", withArchived, "--database-url", db)
		code, out, _ = cli(t, "users", "import", withArchived, "--org", "b", "--dry-run", "--database-url", db)
		if code != 1 || !strings.Contains(out, "line 5: dan: rejected: an archived user is not imported") {
			t.Errorf("archived row: %d %s", code, out)
		}
	})
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseCSV(t, string(b))
}

func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%v in %q", err, s)
	}
	return rows
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

func findUser(t *testing.T, st store.Store, orgID, name string) store.Resource {
	t.Helper()
	f := store.Compare{Attr: store.Attr{Column: store.ColName, Type: store.TypeString}, Op: store.OpEq, Value: name}
	for _, archived := range []bool{false, true} {
		page, err := st.List(context.Background(), orgID, store.KindUser, store.Query{Filter: f, Count: 1, Archived: archived})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Resources) == 1 {
			return page.Resources[0]
		}
	}
	t.Fatalf("no user %q", name)
	return store.Resource{}
}

// TestCLIUsersImportErrors: usage, the template, a dry run, and the exit
// status of an import with rejected rows.
func TestCLIUsersImportErrors(t *testing.T) {
	db := testdb.SQLite(t)
	dir := t.TempDir()
	if code, out, _ := cli(t, "users", "import", "--template"); code != 0 || !strings.HasPrefix(out, "userName,externalId,givenName,") {
		t.Errorf("template: %d %q", code, out)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"users"}, "users import"},
		{[]string{"users", "import"}, "exactly one FILE.csv"},
		{[]string{"users", "import", "x.csv", "--match", "email"}, `--match "email"`},
		{[]string{"users", "purge", "--org", "a", "--archived-before", "0d"}, "positive duration"},
		{[]string{"users", "restore", "--org", "a"}, "exactly one user ID"},
		{[]string{"users", "export", "--org", "a", "--format", "xml"}, `--format "xml"`},
		{[]string{"teams", "export"}, "needs --org"},
	} {
		if code, _, errs := cli(t, append(c.args, "--database-url", db)...); code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("scimd %v: %d %q, want exit 2 and %q", c.args, code, errs, c.msg)
		}
	}
	for _, args := range [][]string{{"users", "--help"}, {"users", "import", "--help"}, {"teams", "--help"}, {"audit", "list", "--help"}} {
		if code, out, errs := cli(t, args...); code != 0 || !strings.Contains(out+errs, "Usage") {
			t.Errorf("scimd %v: %d", args, code)
		}
	}
	cli(t, "org", "create", "default", "--database-url", db)
	bad := writeFile(t, dir, "bad.csv", "userName,emial\nx,y\n")
	if code, _, errs := cli(t, "users", "import", bad, "--database-url", db); code != 1 || !strings.Contains(errs, `unknown column "emial"`) {
		t.Errorf("bad header: %d %q", code, errs)
	}
	f := writeFile(t, dir, "u.csv", "userName,active\nann,true\nbo,perhaps\n")
	code, out, errs := cli(t, "users", "import", f, "--dry-run", "--database-url", db) // into the default organization
	if code != 1 || !strings.Contains(out, `line 3: bo: rejected: active "perhaps"`) ||
		!strings.Contains(out, "dry run, nothing written: 2 rows: 1 created") || !strings.Contains(errs, "1 rows rejected") {
		t.Errorf("dry run: %d %q %q", code, out, errs)
	}
	if n := countUsers(t, db); n != 0 {
		t.Errorf("the dry run wrote %d users", n)
	}
}

func TestParseAgeAndSince(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{{"90d", 90 * 24 * time.Hour, true}, {"2w", 14 * 24 * time.Hour, true}, {"36h", 36 * time.Hour, true},
		{"1ns", 1, true}, {"0", 0, true}, {"-1d", 0, false}, {"d", 0, false}, {"1.5d", 0, false}, {"soon", 0, false}} {
		got, err := parseAge(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseAge(%q) = %v, %v", c.in, got, err)
		}
	}
	for in, want := range map[string]time.Time{
		"2026-01-01":           time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		"2026-01-01T08:00:00Z": time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC),
		"7d":                   now.Add(-7 * 24 * time.Hour),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parseSince("last week", now); err == nil {
		t.Error("parseSince accepted nonsense")
	}
	if formatAge(90*24*time.Hour) != "90d" || formatAge(36*time.Hour) != "36h0m0s" {
		t.Error("formatAge")
	}
}
