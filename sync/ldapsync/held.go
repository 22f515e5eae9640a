package ldapsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/scimd/scimd/store"
)

// Held runs do not pile up: while a held run waits for an admin, every
// later run of the source reads the directory again and holds (or
// applies) what is still to do. So when a run ends held or succeeded,
// the source's earlier runs still held are superseded by it: they can no
// longer be approved or rejected, and their held and planned changes are
// marked superseded. Only the newest held run of a source is approvable.
// A run that ends dry_run (a --dry-run within the thresholds) or failed
// supersedes nothing: one only previews, the other read too little to
// stand for the directory. A --dry-run that breaches a threshold ends
// held, approvable like any held run, and supersedes like one.

// ErrSuperseded is returned by Approve and Reject for a run that a newer
// run of its source superseded; such an error is also ErrNotHeld.
var ErrSuperseded = errors.New("a newer run of the source superseded the run")

// supersededErr is the error of deciding a superseded run: its message
// names the newer run; it is ErrSuperseded and ErrNotHeld.
type supersededErr struct{ msg string }

func (e *supersededErr) Error() string { return e.msg }

func (e *supersededErr) Is(target error) bool { return target == ErrSuperseded || target == ErrNotHeld }

func superseded(format string, args ...any) error {
	return &supersededErr{msg: fmt.Sprintf(format, args...)}
}

// supersedes reports whether a run that ended in status supersedes the
// source's earlier held runs.
func supersedes(status store.SyncStatus) bool {
	return status == store.SyncHeld || status == store.SyncSucceeded
}

// supersede marks the held runs of rec's source before rec superseded by
// it, when rec's status calls for it.
func (r *syncRun) supersede(ctx context.Context, rec store.SyncRun) error {
	if !supersedes(rec.Status) {
		return nil
	}
	ids, err := r.e.st.SupersedeSyncRuns(ctx, r.org.ID, rec.ID)
	if err != nil {
		return fmt.Errorf("superseding the earlier held runs of source %q: %w", r.src.Name, err)
	}
	if len(ids) > 0 {
		r.log.Info("earlier held runs superseded: only this run's changes can be approved now", "superseded", ids)
	}
	return nil
}

// supersededError explains why a superseded run cannot be decided, naming
// the run that superseded it and what to do instead.
func (e *Engine) supersededError(ctx context.Context, run store.SyncRun) error {
	newer, err := e.st.SyncRun(ctx, run.OrgID, run.SupersededBy)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return superseded("run %s was superseded by run %s, which no longer exists: it can no longer be approved or rejected",
			run.ID, run.SupersededBy)
	case err != nil:
		return err
	case newer.Status == store.SyncHeld:
		return superseded("run %s was superseded by the newer held run %s of source %q, which lists what is still to do: "+
			"review it (scimd sync show %s) and approve or reject that one instead", run.ID, newer.ID, run.Source, newer.ID)
	}
	return superseded("run %s was superseded by the newer run %s of source %q (now %s): nothing of run %s is left to approve or reject",
		run.ID, newer.ID, run.Source, newer.Status, run.ID)
}
