package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/adminauth"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

// TestSignInSession: signing in sets a secure, HTTP-only, SameSite cookie
// and answers the CSRF token; GET /me with the cookie says who it is;
// signing out ends the session and clears the cookie. Wrong credentials
// are 401 without saying which part is wrong.
func TestSignInSession(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o := e.acme
	e.mkAdmin(t, o.id, "ua@acme.test", store.RoleUserAdmin, true)
	code, raw, h := e.do(t, cred{}, "POST", "/api/v1/session", "application/json",
		`{"org":"acme","email":"UA@acme.test","password":"`+password+`"}`)
	if !wantStatus(t, "sign-in", code, raw, 200) {
		t.FailNow()
	}
	cookies := (&http.Response{Header: h}).Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", h["Set-Cookie"])
	}
	c := cookies[0]
	if c.Name != adminauth.CookieName || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
		t.Errorf("session cookie %+v", c)
	}
	var in struct {
		Admin struct {
			Email, Role string
			Actions     []string
		}
		CSRF string
	}
	s := e.signIn(t, "acme", "ua@acme.test")
	e.ok(t, s, "GET", "/me", "", 200, &in)
	if in.Admin.Email != "ua@acme.test" || in.Admin.Role != "user_admin" || in.CSRF != s.csrf ||
		strings.Join(in.Admin.Actions, ",") != "read,manage_users,manage_teams,import,export,run_sync,approve_sync" {
		t.Errorf("GET /me: %+v (csrf %q)", in, s.csrf)
	}

	for _, c := range []struct {
		name, body string
		status     int
		mention    string
	}{
		{"wrong password", `{"org":"acme","email":"ua@acme.test","password":"wrong password here"}`, 401, "organization, email or password is wrong"},
		{"unknown email", `{"org":"acme","email":"who@acme.test","password":"` + password + `"}`, 401, "organization, email or password is wrong"},
		{"unknown org", `{"org":"nope","email":"ua@acme.test","password":"` + password + `"}`, 401, "organization, email or password is wrong"},
		{"no password", `{"org":"acme","email":"ua@acme.test"}`, 400, "org, email and password"},
		{"unknown field", `{"org":"acme","email":"ua@acme.test","password":"x","remember":true}`, 400, "remember"},
		{"not JSON", `org=acme`, 400, "malformed JSON"},
	} {
		code, m, h := e.api(t, cred{}, "POST", "/session", c.body)
		wantErr(t, c.name, code, m, h, c.status, c.mention)
		if h.Get("Set-Cookie") != "" {
			t.Errorf("%s: a failed sign-in set a cookie", c.name)
		}
	}
	// A form post (what a cross-site page can send without asking) is refused.
	code, raw, _ = e.do(t, cred{}, "POST", "/api/v1/session", "application/x-www-form-urlencoded",
		"org=acme&email=ua%40acme.test&password=correct+horse+battery+staple")
	wantStatus(t, "form sign-in", code, raw, http.StatusUnsupportedMediaType)

	code, _, h = e.do(t, s, "DELETE", "/api/v1/session", "", "")
	if code != 204 || !strings.Contains(h.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign-out: %d, Set-Cookie %q", code, h.Get("Set-Cookie"))
	}
	code, m, h := e.api(t, s, "GET", "/me", "")
	wantErr(t, "after sign-out", code, m, h, 401, "session has ended")
	code, m, h = e.api(t, cred{cookie: "garbage"}, "GET", "/me", "")
	wantErr(t, "forged cookie", code, m, h, 401, "session has ended")
}

// TestCSRF: a session's state-changing request needs its CSRF token (a
// header, or the csrf field of a form) and is refused without it,
// changing nothing; GET needs none, and neither does a token request.
func TestCSRF(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o := e.acme
	e.mkAdmin(t, o.id, "ua@acme.test", store.RoleUserAdmin, true)
	s := e.signIn(t, "acme", "ua@acme.test")
	other := e.signIn(t, "acme", "ua@acme.test")
	id := e.mkUser(t, o.id, "ada@acme.test", true)
	path := "/api/v1/users/" + id + "/deactivate"
	for _, c := range []struct {
		name string
		cr   cred
	}{
		{"no token", cred{cookie: s.cookie, csrf: s.csrf, noCSRF: true}},
		{"another session's token", cred{cookie: s.cookie, csrf: other.csrf}},
		{"a wrong token", cred{cookie: s.cookie, csrf: "x" + s.csrf}},
	} {
		before := e.snapshot(t, o.id)
		code, raw, _ := e.do(t, c.cr, "POST", path, "", "")
		wantStatus(t, c.name, code, raw, 403)
		if !strings.Contains(string(raw), "CSRF") {
			t.Errorf("%s: %s does not say CSRF", c.name, raw)
		}
		if after := e.snapshot(t, o.id); after != before {
			t.Errorf("%s: a refused request changed %s to %s", c.name, before, after)
		}
	}
	code, raw, _ := e.do(t, cred{cookie: s.cookie, noCSRF: true}, "GET", "/api/v1/users/"+id, "", "")
	wantStatus(t, "GET without CSRF", code, raw, 200)
	code, raw, _ = e.do(t, s, "POST", path, "", "")
	wantStatus(t, "with CSRF", code, raw, 200)
	code, raw, _ = e.do(t, cred{cookie: s.cookie, noCSRF: true}, "POST", "/api/v1/users/"+id+"/activate",
		"application/x-www-form-urlencoded", "csrf="+s.csrf)
	wantStatus(t, "with the CSRF form field", code, raw, 200)
	code, raw, _ = e.do(t, bearer(o.userAdmin), "POST", path, "", "")
	wantStatus(t, "a token without CSRF", code, raw, 200)
}

// TestSignInLockout: five wrong passwords lock the account; the next
// sign-in, even with the right password, is 429 with Retry-After, and
// the lock is shown in the admin list.
func TestSignInLockout(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	e.mkAdmin(t, e.acme.id, "ua@acme.test", store.RoleUserAdmin, true)
	for i := range 5 {
		code, m, h := e.api(t, cred{}, "POST", "/session", `{"org":"acme","email":"ua@acme.test","password":"not the password"}`)
		wantErr(t, "failure "+strconv.Itoa(i+1), code, m, h, 401, "wrong")
	}
	code, m, h := e.api(t, cred{}, "POST", "/session", `{"org":"acme","email":"ua@acme.test","password":"`+password+`"}`)
	wantErr(t, "locked", code, m, h, 429, "too many failed sign-ins")
	if n, err := strconv.Atoi(h.Get("Retry-After")); err != nil || n < 1 || n > 60 {
		t.Errorf("Retry-After %q, want 1 to 60 seconds", h.Get("Retry-After"))
	}
	var list struct {
		Admins []struct {
			Email       string
			LockedUntil *string
		}
	}
	e.ok(t, bearer(e.acme.auditor), "GET", "/admins", "", 200, &list)
	if len(list.Admins) != 1 || list.Admins[0].LockedUntil == nil {
		t.Errorf("admins %+v: want the account shown locked", list.Admins)
	}
}
