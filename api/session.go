package api

import (
	"net/http"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adminauth"
)

// Sign-in, sign-out and who am I.

// principalJSON is the signed-in admin (or the admin token) and what the
// role allows.
type principalJSON struct {
	ID        string   `json:"id,omitempty"` // "" for a token
	Email     string   `json:"email,omitempty"`
	Role      string   `json:"role"`
	TokenName string   `json:"tokenName,omitempty"`
	Actions   []string `json:"actions"` // the actions the role may take (directory.Permit)
}

// sessionJSON answers sign-in and GET /me. CSRF is the token a session's
// state-changing requests send as the X-CSRF-Token header ("" for a
// token).
type sessionJSON struct {
	Admin principalJSON `json:"admin"`
	OrgID string        `json:"orgId"`
	CSRF  string        `json:"csrf,omitempty"`
}

// allActions lists every action, for principalJSON.Actions.
var allActions = []directory.Action{
	directory.ActRead, directory.ActManageUsers, directory.ActManageTeams, directory.ActImport, directory.ActExport,
	directory.ActRunSync, directory.ActApproveSync, directory.ActPurge, directory.ActManageTokens,
	directory.ActManageHooks, directory.ActManagePolicy, directory.ActManageAdmins, directory.ActManageSources,
}

func sessionOf(p directory.AdminPrincipal) sessionJSON {
	pj := principalJSON{ID: p.AdminID, Email: p.Email, Role: string(p.Role), TokenName: p.TokenName, Actions: []string{}}
	for _, a := range allActions {
		if directory.Permit(p, a) == nil {
			pj.Actions = append(pj.Actions, string(a))
		}
	}
	return sessionJSON{Admin: pj, OrgID: p.OrgID, CSRF: p.CSRF}
}

// signIn serves POST /session {org, email, password}: it opens a session,
// sets its cookie and answers the admin and the session's CSRF token. A
// wrong organization, email or password is 401, untold which; a locked
// account 429 with Retry-After.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, _ directory.AdminPrincipal) error {
	var in struct {
		Org      string `json:"org"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := readJSON(r, &in, false); err != nil {
		return err
	}
	if strings.TrimSpace(in.Org) == "" || strings.TrimSpace(in.Email) == "" || in.Password == "" {
		return errorf(http.StatusBadRequest, "sign-in needs org, email and password")
	}
	cookie, p, err := s.dir.SignIn(r.Context(), in.Org, in.Email, in.Password)
	if err != nil {
		return err
	}
	adminauth.SetSession(w, r, cookie)
	return writeJSON(w, http.StatusOK, sessionOf(p))
}

// signOut serves DELETE /session: it ends the request's session and
// clears its cookie. A token has no session to end.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	if p.SessionID == "" {
		return errorf(http.StatusBadRequest, "a token has no session to sign out of; revoke it with DELETE /api/v1/tokens/{id}")
	}
	c, err := r.Cookie(adminauth.CookieName)
	if err != nil { // authenticated by this very cookie
		return err
	}
	if err := s.dir.SignOut(r.Context(), c.Value); err != nil {
		return err
	}
	adminauth.ClearSession(w, r)
	return noContent(w)
}

// me serves GET /me: who is signed in, what the role allows, and the
// session's CSRF token.
func (s *Server) me(w http.ResponseWriter, _ *http.Request, p directory.AdminPrincipal) error {
	return writeJSON(w, http.StatusOK, sessionOf(p))
}
