package console

import (
	"context"
	"net/http"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// dashData is the dashboard: the organization at a glance and what waits
// for an admin.
type dashData struct {
	Active, Inactive, Archived, Teams int
	SeatsUsed, SeatLimit              int
	SeatPercent                       int
	Sources                           []sourceStatus
	Held                              []store.SyncRun
	FailingHooks                      []store.Webhook
	Recent                            []eventRow
}

// Pending is how many tasks wait for an admin.
func (d dashData) Pending() int { return len(d.Held) + len(d.FailingHooks) }

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx := r.Context()
	var d dashData
	var err error
	active := store.Compare{Attr: store.Attr{Column: store.ColActive}, Op: store.OpEq, Value: true}
	for _, c := range []struct {
		n    *int
		kind store.Kind
		q    store.Query
	}{
		{&d.Active, store.KindUser, store.Query{Filter: active}},
		{&d.Inactive, store.KindUser, store.Query{Filter: store.Not{X: active}}},
		{&d.Archived, store.KindUser, store.Query{Archived: true}},
		{&d.Teams, store.KindGroup, store.Query{}},
	} {
		if *c.n, err = s.count(ctx, p.OrgID, c.kind, c.q); err != nil {
			return err
		}
	}
	if d.SeatsUsed, err = s.dir.SeatsUsed(ctx, p.OrgID); err != nil {
		return err
	}
	pol, err := s.dir.Policy(ctx, p.OrgID)
	if err != nil {
		return err
	}
	d.SeatLimit = pol.SeatLimit
	if d.SeatLimit > 0 {
		d.SeatPercent = min(100, d.SeatsUsed*100/d.SeatLimit)
	}
	if d.Sources, err = s.sourceStatuses(ctx, p.OrgID); err != nil {
		return err
	}
	for _, src := range d.Sources {
		if src.Held != nil {
			d.Held = append(d.Held, *src.Held)
		}
	}
	if s.hooks != nil {
		hooks, err := s.hooks.Webhooks(ctx, p.OrgID)
		if err != nil {
			return err
		}
		for _, h := range hooks {
			if h.Enabled && h.State.LastError != "" {
				d.FailingHooks = append(d.FailingHooks, h)
			}
		}
	}
	evs, _, err := s.eventsBefore(ctx, p.OrgID, store.EventQuery{}, 0, 8)
	if err != nil {
		return err
	}
	if d.Recent, err = s.eventRows(ctx, p.OrgID, evs); err != nil {
		return err
	}
	return s.render(w, r, &p, http.StatusOK, "dashboard", view{Title: "Dashboard", Section: "dashboard", Data: d})
}

// count counts the resources a query selects.
func (s *Server) count(ctx context.Context, orgID string, kind store.Kind, q store.Query) (int, error) {
	q.Count = 0
	page, err := s.st.List(ctx, orgID, kind, q)
	return page.Total, err
}
