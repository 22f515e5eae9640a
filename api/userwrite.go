package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// User lifecycle writes: activate, deactivate (with a reason), archive,
// restore, purge. Each goes through directory.Service as the admin, so
// the organization's policy (the seat limit) and the audit trail apply.

// maxReason bounds a deactivation reason.
const maxReason = 200

// activateUser serves POST /users/{id}/activate.
func (s *Server) activateUser(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.setActive(w, r, p, p.Actor(), true)
}

// deactivateUser serves POST /users/{id}/deactivate {reason}: the reason,
// when given, is recorded as "admin: <reason>" (else "admin").
func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := readJSON(r, &in, true); err != nil {
		return err
	}
	a := p.Actor()
	reason := strings.Join(strings.Fields(in.Reason), " ")
	if len([]rune(reason)) > maxReason {
		return errorf(http.StatusBadRequest, "the reason is longer than %d characters", maxReason)
	}
	if reason != "" {
		a.InactiveReason = directory.ReasonAdmin + ": " + reason
	}
	return s.setActive(w, r, p, a, false)
}

func (s *Server) setActive(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal, a directory.Actor, active bool) error {
	id := r.PathValue("id")
	u, err := s.dir.Update(r.Context(), a, store.KindUser, id, func(u *store.Resource) (*store.MemberChange, error) {
		u.Attrs["active"] = active
		return nil, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return s.whyNotLive(r, p, id)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOf(u))
}

// whyNotLive is the error for a write to a user that is not live: 409
// when it is archived, else 404.
func (s *Server) whyNotLive(r *http.Request, p directory.AdminPrincipal, id string) error {
	_, err := s.dir.Store().GetArchived(r.Context(), p.OrgID, store.KindUser, id)
	if err == nil {
		return errorf(http.StatusConflict, "user %q is archived: restore it first", id)
	}
	return notFound(err, "no user %q in this organization", id)
}

// archiveUser serves POST /users/{id}/archive: the user answers 404 to
// SCIM from then on, keeps its history and frees its userName.
func (s *Server) archiveUser(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	id := r.PathValue("id")
	err := s.dir.Archive(r.Context(), p.Actor(), store.KindUser, id, nil)
	if errors.Is(err, store.ErrNotFound) {
		return s.whyNotLive(r, p, id)
	}
	if err != nil {
		return err
	}
	u, err := s.dir.Store().GetArchived(r.Context(), p.OrgID, store.KindUser, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOf(u))
}

// restoreUser serves POST /users/{id}/restore: an archived user comes
// back with its id, document, history and teams (409 when its userName
// was taken since; 403 when it would pass the seat limit).
func (s *Server) restoreUser(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	id := r.PathValue("id")
	u, err := s.dir.Restore(r.Context(), p.Actor(), store.KindUser, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := s.dir.Store().Get(r.Context(), p.OrgID, store.KindUser, id); gerr == nil {
			return errorf(http.StatusConflict, "user %q is not archived", id)
		}
		return errorf(http.StatusNotFound, "no archived user %q in this organization", id)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOf(u))
}

// purgeUser serves POST /users/{id}/purge: it erases the personal data of
// a user archived longer ago than the organization's retention, keeping
// an anonymised audit trail. A live user, or one archived within the
// retention, is 409.
func (s *Server) purgeUser(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	id := r.PathValue("id")
	pol, err := s.dir.Policy(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	cutoff := time.Now().UTC().Add(-directory.Retention(pol))
	u, err := s.dir.Store().GetArchived(r.Context(), p.OrgID, store.KindUser, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := s.dir.Store().Get(r.Context(), p.OrgID, store.KindUser, id); gerr == nil {
			return errorf(http.StatusConflict, "%s", directory.ErrStillActive.Error())
		}
		return errorf(http.StatusNotFound, "no archived user %q in this organization", id)
	}
	if err != nil {
		return err
	}
	if !u.Archived.Before(cutoff) {
		return errorf(http.StatusConflict, "user %q was archived on %s, inside the retention period (%s); it may be purged after %s",
			id, u.Archived.Format(time.DateOnly), days(directory.Retention(pol)),
			u.Archived.Add(directory.Retention(pol)).Format(time.DateOnly))
	}
	if err := s.dir.Purge(r.Context(), p.Actor(), store.KindUser, id, cutoff); err != nil {
		return err
	}
	return noContent(w)
}

func days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
