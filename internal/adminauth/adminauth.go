// Package adminauth authenticates admin requests for the console and the
// admin API alike: a browser session cookie (with CSRF protection on every
// state-changing request) or an admin-scope bearer token (for scripts; no
// CSRF, since a browser never sends it by itself). It knows HTTP and the
// directory's admin principals; it must not import store/sqlstore, scim or
// the console and api packages that use it.
package adminauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
)

// CookieName is the session cookie; CSRFHeader and CSRFField carry the
// session's CSRF token on state-changing requests (header for scripts and
// fetch, form field for HTML forms).
const (
	CookieName = "scimd_session"
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf"
)

// Sessions is what authentication needs of the directory
// (*directory.Service).
type Sessions interface {
	Session(ctx context.Context, cookie string) (directory.AdminPrincipal, error)
	AdminToken(ctx context.Context, token string) (directory.AdminPrincipal, error)
}

var _ Sessions = (*directory.Service)(nil)

// ErrCSRF refuses a state-changing session request without the session's
// CSRF token.
var ErrCSRF = errors.New("missing or wrong CSRF token: reload the page and try again")

// Authenticate resolves a request to its admin: the bearer token when the
// request has an Authorization header, else the session cookie.
// directory.ErrUnauthenticated when neither identifies an admin.
func Authenticate(ctx context.Context, s Sessions, r *http.Request) (directory.AdminPrincipal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return directory.AdminPrincipal{}, directory.ErrUnauthenticated
		}
		return s.AdminToken(ctx, strings.TrimSpace(tok))
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return directory.AdminPrincipal{}, directory.ErrUnauthenticated
	}
	return s.Session(ctx, c.Value)
}

// CheckCSRF enforces the CSRF token on a state-changing request made with
// a session (safe methods and token requests pass). The token comes from
// CSRFHeader or, for forms, the CSRFField form value.
func CheckCSRF(p directory.AdminPrincipal, r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if p.SessionID == "" { // an API token
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) != 1 {
		return ErrCSRF
	}
	return nil
}

// SetSession sets the session cookie: HTTP-only, SameSite=Lax, Path=/,
// expiring with the session, and Secure unless the request came over
// plain HTTP to a host other than loopback (where a Secure cookie would
// never come back; run behind TLS there).
func SetSession(w http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure(r), MaxAge: int(directory.SessionLifetime / time.Second)})
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure(r), MaxAge: -1})
}

func secure(r *http.Request) bool {
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
