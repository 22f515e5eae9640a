package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
)

// wantErr checks an error response: its status and a JSON body
// {"error": message} mentioning each of mention.
func wantErr(t testing.TB, what string, code int, m map[string]any, h http.Header, status int, mention ...string) {
	t.Helper()
	msg, _ := m["error"].(string)
	if code != status || msg == "" || len(m) != 1 || h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("%s: %d %v (%s), want %d {\"error\": ...}", what, code, m, h.Get("Content-Type"), status)
		return
	}
	for _, s := range mention {
		if !strings.Contains(msg, s) {
			t.Errorf("%s: error %q does not mention %q", what, msg, s)
		}
	}
}

// TestEventsAuth: the admin API needs an admin-scope token: none or an
// invalid one is 401 with a WWW-Authenticate challenge, a SCIM token 403.
func TestEventsAuth(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		env := newEnv(t, dbURL)
		for _, c := range []struct {
			name, auth string
			status     int
			mention    string
		}{
			{"no token", "", 401, "not signed in"},
			{"empty bearer", "Bearer ", 401, "admin token is required"},
			{"basic auth", "Basic YWRtaW46YWRtaW4=", 401, "admin token is required"},
			{"unknown token", "Bearer scimd_nope_secret", 401, "invalid or revoked"},
			{"malformed token", "Bearer hunter2", 401, "invalid or revoked"},
			{"SCIM token", "Bearer " + env.acme.scim, 403, `scope "admin"`},
		} {
			req, err := http.NewRequest(http.MethodGet, env.url+"/api/v1/events", nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := env.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, resp)
			wantErr(t, c.name, resp.StatusCode, m, resp.Header, c.status, c.mention)
			if challenge := resp.Header.Get("WWW-Authenticate"); (c.status == 401) != strings.HasPrefix(challenge, "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", c.name, challenge)
			}
		}
		if _, next := env.events(t, env.acme.admin, ""); next != "0" {
			t.Errorf("an organization without events answers next=%q, want 0", next)
		}
		code, m, h := env.call(t, env.acme.admin, http.MethodPost, "/api/v1/events", "{}")
		wantErr(t, "POST", code, m, h, 405, "POST")
		if h.Get("Allow") != http.MethodGet {
			t.Errorf("405 Allow %q", h.Get("Allow"))
		}
		code, m, h = env.call(t, env.acme.admin, http.MethodGet, "/api/v1/nothing", "")
		wantErr(t, "unknown endpoint", code, m, h, 404, "/api/v1/nothing")
	})
}

// TestEventsBadParams: malformed or unknown parameters are 400 with a
// message saying what is expected.
func TestEventsBadParams(t *testing.T) {
	env := newEnv(t, testdb.SQLite(t))
	for _, c := range []struct{ query, mention string }{
		{"after=-1", "non-negative integer"},
		{"after=abc", "not a cursor"},
		{"after=1&after=2", "once"},
		{"limit=0", "1 to 1000"},
		{"limit=1001", "1 to 1000"},
		{"limit=ten", "1 to 1000"},
		{"since=yesterday", "RFC 3339"},
		{"since=2025-01-31", "RFC 3339"},
		{"type=user.exploded", "user.created"},
		{"type=joiner,Leaver", `"Leaver"`},
		{"types=joiner", `unknown parameter "types"`},
		{"cursor=5", `unknown parameter "cursor"`},
	} {
		code, m, h := env.call(t, env.acme.admin, http.MethodGet, "/api/v1/events?"+c.query, "")
		wantErr(t, c.query, code, m, h, 400, c.mention)
	}
}

// TestEventsInternalError: a failure of the store is a 500 that names only
// the request id, never its cause.
func TestEventsInternalError(t *testing.T) {
	env := newEnv(t, testdb.SQLite(t))
	env.st.Close()
	code, m, h := env.call(t, env.acme.admin, http.MethodGet, "/api/v1/events", "")
	rid := h.Get("X-Request-Id")
	wantErr(t, "closed store", code, m, h, 500, "request id "+rid)
	if msg := m["error"].(string); rid == "" || strings.Contains(msg, "sql") || strings.Contains(msg, "closed") {
		t.Errorf("500 message %q (request id %q)", msg, rid)
	}
}
