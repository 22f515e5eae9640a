package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

// roundTripCSV exercises every column: a manager named before he exists,
// nested and escaped team names, several emails, an inactive and an
// external user, values with commas and quotes.
const roundTripCSV = `userName,externalId,givenName,familyName,displayName,email,phone,title,department,employeeNumber,userType,active,roles,entitlements,manager,teams
bob,E2,Bob,"Builder, Jr.",,bob@example.com;bob@home.example.com,+1 555 0100,Engineer,Engineering,1002,Employee,true,Member,Fleet,alice,Engineering/Platform;R\/D\; Labs
alice,E1,Alice,Ng,"Alice ""Al"" Ng",alice@example.com,,CTO,Engineering,1001,Employee,true,Admin;Member,,,Engineering
carol,E3,Carol,Ray,,carol@contractor.example,,Consultant,,,External,true,,,alice,Engineering/Platform/SRE
dan,E4,Dan,Old,,dan@example.com,,,,1004,,false,,,,
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
		bob := a[1]
		if bob[0] != "bob" || bob[3] != "Builder, Jr." || bob[5] != "bob@example.com;bob@home.example.com" ||
			bob[14] != "alice" || bob[15] != `Engineering/Platform;R\/D\; Labs` {
			t.Errorf("bob's row: %q", bob)
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

		// JSON: one element per user, archived ones with --include-archived.
		st := openTestStore(t, db)
		org, _ := st.OrgByName(context.Background(), "a")
		danID := findUser(t, st, org.ID, "dan").ID
		if err := directory.New(st).Archive(context.Background(), cliActor(org.ID), store.KindUser, danID, nil); err != nil {
			t.Fatal(err)
		}
		_, js, _ := cli(t, "users", "export", "--org", "a", "--format", "json", "--include-archived", "--database-url", db)
		var users []userJSON
		if err := json.Unmarshal([]byte(js), &users); err != nil || len(users) != 4 {
			t.Fatalf("json export: %v %s", err, js)
		}
		if users[3].ID != danID || users[3].Archived == nil || users[0].Manager != "alice" ||
			strings.Join(users[0].Teams, ";") != `Engineering/Platform;R\/D\; Labs` || users[0].SCIM["userName"] != "bob" {
			t.Errorf("json users: %+v", users)
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

// TestEachPage: keyset pages cover every live, or archived, user once,
// in id order.
func TestEachPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		ctx := context.Background()
		st := openTestStore(t, db)
		d := directory.New(st)
		org, err := d.CreateOrg(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := range 7 {
			u, err := d.Create(ctx, cliActor(org.ID), store.Resource{Kind: store.KindUser, Attrs: map[string]any{"userName": fmt.Sprint("u", i)}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		for _, id := range ids[1:4] {
			if err := d.Archive(ctx, cliActor(org.ID), store.KindUser, id, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			q    store.Query
			want []string
		}{{store.Query{}, append([]string{ids[0]}, ids[4:]...)}, {store.Query{Archived: true}, ids[1:4]}} {
			var got []string
			pages := 0
			err := eachPage(ctx, st, org.ID, store.KindUser, c.q, 2, func(rs []store.Resource) error {
				pages++
				for _, r := range rs {
					got = append(got, r.ID)
				}
				return nil
			})
			if err != nil || strings.Join(got, ",") != strings.Join(c.want, ",") || pages != (len(c.want)+1)/2 {
				t.Errorf("archived=%v: %d pages %v %v, want %v", c.q.Archived, pages, got, err, c.want)
			}
		}
	})
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
