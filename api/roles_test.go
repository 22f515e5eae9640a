package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/scimd/scimd/api"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/webhook"
)

// routeCase is one route of the role table: who may call it (least:
// public, auditor, user_admin or owner; written out here, not taken from
// directory's matrix, so that the test pins the matrix down), what an
// allowed call answers, whether it changes the organization, and how to
// make a fresh target for each call.
type routeCase struct {
	method, pattern string
	least           string
	ok              int
	tokenOK         int  // the status an allowed token call answers, when not ok
	write           bool // an allowed call changes the snapshot
	fresh           bool // a session call needs a session of its own (it ends it)
	// setup makes the call's target: path (under /api/v1; default the
	// pattern), content type and body.
	setup func(t *testing.T, e *testEnv, o org) (path, ctype, body string)
}

func jsonBody(path, body string) func(*testing.T, *testEnv, org) (string, string, string) {
	return func(*testing.T, *testEnv, org) (string, string, string) { return path, "application/json", body }
}

// withUser makes a fresh user (active or not, archived or not) per call.
func withUser(active, archived bool, suffix, body string) func(*testing.T, *testEnv, org) (string, string, string) {
	return func(t *testing.T, e *testEnv, o org) (string, string, string) {
		id := e.mkUser(t, o.id, uniq("u")+"@acme.test", active)
		if archived {
			e.archive(t, o.id, id)
		}
		ctype := ""
		if body != "" {
			ctype = "application/json"
		}
		return "/users/" + id + suffix, ctype, body
	}
}

