package api_test

import (
	"context"
	"encoding/json"
	"github.com/scimd/scimd/internal/teststore"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimd/scimd/api"
	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/sync/ldapsync"
)

// TestMain runs the throwaway PostgreSQL cluster and, for the sync tests,
// slapd, and stops them at the end.
func TestMain(m *testing.M) { ldaptest.Main(testdb.Wrap(m)) }

// testEnv is a real scimd as cmd/scimd serves it: a real store, the SCIM
// endpoints (the traffic that makes events) and the admin API on one mux,
// over real HTTP.
type testEnv struct {
	url    string
	dir    *directory.Service
	st     *sqlstore.Store
	client *http.Client
	server *api.Server
	acme   org
	// sync is the directory sync of a newSyncEnv (nil otherwise), syncLog
	// its engine's log.
	sync    *ldapsync.Control
	syncLog *lockedBuffer
	corp    *corpDirectory
}

// org is an organization with a SCIM token and an admin token of each
// role (admin is the owner's).
type org struct {
	id, name, scim            string
	admin, userAdmin, auditor string
}

// newEnv is a testEnv without directory sync (its routes answer 503).
func newEnv(t testing.TB, url string) *testEnv {
	t.Helper()
	return newEnvWith(t, url, nil)
}

// newEnvWith is a testEnv whose admin API controls sources with a real
// sync engine (none: no sync).
func newEnvWith(t testing.TB, url string, sources []ldapsync.OrgSource) *testEnv {
	t.Helper()
	st := teststore.Open(t, url)
	dir := directory.New(st)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", scim.New(scim.Config{}, dir, log).Handler())
	env := &testEnv{dir: dir, st: st, syncLog: &lockedBuffer{}}
	var ctl api.SyncControl
	if len(sources) > 0 {
		eng, err := ldapsync.NewEngine(ldapsync.EngineConfig{Directory: dir, Logger: slog.New(slog.NewTextHandler(env.syncLog, nil))})
		if err != nil {
			t.Fatal(err)
		}
		env.sync = ldapsync.NewControl(t.Context(), eng, sources)
		ctl = env.sync
	}
	env.server = api.New(api.Config{Directory: dir, Sync: ctl, Logger: log})
	mux.Handle(api.BasePath+"/", env.server.Handler())
	srv := httptest.NewServer(obs.Middleware(mux, log, nil))
	t.Cleanup(srv.Close)
	env.url, env.client = srv.URL, srv.Client()
	env.acme = env.newOrg(t, "acme")
	return env
}

// newOrg creates an organization with its SCIM token and an admin token
// of each role.
func (e *testEnv) newOrg(t testing.TB, name string) org {
	t.Helper()
	ctx := context.Background()
	o, err := e.dir.CreateOrg(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	scimTok, _, err := e.dir.CreateToken(ctx, o.ID, "okta")
	if err != nil {
		t.Fatal(err)
	}
	tok := func(name string, role store.AdminRole) string {
		plain, _, err := e.dir.CreateAdminToken(ctx, o.ID, name, role)
		if err != nil {
			t.Fatal(err)
		}
		return plain
	}
	return org{id: o.ID, name: name, scim: scimTok, admin: tok("ops", store.RoleOwner),
		userAdmin: tok("helpdesk", store.RoleUserAdmin), auditor: tok("audit", store.RoleAuditor)}
}

// call makes one request with the token ("" for none) and decodes the
// JSON object it answers.
func (e *testEnv) call(t testing.TB, token, method, path, body string) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: response is not a JSON object: %s", method, path, raw)
		}
	}
	return resp.StatusCode, m, resp.Header
}

// scimCall is a SCIM request of o that must answer want; it returns the
// resource's id when the response has one.
func (e *testEnv) scimCall(t testing.TB, o org, method, path, body string, want int) string {
	t.Helper()
	code, m, _ := e.call(t, o.scim, method, "/scim/v2"+path, body)
	if code != want {
		t.Fatalf("%s %s: %d %v, want %d", method, path, code, m, want)
	}
	id, _ := m["id"].(string)
	return id
}

// event is one event as the API returns it.
type event struct {
	Seq          int64           `json:"seq"`
	ID           string          `json:"id"`
	Time         string          `json:"time"`
	Type         string          `json:"type"`
	Meaning      string          `json:"meaning"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	Actor        string          `json:"actor"`
	Data         json.RawMessage `json:"data"`
}

// events reads one page of events with the token and query, which must
// answer 200.
func (e *testEnv) events(t testing.TB, token, query string) ([]event, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+"/api/v1/events"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Events []event `json:"events"`
		Next   *string `json:"next"`
	}
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /api/v1/events%s: %d %s", query, resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if page.Events == nil || page.Next == nil {
		t.Fatalf("GET /api/v1/events%s: a page needs events and next", query)
	}
	return page.Events, *page.Next
}

// decode reads a JSON object response and closes it.
func decode(t testing.TB, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("response is not a JSON object: %v", err)
	}
	return m
}
