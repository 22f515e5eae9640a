package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

type listedUser struct {
	ID, UserName, DisplayName, Email, Status, Source, InactiveReason string
	Active                                                           bool
	Archived                                                         *string
}

type userList struct {
	Users []listedUser
	Total *int
	Next  string
}

func names(us []listedUser) string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.UserName
	}
	return strings.Join(out, ",")
}

// listAll follows next from the first page of query and returns every
// page's userNames and the first page's total.
func (e *testEnv) listAll(t *testing.T, c cred, query string) (pages []string, total int) {
	t.Helper()
	var l userList
	e.ok(t, c, "GET", "/users?"+query, "", 200, &l)
	if l.Total == nil {
		t.Fatalf("%s: the first page has no total", query)
	}
	total = *l.Total
	for range 20 {
		pages = append(pages, names(l.Users))
		if l.Next == "" {
			return pages, total
		}
		next := l.Next
		l = userList{}
		e.ok(t, c, "GET", "/users?"+query+"&cursor="+url.QueryEscape(next), "", 200, &l)
		if l.Total != nil {
			t.Errorf("%s: a later page has a total", query)
		}
	}
	t.Fatalf("%s: more than 20 pages", query)
	return nil, 0
}

// TestUsersListing: users are listed by userName, page by page with a
// cursor, searched over userName, displayName and email, and filtered by
// status and team (through sub-teams); the organization's own only.
func TestUsersListing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		o, c := e.acme, bearer(e.acme.auditor)
		ids := map[string]string{}
		for _, n := range []string{"grace", "ada", "edsger", "barbara", "ken", "dennis", "linus"} {
			ids[n] = e.mkUser(t, o.id, n+"@acme.test", n != "ken" && n != "linus", "displayName", strings.ToUpper(n[:1])+n[1:]+" Person")
		}
		e.archive(t, o.id, ids["linus"])
		globex := e.newOrg(t, "globex")
		e.mkUser(t, globex.id, "ada2@acme.test", true)
		sub := e.mkTeam(t, o.id, "Compilers", ids["grace"], ids["barbara"])
		e.mkTeam(t, o.id, "Engineering", ids["ada"], sub)

		for _, c2 := range []struct {
			query, want string
			total       int
		}{
			{"limit=2", "ada@acme.test,barbara@acme.test|dennis@acme.test,edsger@acme.test|grace@acme.test,ken@acme.test", 6},
			{"limit=4", "ada@acme.test,barbara@acme.test,dennis@acme.test,edsger@acme.test|grace@acme.test,ken@acme.test", 6},
			{"limit=500", "ada@acme.test,barbara@acme.test,dennis@acme.test,edsger@acme.test,grace@acme.test,ken@acme.test", 6},
			{"status=active&limit=2", "ada@acme.test,barbara@acme.test|dennis@acme.test,edsger@acme.test|grace@acme.test", 5},
			{"status=inactive", "ken@acme.test", 1},
			{"status=archived", "linus@acme.test", 1},
			{"q=ED", "edsger@acme.test", 1},                             // userName, case-insensitively
			{"q=" + url.QueryEscape("ara per"), "barbara@acme.test", 1}, // displayName "Barbara Person"
			{"q=dennis.mail", "dennis@acme.test", 1},                    // email
			{"q=nobody", "", 0},
			{"team=" + sub, "barbara@acme.test,grace@acme.test", 2},
			{"team=" + ids["ada"], "", 0}, // a user is not a team
			{"team=" + e.mkTeam(t, o.id, "Empty") + "&q=a", "", 0},
			{"q=ACME&status=active&limit=2", "ada@acme.test,barbara@acme.test|dennis@acme.test,edsger@acme.test|grace@acme.test", 5},
			{"q=gr&status=inactive", "", 0},
		} {
			pages, total := e.listAll(t, c, c2.query)
			if got := strings.Join(pages, "|"); got != c2.want || total != c2.total {
				t.Errorf("%s: pages %s (total %d), want %s (total %d)", c2.query, got, total, c2.want, c2.total)
			}
		}
		var l userList
		e.ok(t, c, "GET", "/users?q=ken", "", 200, &l)
		if len(l.Users) != 1 || l.Users[0].Status != "inactive" || l.Users[0].Active || l.Users[0].Source != "scim" ||
			l.Users[0].Email != "ken.mail@acme.test" || l.Users[0].DisplayName != "Ken Person" {
			t.Errorf("ken listed as %+v", l.Users)
		}
		e.ok(t, c, "GET", "/users?status=archived", "", 200, &l)
		if len(l.Users) != 1 || l.Users[0].Status != "archived" || l.Users[0].Archived == nil {
			t.Errorf("archived listed as %+v", l.Users)
		}
		for _, q := range []string{"status=gone", "limit=0", "limit=501", "limit=x", "cursor=bm9wZQ", "cursor=!!", "sort=name", "q=a&q=b"} {
			code, m, h := e.api(t, c, "GET", "/users?"+q, "")
			wantErr(t, q, code, m, h, 400, strings.SplitN(q, "=", 2)[0])
		}
	})
}

