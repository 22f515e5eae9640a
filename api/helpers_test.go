package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adminauth"
	"github.com/scimd/scimd/store"
)

// cred is how a request authenticates: a bearer token, or a session
// cookie with its CSRF token (sent unless noCSRF).
type cred struct {
	token, cookie, csrf string
	noCSRF              bool
}

func bearer(tok string) cred { return cred{token: tok} }

// do makes one request and returns its status, body and headers. The
// session cookie is set by hand: a cookie jar would not send a Secure
// cookie over plain HTTP.
func (e *testEnv) do(t testing.TB, c cred, method, path, ctype, body string) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", adminauth.CookieName+"="+c.cookie)
		if c.csrf != "" && !c.noCSRF {
			req.Header.Set(adminauth.CSRFHeader, c.csrf)
		}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
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
	return resp.StatusCode, raw, resp.Header
}

// api makes a JSON request under /api/v1 (body sent as application/json)
// and decodes the JSON object it answers (nil for an empty body).
func (e *testEnv) api(t testing.TB, c cred, method, path, body string) (int, map[string]any, http.Header) {
	t.Helper()
	ctype := ""
	if body != "" {
		ctype = "application/json"
	}
	code, raw, h := e.do(t, c, method, "/api/v1"+path, ctype, body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: %d, not a JSON object: %s", method, path, code, raw)
		}
	}
	return code, m, h
}

// ok makes a JSON request that must answer want and decodes its answer
// into out (when not nil).
func (e *testEnv) ok(t testing.TB, c cred, method, path, body string, want int, out any) {
	t.Helper()
	ctype := ""
	if body != "" {
		ctype = "application/json"
	}
	code, raw, _ := e.do(t, c, method, "/api/v1"+path, ctype, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, raw, want)
	}
	if out != nil {
		reflect.ValueOf(out).Elem().SetZero() // a field the answer omits must not keep an old value
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

const password = "correct horse battery staple"

// signIn signs in with POST /session and returns the session's cred.
func (e *testEnv) signIn(t testing.TB, orgName, email string) cred {
	t.Helper()
	code, raw, h := e.do(t, cred{}, "POST", "/api/v1/session", "application/json",
		fmt.Sprintf(`{"org":%q,"email":%q,"password":%q}`, orgName, email, password))
	if code != http.StatusOK {
		t.Fatalf("signing in as %s: %d %s", email, code, raw)
	}
	var out struct {
		CSRF string `json:"csrf"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.CSRF == "" {
		t.Fatalf("sign-in answer %s (%v)", raw, err)
	}
	resp := http.Response{Header: h}
	for _, c := range resp.Cookies() {
		if c.Name == adminauth.CookieName && c.Value != "" {
			return cred{cookie: c.Value, csrf: out.CSRF}
		}
	}
	t.Fatalf("sign-in set no session cookie: %v", h["Set-Cookie"])
	return cred{}
}

var seq atomic.Int64

// uniq returns a name unique in the test binary.
func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

var scimActor = func(orgID string) directory.Actor {
	return directory.Actor{OrgID: orgID, Source: directory.SourceSCIM, Name: "okta", InactiveReason: directory.ReasonIdP}
}

// mkUser creates a user through the directory (as SCIM would) and
// returns its id.
func (e *testEnv) mkUser(t testing.TB, orgID, userName string, active bool, extra ...any) string {
	t.Helper()
	attrs := map[string]any{"userName": userName, "active": active,
		"emails": []any{map[string]any{"value": strings.ReplaceAll(userName, "@", ".mail@"), "primary": true}}}
	for i := 0; i+1 < len(extra); i += 2 {
		attrs[extra[i].(string)] = extra[i+1]
	}
	r, err := e.dir.Create(context.Background(), scimActor(orgID), store.Resource{Kind: store.KindUser, Attrs: attrs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// mkTeam creates a team with members and returns its id.
func (e *testEnv) mkTeam(t testing.TB, orgID, name string, members ...string) string {
	t.Helper()
	r, err := e.dir.Create(context.Background(), scimActor(orgID),
		store.Resource{Kind: store.KindGroup, Attrs: map[string]any{"displayName": name}}, members)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// archive archives a user through the directory.
func (e *testEnv) archive(t testing.TB, orgID, id string) {
	t.Helper()
	if err := e.dir.Archive(context.Background(), scimActor(orgID), store.KindUser, id, nil); err != nil {
		t.Fatal(err)
	}
}

// mkAdmin creates an admin account (with the test password when
// withPassword).
func (e *testEnv) mkAdmin(t testing.TB, orgID, email string, role store.AdminRole, withPassword bool) store.Admin {
	t.Helper()
	pw := ""
	if withPassword {
		pw = password
	}
	a, err := e.dir.CreateAdmin(context.Background(), nil, orgID, email, "", role, pw)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// snapshot is everything an admin request could change in an
// organization, as text: the audit trail's head, tokens, admins,
// webhooks, the policy and the sync runs.
func (e *testEnv) snapshot(t testing.TB, orgID string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	seq, err := e.st.LastEventSeq(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "events %d\n", seq)
	toks, err := e.st.Tokens(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		fmt.Fprintf(&b, "token %s %s revoked=%v\n", tk.ID, tk.Name, tk.Revoked != nil)
	}
	admins, err := e.st.Admins(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range admins {
		fmt.Fprintf(&b, "admin %s %s disabled=%v hash=%s\n", a.Email, a.Role, a.Disabled, a.PasswordHash)
	}
	hooks, err := e.st.Webhooks(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hooks {
		fmt.Fprintf(&b, "webhook %s enabled=%v\n", h.ID, h.Enabled)
	}
	pol, err := e.st.Policy(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	pj, _ := json.Marshal(pol)
	fmt.Fprintf(&b, "policy %s\n", pj)
	runs, err := e.st.SyncRuns(ctx, orgID, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var rs []string
	for _, r := range runs {
		rs = append(rs, r.ID+" "+string(r.Status))
	}
	sort.Strings(rs)
	fmt.Fprintf(&b, "runs %v\n", rs)
	return b.String()
}

// wantStatus checks a status, showing the body when it differs.
func wantStatus(t testing.TB, what string, code int, raw []byte, want int) bool {
	t.Helper()
	if code != want {
		t.Errorf("%s: %d %s, want %d", what, code, raw, want)
		return false
	}
	return true
}