func roleCases() []routeCase {
	ctx := context.Background()
	return []routeCase{
		{method: "POST", pattern: "/session", least: "public", ok: 200, setup: func(_ *testing.T, _ *testEnv, o org) (string, string, string) {
			return "/session", "application/json", fmt.Sprintf(`{"org":%q,"email":"owner@acme.test","password":%q}`, o.name, password)
		}},
		{method: "DELETE", pattern: "/session", least: "auditor", ok: 204, tokenOK: 400, fresh: true},
		{method: "GET", pattern: "/me", least: "auditor", ok: 200},
		{method: "GET", pattern: "/events", least: "auditor", ok: 200},
		{method: "GET", pattern: "/audit", least: "auditor", ok: 200},

		{method: "GET", pattern: "/users", least: "auditor", ok: 200},
		{method: "GET", pattern: "/users/{id}", least: "auditor", ok: 200, setup: withUser(true, false, "", "")},
		{method: "POST", pattern: "/users/{id}/activate", least: "user_admin", ok: 200, write: true, setup: withUser(false, false, "/activate", "")},
		{method: "POST", pattern: "/users/{id}/deactivate", least: "user_admin", ok: 200, write: true,
			setup: withUser(true, false, "/deactivate", `{"reason":"contract ended"}`)},
		{method: "POST", pattern: "/users/{id}/archive", least: "user_admin", ok: 200, write: true, setup: withUser(true, false, "/archive", "")},
		{method: "POST", pattern: "/users/{id}/restore", least: "user_admin", ok: 200, write: true, setup: withUser(true, true, "/restore", "")},
		{method: "POST", pattern: "/users/{id}/purge", least: "owner", ok: 204, write: true,
			setup: func(t *testing.T, e *testEnv, o org) (string, string, string) {
				if err := e.dir.SetPolicy(ctx, o.id, store.Policy{Retention: time.Nanosecond}); err != nil {
					t.Fatal(err)
				}
				return withUser(true, true, "/purge", "")(t, e, o)
			}},

		{method: "GET", pattern: "/teams", least: "auditor", ok: 200},
		{method: "GET", pattern: "/teams/{id}", least: "auditor", ok: 200, setup: func(t *testing.T, e *testEnv, o org) (string, string, string) {
			return "/teams/" + e.mkTeam(t, o.id, uniq("team")) + "?transitive=true", "", ""
		}},

		{method: "POST", pattern: "/import", least: "user_admin", ok: 200, write: true, setup: func(*testing.T, *testEnv, org) (string, string, string) {
			return "/import?dry_run=false", "text/csv", "userName,displayName\n" + uniq("imp") + "@acme.test,Imported\n"
		}},
		{method: "GET", pattern: "/import/template", least: "user_admin", ok: 200},
		{method: "GET", pattern: "/export/users", least: "user_admin", ok: 200},
		{method: "GET", pattern: "/export/teams", least: "user_admin", ok: 200},

		{method: "GET", pattern: "/tokens", least: "auditor", ok: 200},
		{method: "POST", pattern: "/tokens", least: "owner", ok: 201, write: true, setup: jsonBody("/tokens", `{"name":"entra","scope":"scim"}`)},
		{method: "DELETE", pattern: "/tokens/{id}", least: "owner", ok: 204, write: true, setup: func(t *testing.T, e *testEnv, o org) (string, string, string) {
			_, tk, err := e.dir.CreateToken(ctx, o.id, uniq("tok"))
			if err != nil {
				t.Fatal(err)
			}
			return "/tokens/" + tk.ID, "", ""
		}},

		{method: "GET", pattern: "/sync/sources", least: "auditor", ok: 200},
		{method: "POST", pattern: "/sync/sources/{name}/run", least: "user_admin", ok: 200, write: true,
			setup: jsonBody("/sync/sources/corp/run", `{"dry_run":true}`)},
		{method: "GET", pattern: "/sync/runs", least: "auditor", ok: 200},
		{method: "GET", pattern: "/sync/runs/{id}", least: "auditor", ok: 200, setup: func(t *testing.T, e *testEnv, _ org) (string, string, string) {
			return "/sync/runs/" + heldID(t, e), "", ""
		}},
		{method: "POST", pattern: "/sync/runs/{id}/approve", least: "user_admin", ok: 200, write: true,
			setup: func(t *testing.T, e *testEnv, _ org) (string, string, string) {
				return "/sync/runs/" + heldID(t, e) + "/approve", "", ""
			}},
		{method: "POST", pattern: "/sync/runs/{id}/reject", least: "user_admin", ok: 200, write: true,
			setup: func(t *testing.T, e *testEnv, _ org) (string, string, string) {
				return "/sync/runs/" + heldID(t, e) + "/reject", "", ""
			}},

		{method: "GET", pattern: "/webhooks", least: "auditor", ok: 200},
		{method: "POST", pattern: "/webhooks", least: "owner", ok: 201, write: true,
			setup: jsonBody("/webhooks", `{"url":"https://hooks.example.test/in","events":["leaver"]}`)},
		{method: "GET", pattern: "/webhooks/status", least: "auditor", ok: 200},
		{method: "PATCH", pattern: "/webhooks/{id}", least: "owner", ok: 200, write: true, setup: func(t *testing.T, e *testEnv, o org) (string, string, string) {
			return "/webhooks/" + mkHook(t, e, o), "application/json", `{"enabled":false}`
		}},
		{method: "DELETE", pattern: "/webhooks/{id}", least: "owner", ok: 204, write: true, setup: func(t *testing.T, e *testEnv, o org) (string, string, string) {
			return "/webhooks/" + mkHook(t, e, o), "", ""
		}},

		{method: "GET", pattern: "/settings", least: "auditor", ok: 200},
		{method: "PUT", pattern: "/settings", least: "owner", ok: 200, write: true, setup: func(*testing.T, *testEnv, org) (string, string, string) {
			return "/settings", "application/json", fmt.Sprintf(`{"policy":{"seatLimit":%d}}`, 1000+seq.Add(1))
		}},

		{method: "GET", pattern: "/admins", least: "auditor", ok: 200},
		{method: "POST", pattern: "/admins", least: "owner", ok: 201, write: true, setup: func(*testing.T, *testEnv, org) (string, string, string) {
			return "/admins", "application/json", fmt.Sprintf(`{"email":"%s@acme.test","role":"auditor"}`, uniq("new"))
		}},
		{method: "PATCH", pattern: "/admins/{id}", least: "owner", ok: 200, write: true, setup: func(t *testing.T, e *testEnv, o org) (string, string, string) {
			a := e.mkAdmin(t, o.id, uniq("aud")+"@acme.test", store.RoleAuditor, false)
			return "/admins/" + a.ID, "application/json", `{"role":"user_admin"}`
		}},
		{method: "POST", pattern: "/admins/{id}/password", least: "owner", ok: 204, write: true, setup: func(t *testing.T, e *testEnv, o org) (string, string, string) {
			a := e.mkAdmin(t, o.id, uniq("aud")+"@acme.test", store.RoleAuditor, false)
			return "/admins/" + a.ID + "/password", "application/json", `{"password":"a brand new long password"}`
		}},
	}
}

