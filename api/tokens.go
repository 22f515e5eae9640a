package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// API tokens: SCIM tokens for identity providers and admin tokens for
// scripts. A token's plaintext is shown once, when it is created.

// maxTokenName bounds a token's name.
const maxTokenName = 100

func (s *Server) tokenRoutes() []route {
	return []route{
		{method: "GET", path: "/tokens", act: need(directory.ActRead), h: s.listTokens},
		{method: "POST", path: "/tokens", act: need(directory.ActManageTokens), h: s.createToken},
		{method: "DELETE", path: "/tokens/{id}", act: need(directory.ActManageTokens), h: s.revokeToken},
	}
}

// tokenJSON is a token, never its secret.
type tokenJSON struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Scope   string  `json:"scope"`          // scim or admin
	Role    string  `json:"role,omitempty"` // an admin token's role
	Created string  `json:"created"`
	Revoked *string `json:"revoked"`
}

func tokenOf(t store.Token) tokenJSON {
	scope := t.Scope
	if scope == "" {
		scope = store.ScopeSCIM
	}
	return tokenJSON{ID: t.ID, Name: t.Name, Scope: scope, Role: string(t.Role), Created: stamp(t.Created),
		Revoked: stampPtr(t.Revoked)}
}

// listTokens serves GET /tokens: the organization's tokens, newest first,
// revoked ones included.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ts, err := s.dir.Store().Tokens(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	slices.SortStableFunc(ts, func(a, b store.Token) int { return b.Created.Compare(a.Created) })
	out := struct {
		Tokens []tokenJSON `json:"tokens"`
	}{Tokens: make([]tokenJSON, 0, len(ts))}
	for _, t := range ts {
		out.Tokens = append(out.Tokens, tokenOf(t))
	}
	return writeJSON(w, http.StatusOK, out)
}

// createToken serves POST /tokens {name, scope: scim|admin, role}: a SCIM
// token has no role; an admin token needs one, at most the creator's.
// The answer carries the plaintext token, shown this once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	var in struct {
		Name  string `json:"name"`
		Scope string `json:"scope"`
		Role  string `json:"role"`
	}
	if err := readJSON(r, &in, false); err != nil {
		return err
	}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		return errorf(http.StatusBadRequest, "a token needs a name (what it is for: okta, entra, backup script)")
	case len([]rune(name)) > maxTokenName:
		return errorf(http.StatusBadRequest, "a token's name has at most %d characters", maxTokenName)
	}
	var (
		plain string
		t     store.Token
		err   error
	)
	switch in.Scope {
	case store.ScopeSCIM, "":
		if in.Role != "" {
			return errorf(http.StatusBadRequest, "a SCIM token has no role; give a role to an admin token (scope admin)")
		}
		plain, t, err = s.dir.CreateToken(r.Context(), p.OrgID, name)
	case store.ScopeAdmin:
		role, rerr := directory.ParseRole(in.Role)
		if rerr != nil {
			return errorf(http.StatusBadRequest, "an admin token needs a role: %v", rerr)
		}
		if role.Rank() > p.Role.Rank() {
			return errorf(http.StatusForbidden, "nobody can grant a role above their own")
		}
		plain, t, err = s.dir.CreateAdminToken(r.Context(), p.OrgID, name, role)
	default:
		return errorf(http.StatusBadRequest, "scope=%q: want scim or admin", in.Scope)
	}
	if err != nil {
		return err
	}
	out := struct {
		tokenJSON
		Token string `json:"token"` // the plaintext, shown once
	}{tokenOf(t), plain}
	return writeJSON(w, http.StatusCreated, out)
}

// revokeToken serves DELETE /tokens/{id}: the token stops working at
// once. Another organization's token is 404; revoking twice is no error.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	id := r.PathValue("id")
	t, err := s.dir.Store().Token(r.Context(), id)
	if err == nil && t.OrgID != p.OrgID {
		err = store.ErrNotFound
	}
	if err != nil {
		return notFound(err, "no token %q in this organization", id)
	}
	if t.Revoked == nil {
		if err := s.dir.Store().RevokeToken(r.Context(), id); err != nil {
			return err
		}
	}
	return noContent(w)
}
