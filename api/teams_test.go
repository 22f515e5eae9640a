package api_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/userimport"
)

// TestTeams: the tree lists every team with its direct parents and
// member count; a team's page lists its direct members, or with
// transitive=true every user through its sub-teams.
func TestTeams(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o, c := e.acme, bearer(e.acme.auditor)
	ada := e.mkUser(t, o.id, "ada@acme.test", true)
	bob := e.mkUser(t, o.id, "bob@acme.test", true)
	cy := e.mkUser(t, o.id, "cy@acme.test", true)
	compilers := e.mkTeam(t, o.id, "Compilers", ada)
	kernel := e.mkTeam(t, o.id, "Kernel", bob, ada)
	eng := e.mkTeam(t, o.id, "Engineering", compilers, kernel, cy)
	ops := e.mkTeam(t, o.id, "Ops", kernel)
	e.mkTeam(t, e.newOrg(t, "globex").id, "Elsewhere")

	var tree struct {
		Teams []struct {
			ID, Name    string
			Parents     []string
			MemberCount int
		}
	}
	e.ok(t, c, "GET", "/teams", "", 200, &tree)
	var got []string
	for _, tm := range tree.Teams {
		sort.Strings(tm.Parents)
		got = append(got, fmt.Sprintf("%s<%s>%d", tm.Name, strings.Join(tm.Parents, ","), tm.MemberCount))
	}
	parents := []string{eng, ops}
	sort.Strings(parents)
	want := []string{"Compilers<" + eng + ">1", "Engineering<>3", "Kernel<" + strings.Join(parents, ",") + ">2", "Ops<>1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tree\n%s\nwant\n%s", strings.Join(got, " "), strings.Join(want, " "))
	}

	var team struct {
		Name        string
		Parents     []string
		MemberCount int
		Transitive  bool
		Members     []struct{ ID, Type, Display string }
		SubTeams    []struct{ ID string }
	}
	e.ok(t, c, "GET", "/teams/"+eng, "", 200, &team)
	var members []string
	for _, m := range team.Members {
		members = append(members, m.Type+":"+m.ID)
	}
	sort.Strings(members)
	wantM := []string{"Group:" + compilers, "Group:" + kernel, "User:" + cy}
	sort.Strings(wantM)
	if team.Name != "Engineering" || team.MemberCount != 3 || team.Transitive || strings.Join(members, " ") != strings.Join(wantM, " ") {
		t.Errorf("direct members %+v", team)
	}
	e.ok(t, c, "GET", "/teams/"+eng+"?transitive=true", "", 200, &team)
	members = nil
	for _, m := range team.Members {
		members = append(members, m.Type+":"+m.ID)
	}
	sort.Strings(members)
	wantM = []string{"User:" + ada, "User:" + bob, "User:" + cy}
	sort.Strings(wantM)
	if !team.Transitive || strings.Join(members, " ") != strings.Join(wantM, " ") || len(team.SubTeams) != 2 {
		t.Errorf("transitive members %+v", team)
	}
	e.ok(t, c, "GET", "/teams/"+kernel, "", 200, &team)
	if len(team.Parents) != 2 {
		t.Errorf("kernel parents %v", team.Parents)
	}
	code, m, h := e.api(t, c, "GET", "/teams/"+ada, "")
	wantErr(t, "a user as a team", code, m, h, 404, ada)
	code, m, h = e.api(t, c, "GET", "/teams/"+eng+"?transitive=maybe", "")
	wantErr(t, "transitive=maybe", code, m, h, 400, "true or false")
}

type importReport struct {
	DryRun  bool
	Error   string
	Summary struct {
		Rows, Created, Updated, Unchanged, Rejected, Incomplete int
		OK                                                      bool
	}
	Rows []struct {
		Line           int
		UserName, ID   string
		Result, Reason string
		Notes          []string
	}
}

const importFile = "userName,displayName,email,active,teams\n" +
	"ada@acme.test,Ada Lovelace,ada@acme.test,true,Engineering/Compilers\n" +
	",No Name,x@acme.test,true,\n" +
	"grace@acme.test,Grace Hopper,grace@acme.test,yes,Engineering\n" +
	"linus@acme.test,Linus,linus@acme.test,true,\n"

