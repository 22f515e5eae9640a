package api

import (
	"net/http"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Organization settings: the policy every writer obeys (catalogues, seat
// limit, external user types, delete mode, immutable and mover
// attributes, retention) and the seats in use.

func (s *Server) settingsRoutes() []route {
	return []route{
		{method: "GET", path: "/settings", act: need(directory.ActRead), h: s.getSettings},
		{method: "PUT", path: "/settings", act: need(directory.ActManagePolicy), h: s.putSettings},
	}
}

// policyJSON is store.Policy as the API reads and writes it: every field
// present, defaults spelled out, the retention in days.
type policyJSON struct {
	Roles             []store.CatalogEntry `json:"roles"`
	Entitlements      []store.CatalogEntry `json:"entitlements"`
	SeatLimit         int                  `json:"seatLimit"` // 0: no limit
	ExternalUserTypes []string             `json:"externalUserTypes"`
	DeleteMode        string               `json:"deleteMode"` // archive or deactivate
	Immutable         []string             `json:"immutable"`
	MoverAttributes   []string             `json:"moverAttributes"`
	RetentionDays     int                  `json:"retentionDays"`
}

// settingsJSON is the response of GET and PUT /settings.
type settingsJSON struct {
	Policy    policyJSON `json:"policy"`
	SeatsUsed int        `json:"seatsUsed"`
}

const day = 24 * time.Hour

func policyOf(p store.Policy) policyJSON {
	orEmpty := func(xs []string) []string {
		if xs == nil {
			return []string{}
		}
		return xs
	}
	cat := func(xs []store.CatalogEntry) []store.CatalogEntry {
		if xs == nil {
			return []store.CatalogEntry{}
		}
		return xs
	}
	out := policyJSON{Roles: cat(p.Roles), Entitlements: cat(p.Entitlements), SeatLimit: p.SeatLimit,
		ExternalUserTypes: p.ExternalUserTypes, DeleteMode: p.DeleteMode, Immutable: orEmpty(p.Immutable),
		MoverAttributes: p.MoverAttributes, RetentionDays: int(directory.Retention(p) / day)}
	if out.ExternalUserTypes == nil {
		out.ExternalUserTypes = []string{"External"}
	}
	if out.MoverAttributes == nil {
		out.MoverAttributes = []string{"department", "title", "manager", "organization"}
	}
	if out.DeleteMode == "" {
		out.DeleteMode = directory.DeleteArchive
	}
	return out
}

// policy is the store.Policy of p.
func (p policyJSON) policy() store.Policy {
	out := store.Policy{Roles: p.Roles, Entitlements: p.Entitlements, SeatLimit: p.SeatLimit,
		ExternalUserTypes: p.ExternalUserTypes, DeleteMode: p.DeleteMode, Immutable: p.Immutable,
		MoverAttributes: p.MoverAttributes, Retention: time.Duration(p.RetentionDays) * day}
	if len(out.Roles) == 0 {
		out.Roles = nil
	}
	if len(out.Entitlements) == 0 {
		out.Entitlements = nil
	}
	if len(out.Immutable) == 0 {
		out.Immutable = nil
	}
	return out
}

// getSettings serves GET /settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.writeSettings(w, r, p)
}

func (s *Server) writeSettings(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	pol, err := s.dir.Policy(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	used, err := s.dir.SeatsUsed(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, settingsJSON{Policy: policyOf(pol), SeatsUsed: used})
}

// putSettings serves PUT /settings {policy}: the whole policy, replaced
// (read it with GET, change it, send it back); every problem is reported
// at once (400). Lowering the seat limit below the seats in use refuses
// new seats, never takes existing ones.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	var in struct {
		Policy *policyJSON `json:"policy"`
	}
	if err := readJSON(r, &in, false); err != nil {
		return err
	}
	if in.Policy == nil {
		return errorf(http.StatusBadRequest, "send {\"policy\": {...}} as GET /api/v1/settings answers it")
	}
	if in.Policy.RetentionDays < 0 {
		return errorf(http.StatusBadRequest, "retentionDays: %d is negative", in.Policy.RetentionDays)
	}
	pol := in.Policy.policy()
	if err := directory.ValidatePolicy(pol); err != nil {
		return errorf(http.StatusBadRequest, "%s", oneLine(err.Error()))
	}
	if err := s.dir.SetPolicy(r.Context(), p.OrgID, pol); err != nil {
		return err
	}
	return s.writeSettings(w, r, p)
}