// TestUsersSourceFilter: source=SRC lists the users a source owns.
func TestUsersSourceFilter(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o := e.acme
	e.mkUser(t, o.id, "scim@acme.test", true)
	code, raw, _ := e.do(t, bearer(o.admin), "POST", "/api/v1/import?dry_run=false", "text/csv", "userName\nimported@acme.test\n")
	wantStatus(t, "import", code, raw, 200)
	for src, want := range map[string]string{"scim": "scim@acme.test", "import": "imported@acme.test", "ldap:corp": ""} {
		pages, _ := e.listAll(t, bearer(o.auditor), "source="+url.QueryEscape(src))
		if got := strings.Join(pages, "|"); got != want {
			t.Errorf("source=%s: %s, want %s", src, got, want)
		}
	}
}

type userDetail struct {
	listedUser
	SyncSource string
	Attributes map[string]any
	Teams      []struct {
		ID, Name string
		Direct   bool
	}
	History []struct {
		Type, Meaning, Actor string
	}
	HistoryNext string
}

// TestUserDetailAndLifecycle: a user's page has its attributes, teams
// (direct and through sub-teams) and history; the lifecycle writes go
// through the directory as the admin (the audit trail names them), keep
// the seat limit, and refuse what makes no sense.
func TestUserDetailAndLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		o := e.acme
		ctx := context.Background()
		e.mkAdmin(t, o.id, "ua@acme.test", store.RoleUserAdmin, true)
		s := e.signIn(t, "acme", "ua@acme.test")
		id := e.mkUser(t, o.id, "ada@acme.test", true, "title", "Countess")
		sub := e.mkTeam(t, o.id, "Analytical", id)
		top := e.mkTeam(t, o.id, "Engines", sub)

		var d userDetail
		e.ok(t, bearer(o.auditor), "GET", "/users/"+id, "", 200, &d)
		if d.UserName != "ada@acme.test" || d.Attributes["title"] != "Countess" || d.Status != "active" ||
			fmt.Sprint(d.Teams) != fmt.Sprintf("[{%s Analytical true} {%s Engines false}]", sub, top) ||
			len(d.History) != 2 || d.History[0].Type != "user.created" || d.History[1].Type != "user.teams_changed" {
			t.Errorf("detail %+v", d)
		}

		e.ok(t, s, "POST", "/users/"+id+"/deactivate", `{"reason":"  parental   leave "}`, 200, &d)
		if d.Status != "inactive" || d.InactiveReason != "admin: parental leave" {
			t.Errorf("deactivated: %+v", d.listedUser)
		}
		if err := e.dir.SetPolicy(ctx, o.id, store.Policy{SeatLimit: 1}); err != nil {
			t.Fatal(err)
		}
		e.mkUser(t, o.id, "grace@acme.test", true) // takes the only seat
		code, m, h := e.api(t, s, "POST", "/users/"+id+"/activate", "")
		wantErr(t, "activate past the seat limit", code, m, h, 403, "seat limit")
		if err := e.dir.SetPolicy(ctx, o.id, store.Policy{}); err != nil {
			t.Fatal(err)
		}
		e.ok(t, s, "POST", "/users/"+id+"/activate", "", 200, &d)
		if d.Status != "active" || d.InactiveReason != "" {
			t.Errorf("activated: %+v", d.listedUser)
		}
		code, m, h = e.api(t, s, "POST", "/users/"+id+"/purge", "")
		wantErr(t, "purge a live user", code, m, h, 403, "owner") // a user admin may not purge at all
		code, m, h = e.api(t, bearer(o.admin), "POST", "/users/"+id+"/purge", "")
		wantErr(t, "purge a live user", code, m, h, 409, "archive")
		code, m, h = e.api(t, s, "POST", "/users/"+id+"/restore", "")
		wantErr(t, "restore a live user", code, m, h, 409, "not archived")

		e.ok(t, s, "POST", "/users/"+id+"/archive", "", 200, &d)
		if d.Status != "archived" || d.Archived == nil {
			t.Errorf("archived: %+v", d.listedUser)
		}
		for _, op := range []string{"activate", "deactivate", "archive"} {
			code, m, h = e.api(t, s, "POST", "/users/"+id+"/"+op, "")
			wantErr(t, op+" an archived user", code, m, h, 409, "restore it first")
		}
		e.ok(t, bearer(o.auditor), "GET", "/users/"+id, "", 200, &d)
		if d.Status != "archived" || len(d.Teams) != 0 {
			t.Errorf("archived detail %+v", d)
		}
		code, m, h = e.api(t, bearer(o.admin), "POST", "/users/"+id+"/purge", "")
		wantErr(t, "purge inside the retention", code, m, h, 409, "90 days")

		e.ok(t, s, "POST", "/users/"+id+"/restore", "", 200, &d)
		e.ok(t, bearer(o.auditor), "GET", "/users/"+id, "", 200, &d)
		if d.Status != "active" || len(d.Teams) != 2 {
			t.Errorf("restored detail %+v", d)
		}
		e.ok(t, s, "POST", "/users/"+id+"/archive", "", 200, nil)
		if err := e.dir.SetPolicy(ctx, o.id, store.Policy{Retention: time.Nanosecond}); err != nil {
			t.Fatal(err)
		}
		e.ok(t, bearer(o.admin), "POST", "/users/"+id+"/purge", "", 204, nil)
		code, m, h = e.api(t, bearer(o.auditor), "GET", "/users/"+id, "")
		wantErr(t, "a purged user", code, m, h, 404, id)

		var trail struct {
			Events []struct{ Type, Actor string }
		}
		e.ok(t, bearer(o.auditor), "GET", "/audit?user="+id, "", 200, &trail)
		var got []string
		for _, ev := range trail.Events {
			got = append(got, ev.Type+" "+ev.Actor)
		}
		want := []string{"user.created token:okta", "user.teams_changed token:okta",
			"user.deactivated admin:ua@acme.test", "user.activated admin:ua@acme.test", "user.archived admin:ua@acme.test",
			"user.restored admin:ua@acme.test", "user.archived admin:ua@acme.test", "user.purged token:ops"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit trail:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		globex := e.newOrg(t, "globex")
		theirs := e.mkUser(t, globex.id, "ada@globex.test", true)
		for _, op := range []string{"", "/deactivate", "/archive"} {
			method := "POST"
			if op == "" {
				method = "GET"
			}
			code, m, h = e.api(t, bearer(o.admin), method, "/users/"+theirs+op, "")
			wantErr(t, "another organization's user "+op, code, m, h, 404, theirs)
		}
	})
}
