package userimport_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/userimport"
)

// exportFile exercises every column: a manager named before he exists,
// nested and escaped team names, several emails, an inactive and an
// external user, values with commas and quotes.
const exportFile = `userName,externalId,givenName,familyName,displayName,email,phone,title,department,employeeNumber,userType,active,roles,entitlements,manager,teams
bob,E2,Bob,"Builder, Jr.",,bob@example.com;bob@home.example.com,+1 555 0100,Engineer,Engineering,1002,Employee,true,Member,Fleet,alice,Engineering/Platform;R\/D\; Labs
alice,E1,Alice,Ng,"Alice ""Al"" Ng",alice@example.com,,CTO,Engineering,1001,Employee,true,Admin;Member,,,Engineering
carol,E3,Carol,Ray,,carol@contractor.example,,Consultant,,,External,true,,,alice,Engineering/Platform/SRE
dan,E4,Dan,Old,,dan@example.com,,,,1004,,false,,,,
`

// exportEnv is an organization holding exportFile, dan archived; it
// returns dan's id.
func exportEnv(t *testing.T, db string) (env, string) {
	t.Helper()
	e := newEnv(t, db)
	if _, sum := e.run(t, exportFile, false); sum.Created != 4 || !sum.OK() {
		t.Fatalf("import: %+v", sum)
	}
	admin := directory.Actor{OrgID: e.org.ID, Source: directory.SourceAdmin, Name: "root", Who: "cli:root"}
	dan := e.user(t, "dan").ID
	if err := e.d.Archive(context.Background(), admin, store.KindUser, dan, nil); err != nil {
		t.Fatal(err)
	}
	return e, dan
}

// export runs ExportUsers (users) or ExportTeams.
func export(t *testing.T, st store.Store, orgID string, users bool, opt userimport.ExportOptions) string {
	t.Helper()
	f := userimport.ExportTeams
	if users {
		f = userimport.ExportUsers
	}
	var b strings.Builder
	if err := f(context.Background(), st, orgID, &b, opt); err != nil {
		t.Fatalf("export: %v", err)
	}
	return b.String()
}

// exportAllSizes exports with several page sizes, checks that they give
// the same file, and returns it.
func exportAllSizes(t *testing.T, st store.Store, orgID string, users bool, opt userimport.ExportOptions) string {
	t.Helper()
	opt.PageSize = 0
	want := export(t, st, orgID, users, opt)
	for _, n := range []int{1, 2, 3} {
		opt.PageSize = n
		if got := export(t, st, orgID, users, opt); got != want {
			t.Errorf("pages of %d (users %v, %+v):\n%s\nwant (default pages)\n%s", n, users, opt, got, want)
		}
	}
	return want
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
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// byCol indexes CSV rows (the header left out) by the cell of column col.
func byCol(rows [][]string, col int) map[string][]string {
	out := map[string][]string{}
	for _, r := range rows[1:] {
		out[r[col]] = r
	}
	return out
}

// TestExportUsers: the CSV has export's columns, a row per live user
// (then per archived one, on request) whatever the page size, and
// imports into another organization as the same users, which export the
// same again; the JSON array carries the stored document.
func TestExportUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e, danID := exportEnv(t, db)
		ctx, st := context.Background(), e.d.Store()
		cols := userimport.ExportColumns()
		idCol, srcCol, archCol := len(cols)-3, len(cols)-2, len(cols)-1

		live := exportAllSizes(t, st, e.org.ID, true, userimport.ExportOptions{})
		rows := parseCSV(t, live)
		if !slices.Equal(rows[0], cols) || len(rows) != 4 {
			t.Fatalf("users csv:\n%s", live)
		}
		bob := byCol(rows, 0)["bob"]
		want := []string{"bob", "E2", "Bob", "Builder, Jr.", "", "bob@example.com;bob@home.example.com", "+1 555 0100",
			"Engineer", "Engineering", "1002", "Employee", "true", "Member", "Fleet", "alice", `Engineering/Platform;R\/D\; Labs`,
			e.user(t, "bob").ID, "import", ""}
		if !slices.Equal(bob, want) {
			t.Errorf("bob's row\n%q\nwant\n%q", bob, want)
		}
		if a := byCol(rows, 0)["alice"]; a[4] != `Alice "Al" Ng` || a[12] != "Admin;Member" || a[14] != "" {
			t.Errorf("alice's row %q", a)
		}

		all := parseCSV(t, exportAllSizes(t, st, e.org.ID, true, userimport.ExportOptions{Archived: true}))
		dan := all[len(all)-1]
		if len(all) != 5 || !equalRows(all[:4], rows) || dan[0] != "dan" || dan[11] != "false" || dan[srcCol] != "import" {
			t.Fatalf("with the archived: %q", all)
		}
		if _, err := time.Parse(time.RFC3339, dan[archCol]); err != nil {
			t.Errorf("dan's archived cell %q: %v", dan[archCol], err)
		}

		// The live users import into another organization as they were.
		other, err := e.d.CreateOrg(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		a := directory.Actor{OrgID: other.ID, Source: directory.SourceImport, Name: "tester", Who: "import:tester"}
		sum, err := userimport.Run(ctx, e.d, strings.NewReader(live), userimport.Options{Actor: a},
			func(userimport.Result) error { return nil })
		if err != nil || sum.Created != 3 || !sum.OK() {
			t.Fatalf("import of the export: %v %+v", err, sum)
		}
		again := parseCSV(t, export(t, st, other.ID, true, userimport.ExportOptions{}))
		for _, rs := range [][][]string{rows, again} {
			for _, r := range rs[1:] {
				r[idCol] = "" // ids differ between organizations
			}
		}
		if !equalRows(again, rows) {
			t.Errorf("the import of the export exports as\n%q\nnot\n%q", again, rows)
		}

		js := exportAllSizes(t, st, e.org.ID, true, userimport.ExportOptions{Format: userimport.FormatJSON, Archived: true})
		var users []userimport.UserJSON
		if err := json.Unmarshal([]byte(js), &users); err != nil || len(users) != 4 {
			t.Fatalf("json: %v\n%s", err, js)
		}
		if !strings.HasPrefix(js, "[\n{") || !strings.HasSuffix(js, "}\n]\n") || strings.Count(js, "\n") != 4+2 {
			t.Errorf("want one element a line:\n%s", js)
		}
		last := users[3]
		if last.ID != danID || last.Archived == nil || last.Active || last.SCIM["userName"] != "dan" {
			t.Errorf("archived user %+v", last)
		}
		for _, u := range users[:3] {
			if u.Archived != nil || u.Source != "import" || u.Created.IsZero() {
				t.Errorf("live user %+v", u)
			}
			if u.SCIM["userName"] == "bob" && (u.Manager != "alice" || strings.Join(u.Teams, ";") != `Engineering/Platform;R\/D\; Labs`) {
				t.Errorf("bob %+v", u)
			}
		}
		if js := export(t, st, e.org.ID, true, userimport.ExportOptions{Format: userimport.FormatJSON}); strings.Count(js, `"id"`) != 3 {
			t.Errorf("json without the archived:\n%s", js)
		}
	})
}

