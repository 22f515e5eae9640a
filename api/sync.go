package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// Directory sync: the configured sources with their last run, the run
// history with each run's exact changes, running a source now (or as a
// dry run), and approving or rejecting a held run.

// SyncControl runs an organization's directory sources and decides its
// held runs: ldapsync.Control over the configured sources and the sync
// engine, which cmd/scimd builds.
//
// Errors: ldapsync.ErrUnknownSource for a source or organization it does
// not know (404); ldapsync.ErrLocked when another run holds the source's
// lock and ldapsync.ErrNotHeld for a run that is not held or that a newer
// run superseded (409); their text is shown to the client. Run returns
// the run as recorded even when it failed (the run's Status and Error say
// why), with a nil error unless no run was recorded.
type SyncControl interface {
	// Sources lists the organization's configured sources.
	Sources(ctx context.Context, orgID string) ([]ldapsync.SourceInfo, error)
	// Run runs one source now, to its end; a dry run writes only its
	// record and planned changes. by names the admin, for the logs.
	Run(ctx context.Context, orgID, source string, dryRun bool, by string) (store.SyncRun, error)
	// Approve applies a held run's held changes; Reject drops them.
	Approve(ctx context.Context, orgID, runID, by string) (store.SyncRun, error)
	Reject(ctx context.Context, orgID, runID, by string) (store.SyncRun, error)
}

var _ SyncControl = (*ldapsync.Control)(nil)

// runsLimit bounds GET /sync/runs.
const (
	defaultRuns = 50
	maxRuns     = 500
)

func (s *Server) syncRoutes() []route {
	return []route{
		{method: "GET", path: "/sync/sources", act: need(directory.ActRead), h: s.syncSources},
		{method: "POST", path: "/sync/sources/{name}/run", act: need(directory.ActRunSync), h: s.runSource},
		{method: "GET", path: "/sync/runs", act: need(directory.ActRead), h: s.syncRuns},
		{method: "GET", path: "/sync/runs/{id}", act: need(directory.ActRead), h: s.syncRun},
		{method: "POST", path: "/sync/runs/{id}/approve", act: need(directory.ActApproveSync), h: s.approveRun},
		{method: "POST", path: "/sync/runs/{id}/reject", act: need(directory.ActApproveSync), h: s.rejectRun},
	}
}

// runJSON is a sync run.
type runJSON struct {
	ID           string         `json:"id"`
	Source       string         `json:"source"`
	Trigger      string         `json:"trigger"`
	Status       string         `json:"status"`
	Started      string         `json:"started"`
	Ended        *string        `json:"ended"`
	Complete     bool           `json:"complete"`
	Counts       map[string]int `json:"counts"`
	Error        string         `json:"error,omitempty"` // why it failed or was held
	SupersededBy string         `json:"supersededBy,omitempty"`
}

func runOf(r store.SyncRun) runJSON {
	counts := r.Counts
	if counts == nil {
		counts = map[string]int{}
	}
	return runJSON{ID: r.ID, Source: r.Source, Trigger: r.Trigger, Status: string(r.Status), Started: stamp(r.Started),
		Ended: stampPtr(r.Ended), Complete: r.Complete, Counts: counts, Error: r.Error, SupersededBy: r.SupersededBy}
}

// sourceJSON is a configured source and where it stands.
type sourceJSON struct {
	Name        string   `json:"name"`
	Schedule    string   `json:"schedule,omitempty"`
	LastRun     *runJSON `json:"lastRun"`     // the newest run
	LastSuccess *string  `json:"lastSuccess"` // the end of the newest succeeded or approved run
	HeldRun     *runJSON `json:"heldRun"`     // the newest held run: the one to approve or reject
}

// sourceHistory is how many runs of a source GET /sync/sources looks at
// for its last success and held run.
const sourceHistory = 50