// heldID makes a fresh held run of corp (one more person left its
// directory) and returns its id.
func heldID(t *testing.T, e *testEnv) string {
	t.Helper()
	id, _ := mkHeld(t, e, 1)
	return id
}

func mkHook(t *testing.T, e *testEnv, o org) string {
	t.Helper()
	h, err := webhook.Create(context.Background(), e.st, store.Webhook{OrgID: o.id, URL: "https://hooks.example.test/" + uniq("h")}, false)
	if err != nil {
		t.Fatal(err)
	}
	return h.ID
}

var rank = map[string]int{"none": 0, "auditor": 1, "user_admin": 2, "owner": 3}

// TestEveryRouteEveryRole calls every route as every role, with an admin
// token and with a browser session: an allowed call answers its status
// (and a write changes the organization); a refused one is 403 (401
// without credentials) and changes nothing at all.
func TestEveryRouteEveryRole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		e := newSyncEnv(t, dbURL, 3*8) // a held run for each of 3 routes × 8 calls
		o := e.acme
		cases := roleCases()
		var covered []string
		for _, c := range cases {
			covered = append(covered, c.method+" "+c.pattern)
		}
		if routes := api.Routes(e.server); !sameSet(routes, covered) {
			t.Fatalf("the role table does not cover the routes exactly:\nroutes %v\ntable  %v", routes, covered)
		}
		emails := map[string]string{"owner": "owner@acme.test", "user_admin": "ua@acme.test", "auditor": "aud@acme.test"}
		e.mkAdmin(t, o.id, emails["owner"], store.RoleOwner, true)
		e.mkAdmin(t, o.id, emails["user_admin"], store.RoleUserAdmin, true)
		e.mkAdmin(t, o.id, emails["auditor"], store.RoleAuditor, true)
		tokens := map[string]cred{"none": {}, "owner": bearer(o.admin), "user_admin": bearer(o.userAdmin), "auditor": bearer(o.auditor)}
		sessions := map[string]cred{"none": {}}
		for role, email := range emails {
			sessions[role] = e.signIn(t, o.name, email)
		}
		for _, mode := range []string{"token", "session"} {
			creds := map[string]map[string]cred{"token": tokens, "session": sessions}[mode]
			for _, c := range cases {
				for _, role := range []string{"none", "auditor", "user_admin", "owner"} {
					what := fmt.Sprintf("%s %s %s as %s", mode, c.method, c.pattern, role)
					path, ctype, body := c.pattern, "", ""
					if c.setup != nil {
						path, ctype, body = c.setup(t, e, o)
					}
					cr := creds[role]
					if c.fresh && mode == "session" && role != "none" {
						cr = e.signIn(t, o.name, emails[role])
					}
					before := e.snapshot(t, o.id)
					code, raw, _ := e.do(t, cr, c.method, "/api/v1"+path, ctype, body)
					after := e.snapshot(t, o.id)
					want := c.ok
					if c.tokenOK != 0 && mode == "token" {
						want = c.tokenOK
					}
					allowed := c.least == "public" || rank[role] >= rank[c.least]
					switch {
					case c.least == "public":
					case role == "none":
						want = http.StatusUnauthorized
					case !allowed:
						want = http.StatusForbidden
					}
					wantStatus(t, what, code, raw, want)
					if refused := c.least != "public" && (!allowed || role == "none"); refused {
						var m map[string]any
						if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 || m["error"] == "" {
							t.Errorf("%s: refusal body %s", what, raw)
						}
						if before != after {
							t.Errorf("%s: a refused call changed the organization:\nbefore %s\nafter  %s", what, before, after)
						}
					} else if c.write && want == c.ok && before == after {
						t.Errorf("%s: an allowed write changed nothing", what)
					}
				}
			}
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b) && len(slices.Compact(a)) == len(b)
}