// TestExportTeams: every live team with its path, source, direct users
// (userNames) and direct sub-teams, whatever the page size.
func TestExportTeams(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e, _ := exportEnv(t, db)
		st := e.d.Store()
		out := exportAllSizes(t, st, e.org.ID, false, userimport.ExportOptions{})
		rows := parseCSV(t, out)
		if !slices.Equal(rows[0], userimport.TeamExportColumns()) || len(rows) != 5 {
			t.Fatalf("teams csv:\n%s", out)
		}
		teams := byCol(rows, 1)
		for name, want := range map[string][]string{
			"Engineering": {"Engineering", "Engineering", "import", "alice", "Platform"},
			"Platform":    {"Platform", "Engineering/Platform", "import", "bob", "SRE"},
			"SRE":         {"SRE", "Engineering/Platform/SRE", "import", "carol", ""},
			"R/D; Labs":   {"R/D; Labs", `R\/D\; Labs`, "import", "bob", ""},
		} {
			if got := teams[name]; len(got) != 6 || got[0] != e.team(t, name).ID || !slices.Equal(got[1:], want) {
				t.Errorf("team %s: %q, want %q", name, got, want)
			}
		}

		js := exportAllSizes(t, st, e.org.ID, false, userimport.ExportOptions{Format: userimport.FormatJSON})
		var got []userimport.TeamJSON
		if err := json.Unmarshal([]byte(js), &got); err != nil || len(got) != 4 {
			t.Fatalf("json: %v\n%s", err, js)
		}
		for _, tm := range got {
			if tm.Name != "Engineering" {
				continue
			}
			if tm.Path != "Engineering" || len(tm.Members) != 1 || tm.Members[0].UserName != "alice" ||
				tm.Members[0].ID != e.user(t, "alice").ID || len(tm.SubTeams) != 1 || tm.SubTeams[0].Name != "Platform" ||
				tm.SubTeams[0].ID != e.team(t, "Platform").ID {
				t.Errorf("Engineering: %+v", tm)
			}
		}
	})
}

// TestExportEmpty: an organization without users or teams exports as a
// header line or an empty array; an unknown format writes nothing.
func TestExportEmpty(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	st := e.d.Store()
	for _, users := range []bool{true, false} {
		header := strings.Join(userimport.TeamExportColumns(), ",") + "\n"
		if users {
			header = strings.Join(userimport.ExportColumns(), ",") + "\n"
		}
		if got := export(t, st, e.org.ID, users, userimport.ExportOptions{}); got != header {
			t.Errorf("users %v: csv %q", users, got)
		}
		if got := export(t, st, e.org.ID, users, userimport.ExportOptions{Format: userimport.FormatJSON}); got != "[]\n" {
			t.Errorf("users %v: json %q", users, got)
		}
	}
	var b strings.Builder
	if err := userimport.ExportUsers(context.Background(), st, e.org.ID, &b, userimport.ExportOptions{Format: "xml"}); err == nil || b.Len() != 0 {
		t.Errorf("format xml: %v, wrote %q", err, b.String())
	}
}

// failPages fails List when asked for a keyset page after the first.
type failPages struct{ store.Store }

var errBoom = errors.New("boom")

func (f failPages) List(ctx context.Context, orgID string, kind store.Kind, q store.Query) (store.Page, error) {
	if q.After != nil {
		return store.Page{}, errBoom
	}
	return f.Store.List(ctx, orgID, kind, q)
}

// TestExportStops: an export whose store fails partway returns the
// error, and the file is left unfinished.
func TestExportStops(t *testing.T) {
	e, _ := exportEnv(t, testdb.SQLite(t))
	for _, users := range []bool{true, false} {
		f := userimport.ExportTeams
		if users {
			f = userimport.ExportUsers
		}
		var b strings.Builder
		err := f(context.Background(), failPages{e.d.Store()}, e.org.ID, &b, userimport.ExportOptions{Format: userimport.FormatJSON, PageSize: 1})
		if !errors.Is(err, errBoom) || strings.HasSuffix(b.String(), "]\n") {
			t.Errorf("users %v: %v, wrote %q", users, err, b.String())
		}
	}
}
