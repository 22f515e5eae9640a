package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// testSyncRunsSupersede: SupersedeSyncRuns marks exactly the held runs of
// the same source and organization that came before the given run (ties
// on Started broken by id), and their held and planned changes.
func testSyncRunsSupersede(t *testing.T, f *fixture) {
	t0 := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	mk := func(org, source string, started time.Time, status store.SyncStatus) store.SyncRun {
		t.Helper()
		r := f.newRun(org, source, started)
		r.Status = status
		if err := f.s.UpdateSyncRun(f.ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	held1 := mk(f.org, "corp", t0, store.SyncHeld)
	held2 := mk(f.org, "corp", t0.Add(time.Minute), store.SyncHeld)
	failed := mk(f.org, "corp", t0.Add(2*time.Minute), store.SyncFailed)
	rejected := mk(f.org, "corp", t0.Add(3*time.Minute), store.SyncRejected)
	hr := mk(f.org, "hr", t0.Add(time.Minute), store.SyncHeld)
	other := f.newOrg("other")
	theirs := mk(other, "corp", t0.Add(time.Minute), store.SyncHeld)
	// Three runs started at the same instant: the middle one supersedes
	// the one with the smaller id, not the one with the greater.
	tie := t0.Add(5 * time.Minute)
	trio := []store.SyncRun{mk(f.org, "corp", tie, store.SyncHeld), mk(f.org, "corp", tie, store.SyncHeld), mk(f.org, "corp", tie, store.SyncHeld)}
	slices.SortFunc(trio, func(a, b store.SyncRun) int { return strings.Compare(a.ID, b.ID) })
	lo, by, hi := trio[0], trio[1], trio[2]
	later := mk(f.org, "corp", t0.Add(10*time.Minute), store.SyncHeld)

	states := []string{store.ChangeHeld, store.ChangePlanned, store.ChangeApplied, store.ChangeSkipped, store.ChangeHeld}
	for _, run := range []store.SyncRun{held1, hr} {
		cs := changes(f.org, run.ID, 1, len(states))
		for i := range cs {
			cs[i].State = states[cs[i].Seq-1]
		}
		if err := f.s.AddSyncChanges(f.ctx, cs); err != nil {
			t.Fatal(err)
		}
	}

	ids, err := f.s.SupersedeSyncRuns(f.ctx, f.org, by.ID)
	if want := []string{held1.ID, held2.ID, lo.ID}; err != nil || !slices.Equal(ids, want) {
		t.Fatalf("SupersedeSyncRuns = %v, %v; want %v (oldest first)", ids, err, want)
	}
	check := func(org string, r store.SyncRun, status store.SyncStatus, supersededBy string) {
		t.Helper()
		want := r
		want.Status, want.SupersededBy = status, supersededBy
		got, err := f.s.SyncRun(f.ctx, org, r.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("run %s = %+v, %v; want %+v", r.ID, got, err, want)
		}
	}
	for _, r := range []store.SyncRun{held1, held2, lo} {
		check(f.org, r, store.SyncSuperseded, by.ID)
	}
	for _, r := range []store.SyncRun{by, hi, later, hr} {
		check(f.org, r, store.SyncHeld, "")
	}
	check(f.org, failed, store.SyncFailed, "")
	check(f.org, rejected, store.SyncRejected, "")
	check(other, theirs, store.SyncHeld, "")
	changeStates := func(run string) []string {
		t.Helper()
		cs, err := f.s.SyncChanges(f.ctx, f.org, run, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.State)
		}
		return out
	}
	if got, want := changeStates(held1.ID), []string{store.ChangeSuperseded, store.ChangeSuperseded, store.ChangeApplied,
		store.ChangeSkipped, store.ChangeSuperseded}; !slices.Equal(got, want) {
		t.Errorf("changes of the superseded run: %v; want %v", got, want)
	}
	if got := changeStates(hr.ID); !slices.Equal(got, states) {
		t.Errorf("changes of another source's held run: %v; want %v", got, states)
	}

	// Idempotent; errors.
	if ids, err := f.s.SupersedeSyncRuns(f.ctx, f.org, by.ID); err != nil || ids != nil {
		t.Errorf("SupersedeSyncRuns again = %v, %v; want nothing", ids, err)
	}
	_, err = f.s.SupersedeSyncRuns(f.ctx, f.org, newID())
	wantErr(t, err, store.ErrNotFound, "SupersedeSyncRuns by an unknown run")
	_, err = f.s.SupersedeSyncRuns(f.ctx, other, by.ID)
	wantErr(t, err, store.ErrNotFound, "SupersedeSyncRuns by another organization's run")
	check(f.org, held2, store.SyncSuperseded, by.ID)

	// A newer run supersedes the rest; superseded runs stay as they were.
	ids, err = f.s.SupersedeSyncRuns(f.ctx, f.org, later.ID)
	if want := []string{by.ID, hi.ID}; err != nil || !slices.Equal(ids, want) {
		t.Fatalf("SupersedeSyncRuns(later) = %v, %v; want %v", ids, err, want)
	}
	check(f.org, held1, store.SyncSuperseded, by.ID)
	check(f.org, hi, store.SyncSuperseded, later.ID)
	check(f.org, later, store.SyncHeld, "")
}