// TestImport: a dry run reports what each row would do and writes
// nothing; the apply writes it (the audit trail names the admin's
// import); a bad row is reported without stopping the others; a bad
// header is 400; the file comes as the body or as a form's file.
func TestImport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		o := e.acme
		c := bearer(o.userAdmin)
		code, raw, _ := e.do(t, c, "POST", "/api/v1/import?dry_run=false", "text/csv", "userName,displayName\ngrace@acme.test,Grace H.\n")
		wantStatus(t, "first import", code, raw, 200)
		e.mkUser(t, o.id, "linus@acme.test", true) // owned by SCIM: an import does not take it over

		before := e.snapshot(t, o.id)
		var rep importReport
		code, raw, _ = e.do(t, c, "POST", "/api/v1/import?dry_run=true", "text/csv", importFile)
		if !wantStatus(t, "dry run", code, raw, 200) {
			t.FailNow()
		}
		if err := json.Unmarshal(raw, &rep); err != nil {
			t.Fatal(err)
		}
		if after := e.snapshot(t, o.id); after != before {
			t.Errorf("a dry run wrote: %s -> %s", before, after)
		}
		summary := func(r importReport) string {
			var rows []string
			for _, x := range r.Rows {
				rows = append(rows, fmt.Sprintf("%d:%s:%s", x.Line, x.UserName, x.Result))
			}
			return fmt.Sprintf("dry=%v rows=%d created=%d updated=%d rejected=%d ok=%v %v", r.DryRun, r.Summary.Rows,
				r.Summary.Created, r.Summary.Updated, r.Summary.Rejected, r.Summary.OK, rows)
		}
		want := "dry=true rows=4 created=1 updated=1 rejected=2 ok=false " +
			"[2:ada@acme.test:created 3::rejected 4:grace@acme.test:updated 5:linus@acme.test:rejected]"
		if got := summary(rep); got != want {
			t.Errorf("dry run report\n%s\nwant\n%s", got, want)
		}
		if len(rep.Rows) != 4 {
			t.FailNow()
		}
		if rep.Rows[1].Reason == "" || !strings.Contains(rep.Rows[3].Reason, "scim") || !strings.Contains(strings.Join(rep.Rows[0].Notes, " "), "Engineering") {
			t.Errorf("dry run rows %+v", rep.Rows)
		}

		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("file", "people.csv")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(importFile))
		mw.Close()
		code, raw, _ = e.do(t, c, "POST", "/api/v1/import?dry_run=false", mw.FormDataContentType(), body.String())
		if !wantStatus(t, "apply", code, raw, 200) {
			t.FailNow()
		}
		rep = importReport{}
		if err := json.Unmarshal(raw, &rep); err != nil {
			t.Fatal(err)
		}
		if got, want := summary(rep), strings.Replace(want, "dry=true", "dry=false", 1); got != want {
			t.Errorf("apply report\n%s\nwant\n%s", got, want)
		}
		var l userList
		e.ok(t, c, "GET", "/users?q=ada", "", 200, &l)
		if len(l.Users) != 1 || l.Users[0].Source != "import" || l.Users[0].ID != rep.Rows[0].ID {
			t.Errorf("imported user %+v, report %+v", l.Users, rep.Rows[0])
		}
		var trail struct {
			Events []struct{ Type, Actor string }
		}
		e.ok(t, c, "GET", "/audit?user="+rep.Rows[0].ID+"&type=user.created", "", 200, &trail)
		if len(trail.Events) != 1 || trail.Events[0].Actor != "import:helpdesk" {
			t.Errorf("import events %+v", trail.Events)
		}

		for _, x := range []struct {
			name, query, ctype, body string
			status                   int
			mention                  string
		}{
			{"no dry_run", "", "text/csv", importFile, 400, "dry_run=true"},
			{"bad header", "?dry_run=true", "text/csv", "userName,shoeSize\nx,42\n", 400, "shoeSize"},
			{"empty file", "?dry_run=true", "text/csv", "", 400, "empty"},
			{"malformed header", "?dry_run=true", "text/csv", "userName,\"title\nx,y\n", 400, "reading the header"},
			{"JSON body", "?dry_run=true", "application/json", `{"userName":"x"}`, 415, "text/csv"},
			{"form without file", "?dry_run=true", "multipart/form-data; boundary=x", "--x--\r\n", 400, "file"},
			{"bad match", "?dry_run=true&match=email", "text/csv", importFile, 400, "externalId"},
		} {
			code, raw, _ := e.do(t, c, "POST", "/api/v1/import"+x.query, x.ctype, x.body)
			if wantStatus(t, x.name, code, raw, x.status) && !strings.Contains(string(raw), x.mention) {
				t.Errorf("%s: %s does not mention %q", x.name, raw, x.mention)
			}
		}
	})
}

