package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimd/scimd/console"
	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/sync/ldapsync"
)

// TestMain runs slapd for the held-run tests and stops it at the end.
func TestMain(m *testing.M) { ldaptest.Main(m) }

const (
	password = "correct-horse-battery"
	orgName  = "acme"
)

// The admins of every test organization, by role.
var admins = map[store.AdminRole]string{
	store.RoleOwner:     "olivia@acme.test",
	store.RoleUserAdmin: "umar@acme.test",
	store.RoleAuditor:   "ada@acme.test",
}

// env is a real console over a fresh SQLite database, served on loopback.
type env struct {
	t    *testing.T
	ctx  context.Context
	st   *sqlstore.Store
	dir  *directory.Service
	org  store.Org
	eng  *ldapsync.Engine
	sync *ldapsync.Control // of the sources of the last useSources
	// console is the console served, over sync.
	console atomic.Pointer[http.Handler]
	srv     *httptest.Server
	users   map[string]store.Resource // by userName
	teams   map[string]store.Resource // by name
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	st, err := sqlstore.Open(ctx, testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := directory.New(st)
	org, _, err := dir.EnsureOrg(ctx, orgName)
	if err != nil {
		t.Fatal(err)
	}
	for role, email := range admins {
		if _, err := dir.CreateAdmin(ctx, nil, org.ID, email, "", role, password); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := ldapsync.NewEngine(ldapsync.EngineConfig{Directory: dir})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, st: st, dir: dir, org: org, eng: eng,
		users: map[string]store.Resource{}, teams: map[string]store.Resource{}}
	e.useSources()
	mux := http.NewServeMux()
	mux.Handle(console.BasePath+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*e.console.Load()).ServeHTTP(w, r)
	}))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.seed()
	return e
}

// useSources configures srcs as the directory sources of the test's
// organization, as a restart of the server with them configured would:
// a console over a new ldapsync.Control of them on the env's engine.
func (e *env) useSources(srcs ...ldapsync.Source) {
	e.t.Helper()
	configured := make([]ldapsync.OrgSource, len(srcs))
	for i, s := range srcs {
		configured[i] = ldapsync.OrgSource{Org: orgName, Source: s}
	}
	e.sync = ldapsync.NewControl(e.ctx, e.eng, configured)
	h := console.New(console.Config{Directory: e.dir, Sync: e.sync, Webhooks: e.st, DefaultOrg: orgName}).Handler()
	e.console.Store(&h)
}

// people are the seeded users: userName, given and family name, title,
// department.
var people = [][5]string{
	{"alice", "Alice", "Archer", "Staff engineer", "Engineering"},
	{"bob", "Bob", "Baker", "Database engineer", "Engineering"},
	{"carol", "Carol", "Chen", "Frontend engineer", "Engineering"},
	{"dave", "Dave", "Dunn", "Account executive", "Sales"},
	{"erin", "Erin", "Evans", "Support lead", "Support"},
	{"frank", "Frank", "Fischer", "Site reliability engineer", "Engineering"},
	{"grace", "Grace", "Garcia", "Sales manager", "Sales"},
	{"heidi", "Heidi", "Hoffmann", "Designer", "Engineering"},
}

// seed adds users (by SCIM) and a team tree: Engineering > Platform >
// Databases, Engineering > Frontend, Sales, Support.
func (e *env) seed() {
	e.t.Helper()
	a := directory.Actor{OrgID: e.org.ID, Source: directory.SourceSCIM, Name: "okta", InactiveReason: directory.ReasonIdP}
	for _, p := range people {
		doc := map[string]any{
			"userName":    p[0],
			"name":        map[string]any{"givenName": p[1], "familyName": p[2]},
			"displayName": p[1] + " " + p[2],
			"emails":      []any{map[string]any{"value": p[0] + "@acme.test", "type": "work", "primary": true}},
			"title":       p[3],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": p[4]},
		}
		r, err := e.dir.Create(e.ctx, a, store.Resource{Kind: store.KindUser, Attrs: doc}, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		e.users[p[0]] = r
	}
	team := func(name string, members ...string) {
		r, err := e.dir.Create(e.ctx, a, store.Resource{Kind: store.KindGroup, Attrs: map[string]any{"displayName": name}}, members)
		if err != nil {
			e.t.Fatal(err)
		}
		e.teams[name] = r
	}
	u := func(n string) string { return e.users[n].ID }
	team("Databases", u("bob"))
	team("Platform", u("frank"), e.teams["Databases"].ID)
	team("Frontend", u("carol"), u("heidi"))
	team("Engineering", u("alice"), e.teams["Platform"].ID, e.teams["Frontend"].ID)
	team("Sales", u("dave"), u("grace"))
	team("Support", u("erin"))
}

// user reads a user back, archived or not.
func (e *env) user(name string) store.Resource {
	e.t.Helper()
	id := e.users[name].ID
	r, err := e.st.Get(e.ctx, e.org.ID, store.KindUser, id)
	if err != nil {
		r, err = e.st.GetArchived(e.ctx, e.org.ID, store.KindUser, id)
	}
	if err != nil {
		e.t.Fatalf("reading user %s: %v", name, err)
	}
	return r
}

// lastSeq is the organization's last event: a refused action must leave
// it as it was.
func (e *env) lastSeq() int64 {
	e.t.Helper()
	n, err := e.st.LastEventSeq(e.ctx, e.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// session signs an admin in and returns the session cookie and its CSRF
// token.
func (e *env) session(role store.AdminRole) (cookie, csrf string) {
	e.t.Helper()
	c, p, err := e.dir.SignIn(e.ctx, orgName, admins[role], password)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, p.CSRF
}

// client is an HTTP client that does not follow redirects.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout: time.Minute}

// do sends a request with the session cookie (if any) and returns the
// status, the Location header and the body.
func (e *env) do(method, path, cookie string, form url.Values) (int, string, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "scimd_session", Value: cookie})
	}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}