// syncSources serves GET /sync/sources.
func (s *Server) syncSources(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	out := struct {
		Sources []sourceJSON `json:"sources"`
	}{Sources: []sourceJSON{}}
	if s.sync == nil {
		return writeJSON(w, http.StatusOK, out)
	}
	srcs, err := s.sync.Sources(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	for _, src := range srcs {
		runs, err := s.dir.Store().SyncRuns(r.Context(), p.OrgID, src.Name, sourceHistory)
		if err != nil {
			return err
		}
		sj := sourceJSON{Name: src.Name, Schedule: src.Schedule}
		for i, run := range runs {
			rj := runOf(run)
			if i == 0 {
				sj.LastRun = &rj
			}
			if sj.HeldRun == nil && run.Status == store.SyncHeld {
				sj.HeldRun = &rj
			}
			if sj.LastSuccess == nil && (run.Status == store.SyncSucceeded || run.Status == store.SyncApproved) {
				sj.LastSuccess = stampPtr(run.Ended)
			}
		}
		out.Sources = append(out.Sources, sj)
	}
	return writeJSON(w, http.StatusOK, out)
}

// syncRuns serves GET /sync/runs?source=&limit=: runs, newest first.
func (s *Server) syncRuns(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	v := r.URL.Query()
	if err := onlyParams(v, "source", "limit"); err != nil {
		return err
	}
	limit := defaultRuns
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxRuns {
			return errorf(http.StatusBadRequest, "limit=%q must be an integer from 1 to %d", l, maxRuns)
		}
		limit = n
	}
	runs, err := s.dir.Store().SyncRuns(r.Context(), p.OrgID, v.Get("source"), limit)
	if err != nil {
		return err
	}
	out := struct {
		Runs []runJSON `json:"runs"`
	}{Runs: make([]runJSON, 0, len(runs))}
	for _, run := range runs {
		out.Runs = append(out.Runs, runOf(run))
	}
	return writeJSON(w, http.StatusOK, out)
}

// changeJSON is one change of a run.
type changeJSON struct {
	Seq        int             `json:"seq"`
	Kind       string          `json:"kind"` // create, update, deactivate, member_add, …
	State      string          `json:"state"`
	ResourceID string          `json:"resourceId,omitempty"`
	SourceID   string          `json:"sourceId,omitempty"`
	Name       string          `json:"name,omitempty"`
	Detail     json.RawMessage `json:"detail"`
}

// syncRun serves GET /sync/runs/{id}?state=: a run with its changes (of
// one state: applied, held, planned, skipped, rejected, superseded).
func (s *Server) syncRun(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	v := r.URL.Query()
	if err := onlyParams(v, "state"); err != nil {
		return err
	}
	id := r.PathValue("id")
	run, err := s.dir.Store().SyncRun(r.Context(), p.OrgID, id)
	if err != nil {
		return notFound(err, "no sync run %q in this organization", id)
	}
	cs, err := s.dir.Store().SyncChanges(r.Context(), p.OrgID, id, v.Get("state"))
	if err != nil {
		return err
	}
	out := struct {
		runJSON
		Changes []changeJSON `json:"changes"`
	}{runOf(run), make([]changeJSON, 0, len(cs))}
	for _, c := range cs {
		d := c.Detail
		if len(d) == 0 {
			d = json.RawMessage("null")
		}
		out.Changes = append(out.Changes, changeJSON{Seq: c.Seq, Kind: c.Kind, State: c.State, ResourceID: c.ResourceID,
			SourceID: c.SourceID, Name: c.Name, Detail: d})
	}
	return writeJSON(w, http.StatusOK, out)
}

// control returns the SyncControl, or 503 when the server has none.
func (s *Server) control() (SyncControl, error) {
	if s.sync == nil {
		return nil, errorf(http.StatusServiceUnavailable, "this server does not run directory sync (no sources are configured)")
	}
	return s.sync, nil
}

// runSource serves POST /sync/sources/{name}/run {dry_run}: it runs the
// source now and answers the run as recorded (a failed run is a 200 whose
// status says failed; a held one, held, with its changes to approve).
func (s *Server) runSource(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	var in struct {
		DryRun bool `json:"dry_run"`
	}
	if err := readJSON(r, &in, true); err != nil {
		return err
	}
	c, err := s.control()
	if err != nil {
		return err
	}
	run, err := c.Run(r.Context(), p.OrgID, r.PathValue("name"), in.DryRun, p.Actor().Label())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, runOf(run))
}

// approveRun serves POST /sync/runs/{id}/approve.
func (s *Server) approveRun(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.decide(w, r, p, true)
}

// rejectRun serves POST /sync/runs/{id}/reject.
func (s *Server) rejectRun(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.decide(w, r, p, false)
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal, approve bool) error {
	c, err := s.control()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.dir.Store().SyncRun(r.Context(), p.OrgID, id); err != nil {
		return notFound(err, "no sync run %q in this organization", id)
	}
	var run store.SyncRun
	if approve {
		run, err = c.Approve(r.Context(), p.OrgID, id, p.Actor().Label())
	} else {
		run, err = c.Reject(r.Context(), p.OrgID, id, p.Actor().Label())
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, runOf(run))
}
