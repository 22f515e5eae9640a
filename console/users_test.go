package console_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// TestUsersList: search, the state, source and team filters, and pages.
func TestUsersList(t *testing.T) {
	e := newEnv(t)
	if err := e.dir.Archive(e.ctx, e.system(), store.KindUser, e.users["grace"].ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.dir.Update(e.ctx, e.system(), store.KindUser, e.users["erin"].ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs["active"] = false
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	imp := directory.Actor{OrgID: e.org.ID, Source: directory.SourceImport, Name: "test"}
	var batch []store.Resource
	for i := range 55 {
		batch = append(batch, store.Resource{Kind: store.KindUser, Attrs: map[string]any{"userName": fmt.Sprintf("temp%02d", i)}})
	}
	if err := e.dir.CreateMany(e.ctx, imp, batch); err != nil {
		t.Fatal(err)
	}
	cookie, _ := e.session(store.RoleAuditor)
	names := regexp.MustCompile(`<div class="sub">([a-z0-9]+)</div>|<a href="/admin/users/[^"]+">([a-z0-9]+)</a>`)
	for _, c := range []struct {
		query string
		want  []string // the userNames listed, in order ("" items skipped)
		total int
	}{
		{"q=HOFF", []string{"heidi"}, 1},
		{"q=erin%40acme.test", []string{"erin"}, 1},
		{"status=inactive", []string{"erin"}, 1},
		{"status=archived", []string{"grace"}, 1},
		{"source=scim&status=active", []string{"alice", "bob", "carol", "dave", "frank", "heidi"}, 6},
		{"team=" + e.teams["Platform"].ID, []string{"bob", "frank"}, 2},
		{"source=import&page=2", []string{"temp50", "temp51", "temp52", "temp53", "temp54"}, 55},
		{"q=nobody-at-all", nil, 0},
	} {
		status, _, body := e.do(http.MethodGet, "/admin/users?"+c.query, cookie, nil)
		if status != http.StatusOK {
			t.Errorf("%s: status %d", c.query, status)
			continue
		}
		var got []string
		for _, m := range names.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1]+m[2])
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: listed %v, want %v", c.query, got, c.want)
		}
		if c.total > 0 && !strings.Contains(body, fmt.Sprintf(" of %d users", c.total)) {
			t.Errorf("%s: does not say %d users", c.query, c.total)
		}
	}
	_, _, body := e.do(http.MethodGet, "/admin/users?source=import", cookie, nil)
	next := "/admin/users?" + url.Values{"page": {"2"}, "source": {"import"}}.Encode()
	if !strings.Contains(body, `href="`+strings.ReplaceAll(next, "&", "&amp;")+`"`) {
		t.Errorf("the first page of 55 does not link to the second (%s)", next)
	}
}

// TestSeatLimitRefusal: activating a user past the seat limit is refused
// with the policy's reason, and changes nothing.
func TestSeatLimitRefusal(t *testing.T) {
	e := newEnv(t)
	if _, err := e.dir.Update(e.ctx, e.system(), store.KindUser, e.users["dave"].ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs["active"] = false
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.dir.SetPolicy(e.ctx, e.org.ID, store.Policy{SeatLimit: len(people) - 1}); err != nil {
		t.Fatal(err)
	}
	cookie, csrf := e.session(store.RoleUserAdmin)
	before := e.lastSeq()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/users/"+e.users["dave"].ID+"/activate",
		strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "scimd_session", Value: cookie})
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "scimd_flash" {
			flash = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || flash == nil {
		t.Fatalf("activate past the limit: status %d, flash %v", resp.StatusCode, flash)
	}
	req, _ = http.NewRequest(http.MethodGet, e.srv.URL+resp.Header.Get("Location"), nil)
	req.AddCookie(&http.Cookie{Name: "scimd_session", Value: cookie})
	req.AddCookie(flash)
	page, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer page.Body.Close()
	b, _ := io.ReadAll(page.Body)
	if !strings.Contains(string(b), `class="flash error"`) || !strings.Contains(string(b), "seat limit reached") {
		t.Errorf("the user page does not show the refusal:\n%.2000s", b)
	}
	if e.user("dave").Active || e.lastSeq() != before {
		t.Error("a refused activation changed something")
	}
}

// TestEventPages: the audit trail and a user's history page backward
// from the newest event, with a type filter.
func TestEventPages(t *testing.T) {
	e := newEnv(t)
	for i := range 60 {
		if _, err := e.dir.Update(e.ctx, e.system(), store.KindUser, e.users["alice"].ID, func(r *store.Resource) (*store.MemberChange, error) {
			r.Attrs["title"] = fmt.Sprintf("Engineer %02d", i)
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	cookie, _ := e.session(store.RoleAuditor)
	older := regexp.MustCompile(`<a href="([^"]+)" rel="next">Older`)
	path, seen := "/admin/audit?type=user.updated", 0
	titles := regexp.MustCompile(`Engineer (\d\d)(?:&#34;|")</div>`)
	last := 60
	for pages := 0; path != ""; pages++ {
		_, _, body := e.do(http.MethodGet, strings.ReplaceAll(path, "&amp;", "&"), cookie, nil)
		n := strings.Count(body, "<code>user.updated</code>")
		if pages == 0 && n != 50 {
			t.Fatalf("first page: %d events, want 50", n)
		}
		for _, m := range titles.FindAllStringSubmatch(body, -1) {
			got, _ := strconv.Atoi(m[1])
			if got >= last {
				t.Fatalf("page %d: title %d after %d: not newest first", pages, got, last)
			}
			last = got
		}
		seen += n
		path = ""
		if m := older.FindStringSubmatch(body); m != nil {
			path = m[1]
		}
	}
	if seen != 60 || last != 0 {
		t.Errorf("paged through %d user.updated events down to title %d, want 60 down to 0", seen, last)
	}
	_, _, body := e.do(http.MethodGet, "/admin/users/"+e.users["alice"].ID, cookie, nil)
	if n := strings.Count(body, "<code>user.updated</code>"); n != 25 || !strings.Contains(body, "Older →") {
		t.Errorf("alice's history shows %d events, want the newest 25 and a link to older ones", n)
	}
}
