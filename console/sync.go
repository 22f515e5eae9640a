package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// The sync page: each source's runs, the held runs with their exact
// changes to approve or reject, and running a source now.

type sourceStatus struct {
	Name       string
	Configured bool // the server can run it now
	Last       *store.SyncRun
	LastOK     *store.SyncRun // the last run that applied its changes
	Held       *store.SyncRun // the newest held run: the only one that can be decided
	Runs       []store.SyncRun
}

type changeRow struct {
	Seq                  int
	State, Kind, What    string
	Name, Link, Detail   string
	ResourceID, SourceID string
}

type heldRun struct {
	Run     store.SyncRun
	Changes []changeRow
	More    int // held changes not shown here (see the run's page)
}

type syncData struct {
	Sources []sourceStatus
	Held    []heldRun
	CanRun  bool
}

type runData struct {
	Run      store.SyncRun
	State    string
	States   []string
	Changes  []changeRow
	More     int
	Decide   bool // the run is held and this server can decide it
	Duration string
}

const (
	historyRuns  = 15
	heldShown    = 100
	changesShown = 1000
)

// configured names the organization's configured sources.
func (s *Server) configured(ctx context.Context, orgID string) ([]string, error) {
	if s.sync == nil {
		return nil, nil
	}
	srcs, err := s.sync.Sources(ctx, orgID)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(srcs))
	for i, src := range srcs {
		names[i] = src.Name
	}
	return names, nil
}

// sourceNames are the organization's configured sources and the sources
// of its recorded runs, by name.
func (s *Server) sourceNames(ctx context.Context, orgID string) ([]string, error) {
	names, err := s.configured(ctx, orgID)
	if err != nil {
		return nil, err
	}
	runs, err := s.st.SyncRuns(ctx, orgID, "", 200)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		names = append(names, r.Source)
	}
	sort.Strings(names)
	return slices.Compact(names), nil
}

// sourceStatuses reads each source's recent runs.
func (s *Server) sourceStatuses(ctx context.Context, orgID string) ([]sourceStatus, error) {
	names, err := s.sourceNames(ctx, orgID)
	if err != nil {
		return nil, err
	}
	configured, err := s.configured(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]sourceStatus, 0, len(names))
	for _, n := range names {
		runs, err := s.st.SyncRuns(ctx, orgID, n, historyRuns)
		if err != nil {
			return nil, err
		}
		st := sourceStatus{Name: n, Configured: slices.Contains(configured, n), Runs: runs}
		for i := range runs {
			r := &runs[i]
			if st.Last == nil {
				st.Last = r
			}
			if st.LastOK == nil && (r.Status == store.SyncSucceeded || r.Status == store.SyncApproved) {
				st.LastOK = r
			}
			if st.Held == nil && r.Status == store.SyncHeld {
				st.Held = r
			}
		}
		out = append(out, st)
	}
	return out, nil
}

func (s *Server) syncPage(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx := r.Context()
	d := syncData{CanRun: s.sync != nil}
	var err error
	if d.Sources, err = s.sourceStatuses(ctx, p.OrgID); err != nil {
		return err
	}
	for _, src := range d.Sources {
		if src.Held == nil {
			continue
		}
		cs, err := s.st.SyncChanges(ctx, p.OrgID, src.Held.ID, store.ChangeHeld)
		if err != nil {
			return err
		}
		h := heldRun{Run: *src.Held}
		for _, c := range cs[:min(len(cs), heldShown)] {
			h.Changes = append(h.Changes, changeRowOf(c))
		}
		h.More = len(cs) - len(h.Changes)
		d.Held = append(d.Held, h)
	}
	return s.render(w, r, &p, http.StatusOK, "sync", view{Title: "Directory sync", Section: "sync", Data: d})
}