// TestImportStopsPartway: an import that stops after writing rows (here
// its body breaks: a malformed chunk) answers the error's status with the
// report of the rows applied and the error, not a bare error.
func TestImportStopsPartway(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o := e.acme
	host := strings.TrimPrefix(e.url, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows := "userName\nann@acme.test\nbo@acme.test\n"
	fmt.Fprintf(conn, "POST /api/v1/import?dry_run=false HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n%x\r\n%s\r\nzz\r\n",
		host, o.userAdmin, len(rows), rows)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var rep importReport
	if err := json.Unmarshal(raw, &rep); err != nil || resp.StatusCode != 500 {
		t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	if !strings.Contains(rep.Error, "internal error; quote request id") || rep.Summary.Rows != 2 || rep.Summary.Created != 2 ||
		rep.Summary.OK || len(rep.Rows) != 2 || rep.Rows[0].UserName != "ann@acme.test" || rep.Rows[1].Result != "created" {
		t.Errorf("report %s", raw)
	}
	var l userList
	e.ok(t, bearer(o.auditor), "GET", "/users?q=bo@acme.test", "", 200, &l)
	if len(l.Users) != 1 || l.Users[0].ID != rep.Rows[1].ID {
		t.Errorf("bo: %+v, reported %+v", l.Users, rep.Rows[1])
	}
}

// TestExport: users export as import's CSV columns (archived ones on
// request) or as JSON; teams with their paths.
func TestExport(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o, c := e.acme, bearer(e.acme.userAdmin)
	ada := e.mkUser(t, o.id, "ada@acme.test", true)
	gone := e.mkUser(t, o.id, "gone@acme.test", false)
	e.archive(t, o.id, gone)
	sub := e.mkTeam(t, o.id, "Compilers", ada)
	e.mkTeam(t, o.id, "Engineering", sub)

	code, raw, h := e.do(t, c, "GET", "/api/v1/export/users", "", "")
	if !wantStatus(t, "users csv", code, raw, 200) {
		t.FailNow()
	}
	if h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(h.Get("Content-Disposition"), "users.csv") {
		t.Errorf("headers %v", h)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := userimport.ExportColumns()
	col := func(rec []string, name string) string {
		for i, c := range cols {
			if c == name {
				return rec[i]
			}
		}
		return "?"
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(cols, ",") || col(recs[1], "userName") != "ada@acme.test" ||
		col(recs[1], "teams") != "Engineering/Compilers" || col(recs[1], "id") != ada {
		t.Errorf("users csv %q", recs)
	}
	code, raw, _ = e.do(t, c, "GET", "/api/v1/export/users?format=json&include_archived=true", "", "")
	var users []struct {
		ID       string
		Archived *string
		SCIM     map[string]any
	}
	if !wantStatus(t, "users json", code, raw, 200) || json.Unmarshal(raw, &users) != nil || len(users) != 2 ||
		users[0].ID != ada || users[1].ID != gone || users[1].Archived == nil || users[1].SCIM["userName"] != "gone@acme.test" {
		t.Errorf("users json %s", raw)
	}
	code, raw, _ = e.do(t, c, "GET", "/api/v1/export/teams?format=json", "", "")
	var teams []struct {
		Name, Path string
		Members    []struct{ UserName string }
	}
	if !wantStatus(t, "teams json", code, raw, 200) || json.Unmarshal(raw, &teams) != nil || len(teams) != 2 ||
		teams[0].Path != "Engineering/Compilers" || len(teams[0].Members) != 1 || teams[0].Members[0].UserName != "ada@acme.test" {
		t.Errorf("teams json %s", raw)
	}
	code, m, hh := e.api(t, c, "GET", "/export/users?format=xml", "")
	wantErr(t, "format=xml", code, m, hh, 400, "csv or json")
	code, m, hh = e.api(t, c, "GET", "/export/teams?include_archived=true", "")
	wantErr(t, "teams include_archived", code, m, hh, 400, "include_archived")
}
