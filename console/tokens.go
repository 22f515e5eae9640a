package console

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Tokens (SCIM and admin API) and webhooks: lists for every role, changes
// for owners.

type tokensData struct {
	Tokens  []store.Token
	Created *createdToken // the token just created: its plaintext, shown once
}

type createdToken struct {
	Name, Scope, Plaintext string
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.showTokens(w, r, p, nil)
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal, created *createdToken) error {
	ts, err := s.st.Tokens(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	sort.SliceStable(ts, func(i, j int) bool { // live first, newest first
		if (ts[i].Revoked == nil) != (ts[j].Revoked == nil) {
			return ts[i].Revoked == nil
		}
		return ts[i].Created.After(ts[j].Created)
	})
	return s.render(w, r, &p, http.StatusOK, "tokens", view{Title: "Tokens", Section: "tokens",
		Data: tokensData{Tokens: ts, Created: created}})
}

// tokenCreate issues a token and answers with its plaintext at once (not
// a redirect: the plaintext is shown once and kept nowhere, not even in a
// flash cookie).
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	name, scope := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("scope")
	back := BasePath + "/tokens"
	if name == "" {
		return redirect(w, r, back, "error", "A token needs a name (say who or what uses it).")
	}
	var plain string
	var err error
	switch scope {
	case store.ScopeSCIM:
		plain, _, err = s.dir.CreateToken(r.Context(), p.OrgID, name)
	case store.ScopeAdmin:
		role, rerr := directory.ParseRole(r.PostFormValue("role"))
		if rerr != nil {
			return redirect(w, r, back, "error", rerr.Error()+".")
		}
		if role.Rank() > p.Role.Rank() {
			return &directory.AdminError{Forbidden: true, Msg: "nobody can grant a role above their own"}
		}
		plain, _, err = s.dir.CreateAdminToken(r.Context(), p.OrgID, name, role)
	default:
		return redirect(w, r, back, "error", "Choose the token's use: SCIM provisioning or the admin API.")
	}
	if err != nil {
		return err
	}
	return s.showTokens(w, r, p, &createdToken{Name: name, Scope: scope, Plaintext: plain})
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	id := r.PathValue("id")
	t, err := s.st.Token(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.OrgID != p.OrgID) {
		return notFoundf("There is no token %q in this organization.", id)
	}
	if err != nil {
		return err
	}
	back := BasePath + "/tokens"
	if t.Revoked != nil {
		return redirect(w, r, back, "ok", "The token "+t.Name+" was already revoked.")
	}
	if err := s.st.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, back, "ok", "The token "+t.Name+" is revoked: requests with it are refused from now on.")
}

type webhooksData struct {
	Available bool
	Hooks     []store.Webhook
}

func (s *Server) webhooks(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	d := webhooksData{Available: s.hooks != nil}
	if s.hooks != nil {
		var err error
		if d.Hooks, err = s.hooks.Webhooks(r.Context(), p.OrgID); err != nil {
			return err
		}
	}
	return s.render(w, r, &p, http.StatusOK, "webhooks", view{Title: "Webhooks", Section: "webhooks", Data: d})
}

func (s *Server) webhookSwitch(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	id, op := r.PathValue("id"), r.PathValue("op")
	if (op != "enable" && op != "disable") || s.hooks == nil {
		return notFoundf("There is no webhook action %q.", op)
	}
	err := s.hooks.SetWebhookEnabled(r.Context(), p.OrgID, id, op == "enable")
	if errors.Is(err, store.ErrNotFound) {
		return notFoundf("There is no webhook %q in this organization.", id)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, BasePath+"/webhooks", "ok", "The webhook is "+op+"d.")
}
