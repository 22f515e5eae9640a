package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adminauth"
	"github.com/scimd/scimd/internal/obs"
)

// Sign-in and sign-out. The sign-in form has no session yet, so its CSRF
// protection is a double-submit token: a random value in a strict,
// HTTP-only cookie scoped to the sign-in path and in the form, which must
// match, and an Origin header, when the browser sends one, that must be
// this host.

const signinCookie = "scimd_signin"

type signinData struct {
	Org, Email, Next, Token string
	Error                   string
}

// toSignin sends a signed-out request to the sign-in page, coming back to
// the page it asked for (a form is not replayed).
func (s *Server) toSignin(w http.ResponseWriter, r *http.Request) {
	target := BasePath + "/signin"
	if r.Method == http.MethodGet && r.URL.Path != BasePath+"/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Method == http.MethodPost {
		_ = redirect(w, r, target, "error", "Your session has ended: sign in again. Nothing was changed.")
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext is where a sign-in goes on to: a console path, never elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, BasePath+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, BasePath+"/signin") {
		return BasePath + "/"
	}
	return next
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	obs.SetRoute(r.Context(), "console signin")
	if _, err := adminauth.Authenticate(r.Context(), s.dir, r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.showSignin(w, r, http.StatusOK, signinData{Org: s.defaultOrg, Next: r.URL.Query().Get("next")})
}

// showSignin renders the sign-in form with a fresh double-submit token.
func (s *Server) showSignin(w http.ResponseWriter, r *http.Request, status int, d signinData) {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	d.Token = base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: d.Token, Path: BasePath + "/signin", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 3600})
	if err := s.render(w, r, nil, status, "signin", view{Title: "Sign in", Data: d}); err != nil {
		s.fail(w, r, nil, err)
	}
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	obs.SetRoute(r.Context(), "console signin")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	d := signinData{Org: r.PostFormValue("org"), Email: r.PostFormValue("email"), Next: r.PostFormValue("next")}
	c, err := r.Cookie(signinCookie)
	tok := r.PostFormValue(adminauth.CSRFField)
	if err != nil || tok == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) != 1 || !sameOrigin(r) {
		d.Error = "The sign-in form expired. Please try again."
		s.showSignin(w, r, http.StatusForbidden, d)
		return
	}
	cookie, p, err := s.dir.SignIn(r.Context(), d.Org, d.Email, r.PostFormValue("password"))
	var locked *directory.ErrLocked
	switch {
	case errors.As(err, &locked):
		d.Error = "This account is locked after too many failed sign-ins. Try again after " +
			locked.Until.UTC().Format("15:04 UTC") + "."
		s.showSignin(w, r, http.StatusTooManyRequests, d)
		return
	case errors.Is(err, directory.ErrBadCredentials):
		d.Error = "The organization, email or password is wrong."
		s.showSignin(w, r, http.StatusUnauthorized, d)
		return
	case err != nil:
		s.fail(w, r, nil, err)
		return
	}
	obs.SetOrg(r.Context(), p.OrgID)
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Path: BasePath + "/signin", MaxAge: -1})
	adminauth.SetSession(w, r, cookie)
	_ = redirect(w, r, safeNext(d.Next), "ok", "Signed in as "+p.Email+".")
}

// sameOrigin reports whether a form post came from this host (browsers
// send Origin on every POST; a request without it is not a browser's).
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	if c, err := r.Cookie(adminauth.CookieName); err == nil {
		if err := s.dir.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	adminauth.ClearSession(w, r)
	return redirect(w, r, BasePath+"/signin", "ok", "Signed out.")
}
