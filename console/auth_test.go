package console_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
)

// signinForm loads the sign-in page and returns its double-submit cookie
// and token.
func signinForm(t *testing.T, e *env) (*http.Cookie, string) {
	t.Helper()
	resp, err := client.Get(e.srv.URL + "/admin/signin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	var c *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == "scimd_signin" {
			c = x
		}
	}
	if m == nil || c == nil {
		t.Fatalf("sign-in page without its token: %s", b)
	}
	return c, string(m[1])
}

func postSignin(t *testing.T, e *env, c *http.Cookie, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c != nil {
		req.AddCookie(c)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestSignin: the form signs in with the right password only, refuses a
// post without its token, locks the account after repeated failures, and
// goes on only to a console page.
func TestSignin(t *testing.T) {
	e := newEnv(t)
	c, tok := signinForm(t, e)
	form := func(pw, next string) url.Values {
		return url.Values{"csrf": {tok}, "org": {orgName}, "email": {admins[store.RoleUserAdmin]}, "password": {pw}, "next": {next}}
	}
	resp := postSignin(t, e, c, form(password, "https://evil.test/"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/" {
		t.Fatalf("sign-in: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == "scimd_session" {
			session = x
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", session)
	}
	if status, _, body := e.do(http.MethodGet, "/admin/", session.Value, nil); status != http.StatusOK || !strings.Contains(body, "User admin") {
		t.Errorf("dashboard after sign-in: %d", status)
	}

	if resp := postSignin(t, e, nil, form(password, "")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the form's cookie: status %d", resp.StatusCode)
	}
	resp = postSignin(t, e, c, form(password, "/admin/teams"))
	if loc := resp.Header.Get("Location"); loc != "/admin/teams" {
		t.Errorf("sign-in with next=/admin/teams goes to %q", loc)
	}

	for i := range 5 {
		resp := postSignin(t, e, c, form("wrong password!", ""))
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "email or password is wrong") {
			t.Fatalf("wrong password #%d: status %d", i+1, resp.StatusCode)
		}
	}
	resp = postSignin(t, e, c, form(password, ""))
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), "locked") {
		t.Errorf("after five failures: status %d; %.300s", resp.StatusCode, b)
	}
}

// TestSignout ends the session.
func TestSignout(t *testing.T) {
	e := newEnv(t)
	cookie, csrf := e.session(store.RoleAuditor)
	status, loc, _ := e.do(http.MethodPost, "/admin/signout", cookie, url.Values{"csrf": {csrf}})
	if status != http.StatusSeeOther || loc != "/admin/signin" {
		t.Fatalf("sign-out: %d %q", status, loc)
	}
	if status, loc, _ := e.do(http.MethodGet, "/admin/users", cookie, nil); status != http.StatusSeeOther ||
		loc != "/admin/signin?next=%2Fadmin%2Fusers" {
		t.Errorf("after sign-out: %d %q", status, loc)
	}
}

// TestSecurityHeaders: every console response, pages, errors, the
// sign-in form and the stylesheet, carries the security headers.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	cookie, _ := e.session(store.RoleOwner)
	for _, p := range []string{"/admin/", "/admin/signin", "/admin/nowhere", "/admin/users/nobody", "/admin/static/console.css"} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+p, nil)
		req.AddCookie(&http.Cookie{Name: "scimd_session", Value: cookie})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
}