func (s *Server) syncRun(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx := r.Context()
	run, err := s.st.SyncRun(ctx, p.OrgID, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return notFoundf("There is no sync run %q in this organization.", r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	d := runData{Run: run, State: r.URL.Query().Get("state"), Decide: run.Status == store.SyncHeld && s.sync != nil,
		States: []string{store.ChangeApplied, store.ChangeHeld, store.ChangePlanned, store.ChangeSkipped,
			store.ChangeRejected, store.ChangeSuperseded, ldapsync.ChangeFailed}}
	if d.State != "" && !slices.Contains(d.States, d.State) {
		return &pageError{Status: http.StatusBadRequest, Msg: fmt.Sprintf("%q is not a change state.", d.State)}
	}
	if run.Ended != nil {
		d.Duration = run.Ended.Sub(run.Started).Round(1e6).String()
	}
	cs, err := s.st.SyncChanges(ctx, p.OrgID, run.ID, d.State)
	if err != nil {
		return err
	}
	for _, c := range cs[:min(len(cs), changesShown)] {
		d.Changes = append(d.Changes, changeRowOf(c))
	}
	d.More = len(cs) - len(d.Changes)
	return s.render(w, r, &p, http.StatusOK, "syncrun", view{Title: "Sync run " + run.ID, Section: "sync", Data: d})
}

func (s *Server) syncDecide(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx, id, op := r.Context(), r.PathValue("id"), r.PathValue("op")
	if op != "approve" && op != "reject" {
		return notFoundf("There is no sync run action %q.", op)
	}
	if _, err := s.st.SyncRun(ctx, p.OrgID, id); errors.Is(err, store.ErrNotFound) {
		return notFoundf("There is no sync run %q in this organization.", id)
	} else if err != nil {
		return err
	}
	back := BasePath + "/sync/runs/" + url.PathEscape(id)
	if s.sync == nil {
		return redirect(w, r, back, "error", "This server runs no directory sync: decide the run with scimd sync "+op+".")
	}
	decide := s.sync.Approve
	if op == "reject" {
		decide = s.sync.Reject
	}
	run, err := decide(ctx, p.OrgID, id, who(p))
	if err != nil {
		return redirect(w, r, back, "error", "The run was not "+op+"d: "+s.clientText(r, err))
	}
	return redirect(w, r, back, "ok", fmt.Sprintf("Run %s %s (%s).", run.ID, run.Status, countsText(run.Counts)))
}

func (s *Server) syncRunNow(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	ctx := r.Context()
	source, dry := r.PostFormValue("source"), r.PostFormValue("dry") == "1"
	back := BasePath + "/sync"
	names, err := s.configured(ctx, p.OrgID)
	if err != nil {
		return err
	}
	if !slices.Contains(names, source) {
		return redirect(w, r, back, "error", fmt.Sprintf("No directory source %q is configured on this server.", source))
	}
	run, err := s.sync.Run(ctx, p.OrgID, source, dry, who(p))
	if run.ID == "" {
		return redirect(w, r, back, "error", "The run did not start: "+s.clientText(r, err))
	}
	kind, msg := "ok", fmt.Sprintf("Run %s of %s: %s (%s).", run.ID, source, run.Status, countsText(run.Counts))
	if run.Error != "" {
		msg += " " + run.Error
	}
	if err != nil || run.Status == store.SyncFailed {
		kind = "error"
	}
	return redirect(w, r, BasePath+"/sync/runs/"+url.PathEscape(run.ID), kind, msg)
}

// who names an admin for the logs.
func who(p directory.AdminPrincipal) string {
	if p.AdminID == "" {
		return "token:" + p.TokenName
	}
	return p.Email
}

// countsText renders a run's counts as "create 3, update 1".
func countsText(counts map[string]int) string {
	if len(counts) == 0 {
		return "no changes"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), counts[k])
	}
	return strings.Join(parts, ", ")
}

// changeRowOf describes one recorded change for people.
func changeRowOf(c store.SyncChange) changeRow {
	row := changeRow{Seq: c.Seq, State: c.State, Kind: strings.ReplaceAll(c.Kind, "_", " "), Name: c.Name, What: "user",
		ResourceID: c.ResourceID, SourceID: c.SourceID}
	d, err := ldapsync.ParseDetail(c)
	if err != nil {
		row.Detail = "unreadable detail: " + err.Error()
		return row
	}
	kind := store.KindUser
	if d.Resource == store.KindGroup || strings.HasPrefix(c.Kind, "team_") {
		row.What, kind = "team", store.KindGroup
	}
	if c.ResourceID != "" {
		row.Link = resourceLink(kind, c.ResourceID)
	}
	var parts []string
	switch c.Kind {
	case ldapsync.ChangeCreate, ldapsync.ChangeTeamCreate:
		if d.DN != "" {
			parts = append(parts, "from "+d.DN)
		}
		if d.Reason != "" {
			parts = append(parts, "inactive: "+reasonText(d.Reason))
		}
	case ldapsync.ChangeDeactivate:
		parts = append(parts, "becomes inactive: "+reasonText(d.Reason))
	case ldapsync.ChangeReactivate:
		parts = append(parts, "active again (was inactive: "+reasonText(d.Reason)+")")
	case ldapsync.ChangeMemberAdd, ldapsync.ChangeMemberRemove:
		sign, label := "gains", d.MemberName
		if c.Kind == ldapsync.ChangeMemberRemove {
			sign = "loses"
		}
		if label == "" {
			label = d.Member
		}
		parts = append(parts, fmt.Sprintf("%s %s %s", sign, strings.ToLower(string(d.MemberKind)), label))
	case ldapsync.ChangeTeamRemoved:
		parts = append(parts, fmt.Sprintf("archived (%s); %d memberships end", d.Reason, d.Members))
	case ldapsync.ChangeAdopt:
		parts = append(parts, "taken over from "+d.Owner)
	case ldapsync.ChangeNotApplied:
		parts = append(parts, fmt.Sprintf("change #%d was not applied", d.Seq))
	}
	for _, a := range d.Attrs {
		parts = append(parts, fmt.Sprintf("%s: %s → %s", ldapsync.PathString(a.Path), shortValue(a.Old), shortValue(a.New)))
	}
	if d.Error != "" {
		parts = append(parts, d.Error)
	}
	row.Detail = strings.Join(parts, "; ")
	return row
}
