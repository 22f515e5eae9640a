package api_test

import (
	"context"
	"fmt"
	"time"

	"github.com/scimd/scimd/api"
	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// fakeSync stands in for cmd/scimd's sync control (the LDAP engine is
// tested in sync/ldapsync): every organization has one source, "corp",
// whose runs it records in the real store, and it decides held runs as
// the engine does (only a held run; its held changes applied or
// rejected).
type fakeSync struct {
	st store.Store
	by []string // who ran or decided, in order
}

var _ api.SyncControl = (*fakeSync)(nil)

func (f *fakeSync) Sources(context.Context, string) ([]api.SyncSource, error) {
	return []api.SyncSource{{Name: "corp", Schedule: "@every 1h"}}, nil
}

func (f *fakeSync) Run(ctx context.Context, orgID, source string, dryRun bool, by string) (store.SyncRun, error) {
	if source != "corp" {
		return store.SyncRun{}, api.SyncNotFound(fmt.Sprintf("no directory source %q is configured for this organization", source))
	}
	f.by = append(f.by, "run:"+by)
	now := time.Now().UTC()
	run := store.SyncRun{OrgID: orgID, ID: directory.NewID(), Source: source, Trigger: "manual", Started: now,
		Ended: &now, Status: store.SyncSucceeded, Complete: true}
	if dryRun {
		run.Status = store.SyncDryRun
	}
	return run, f.st.CreateSyncRun(ctx, run)
}

func (f *fakeSync) Approve(ctx context.Context, orgID, runID, by string) (store.SyncRun, error) {
	return f.decide(ctx, orgID, runID, by, true)
}

func (f *fakeSync) Reject(ctx context.Context, orgID, runID, by string) (store.SyncRun, error) {
	return f.decide(ctx, orgID, runID, by, false)
}

func (f *fakeSync) decide(ctx context.Context, orgID, runID, by string, approve bool) (store.SyncRun, error) {
	run, err := f.st.SyncRun(ctx, orgID, runID)
	if err != nil {
		return run, err
	}
	if run.Status != store.SyncHeld {
		return run, api.SyncConflict(fmt.Sprintf("run %s is %s: only a held run can be approved or rejected", runID, run.Status))
	}
	f.by = append(f.by, fmt.Sprintf("approve=%v:%s", approve, by))
	held, err := f.st.SyncChanges(ctx, orgID, runID, store.ChangeHeld)
	if err != nil {
		return run, err
	}
	seqs := make([]int, len(held))
	for i, c := range held {
		seqs[i] = c.Seq
	}
	state, status := store.ChangeRejected, store.SyncRejected
	if approve {
		state, status = store.ChangeApplied, store.SyncApproved
	}
	if err := f.st.SetSyncChangeState(ctx, orgID, runID, seqs, state); err != nil {
		return run, err
	}
	run.Status = status
	return run, f.st.UpdateSyncRun(ctx, run)
}

// heldRun records a held run of "corp" with n held deactivations.
func heldRun(ctx context.Context, st store.Store, orgID string, n int) (string, error) {
	now := time.Now().UTC()
	run := store.SyncRun{OrgID: orgID, ID: directory.NewID(), Source: "corp", Trigger: "schedule", Started: now,
		Ended: &now, Status: store.SyncHeld, Complete: true, Counts: map[string]int{"deactivate": n},
		Error: fmt.Sprintf("held: %d deactivations exceed the threshold", n)}
	if err := st.CreateSyncRun(ctx, run); err != nil {
		return "", err
	}
	cs := make([]store.SyncChange, n)
	for i := range cs {
		cs[i] = store.SyncChange{OrgID: orgID, RunID: run.ID, Seq: i + 1, Kind: "deactivate",
			SourceID: fmt.Sprintf("guid-%d", i), Name: fmt.Sprintf("leaver%d", i), State: store.ChangeHeld}
	}
	if n > 0 {
		if err := st.AddSyncChanges(ctx, cs); err != nil {
			return "", err
		}
	}
	return run.ID, nil
}
