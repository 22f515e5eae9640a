package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Admin accounts: list, add, change role or standing, set a password.
// directory.Service keeps the rules (only owners change admins, nobody
// changes their own role or standing or grants a role above their own,
// an organization keeps an active owner).

func (s *Server) adminRoutes() []route {
	manage := need(directory.ActManageAdmins)
	return []route{
		{method: "GET", path: "/admins", act: need(directory.ActRead), h: s.listAdmins},
		{method: "POST", path: "/admins", act: manage, h: s.createAdmin},
		{method: "PATCH", path: "/admins/{id}", act: manage, h: s.patchAdmin},
		{method: "POST", path: "/admins/{id}/password", act: passwordAction, h: s.setPassword},
	}
}

// passwordAction: an admin sets their own password with any role;
// anyone else's takes managing admins.
func passwordAction(r *http.Request, p directory.AdminPrincipal) directory.Action {
	if p.AdminID != "" && r.PathValue("id") == p.AdminID {
		return directory.ActRead
	}
	return directory.ActManageAdmins
}

// listAdmins serves GET /admins: the organization's admins by email.
func (s *Server) listAdmins(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	as, err := s.dir.Store().Admins(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	out := struct {
		Admins []adminJSON `json:"admins"`
	}{Admins: make([]adminJSON, 0, len(as))}
	for _, a := range as {
		out.Admins = append(out.Admins, adminOf(a))
	}
	return writeJSON(w, http.StatusOK, out)
}

// createAdmin serves POST /admins {email, name, role, password}: 409 when
// the email has an admin already. Without a password the account cannot
// sign in until one is set.
func (s *Server) createAdmin(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if err := readJSON(r, &in, false); err != nil {
		return err
	}
	role, err := directory.ParseRole(in.Role)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	if _, err := s.dir.Store().AdminByEmail(r.Context(), p.OrgID, strings.TrimSpace(in.Email)); err == nil {
		return errorf(http.StatusConflict, "an admin with email %q exists already", strings.TrimSpace(in.Email))
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	a, err := s.dir.CreateAdmin(r.Context(), &p, p.OrgID, in.Email, in.Name, role, in.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, adminOf(a))
}

// patchAdmin serves PATCH /admins/{id} {role, disabled}: either or both
// (role first). Disabling signs the admin out everywhere.
func (s *Server) patchAdmin(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	var in struct {
		Role     *string `json:"role"`
		Disabled *bool   `json:"disabled"`
	}
	if err := readJSON(r, &in, false); err != nil {
		return err
	}
	if in.Role == nil && in.Disabled == nil {
		return errorf(http.StatusBadRequest, "say what to change: role, disabled or both")
	}
	var role store.AdminRole
	if in.Role != nil {
		var err error
		if role, err = directory.ParseRole(*in.Role); err != nil {
			return errorf(http.StatusBadRequest, "%v", err)
		}
	}
	id := r.PathValue("id")
	a, err := s.dir.Store().Admin(r.Context(), p.OrgID, id)
	if err != nil {
		return notFound(err, "no admin %q in this organization", id)
	}
	if in.Role != nil && role != a.Role {
		if a, err = s.dir.SetAdminRole(r.Context(), &p, p.OrgID, id, role); err != nil {
			return err
		}
	}
	if in.Disabled != nil && *in.Disabled != a.Disabled {
		if a, err = s.dir.SetAdminDisabled(r.Context(), &p, p.OrgID, id, *in.Disabled); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, adminOf(a))
}

// setPassword serves POST /admins/{id}/password {password}: an admin's
// own, or (for an owner) anyone's. The admin's sessions end.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := readJSON(r, &in, false); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.dir.Store().Admin(r.Context(), p.OrgID, id); err != nil {
		return notFound(err, "no admin %q in this organization", id)
	}
	if err := s.dir.SetAdminPassword(r.Context(), &p, p.OrgID, id, in.Password); err != nil {
		return err
	}
	return noContent(w)
}

// adminJSON is an admin account.
type adminJSON struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	Name        string  `json:"name,omitempty"`
	Role        string  `json:"role"`
	Disabled    bool    `json:"disabled"`
	HasPassword bool    `json:"hasPassword"`
	Created     string  `json:"created"`
	LastLogin   *string `json:"lastLogin"`
	LockedUntil *string `json:"lockedUntil"` // while sign-in is locked after failures
}

func adminOf(a store.Admin) adminJSON {
	out := adminJSON{ID: a.ID, Email: a.Email, Name: a.Name, Role: string(a.Role), Disabled: a.Disabled,
		HasPassword: a.PasswordHash != "", Created: stamp(a.Created), LastLogin: stampPtr(a.LastLogin)}
	if a.LockedUntil != nil && a.LockedUntil.After(time.Now()) {
		out.LockedUntil = stampPtr(a.LockedUntil)
	}
	return out
}
