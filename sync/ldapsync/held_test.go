package ldapsync

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/adtest"
	"github.com/scimd/scimd/store"
)

// runStatus reads a run back.
func (e *engEnv) runStatus(id string) store.SyncRun {
	e.t.Helper()
	r, err := e.st.SyncRun(e.ctx, e.org.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// TestEngineHeldRunsSuperseded: while a held run waits, the next run that
// holds the same changes supersedes it; only the newest held run can be
// approved or rejected, and deciding a superseded one says which run to
// decide instead. A dry run within the thresholds and a failed run
// supersede nothing; a run that applies supersedes the held runs before it.
func TestEngineHeldRunsSuperseded(t *testing.T) {
	f := newADFixture(t, 20)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	src.Thresholds.MaxDeactivations = intp(1)
	env.run(src, Options{}, store.SyncSucceeded)
	f.srv.Remove(f.users[0])
	f.srv.Remove(f.users[1])

	first := env.run(src, Options{Trigger: "schedule"}, store.SyncHeld)
	second := env.run(src, Options{Trigger: "schedule"}, store.SyncHeld)
	if got := env.runStatus(first.ID); got.Status != store.SyncSuperseded || got.SupersededBy != second.ID {
		t.Fatalf("first held run after the second = %s superseded by %q; want superseded by %s", got.Status, got.SupersededBy, second.ID)
	}
	if got := names(env.changes(first.ID, ChangeDeactivate)); strings.Join(got, " ") != "user01/superseded user02/superseded" {
		t.Errorf("changes of the superseded run: %v", got)
	}
	if got := names(env.changes(second.ID, ChangeDeactivate)); strings.Join(got, " ") != "user01/held user02/held" {
		t.Errorf("changes of the newest held run: %v", got)
	}
	decide := map[string]func(context.Context, store.Org, string, string) (store.SyncRun, error){
		"Approve": env.eng.Approve, "Reject": env.eng.Reject}
	for name, fn := range decide {
		_, err := fn(env.ctx, env.org, first.ID, "")
		if !errors.Is(err, ErrSuperseded) || !errors.Is(err, ErrNotHeld) ||
			!strings.Contains(err.Error(), "superseded by the newer held run "+second.ID) ||
			!strings.Contains(err.Error(), "scimd sync show "+second.ID) {
			t.Errorf("%s of the superseded run: %v", name, err)
		}
	}
	if got := env.runStatus(first.ID); got.Status != store.SyncSuperseded {
		t.Errorf("deciding a superseded run changed it to %s", got.Status)
	}
	if users := env.users(src); !users["user01"].Active || !users["user02"].Active {
		t.Fatal("a superseded run's changes were applied")
	}

	// A dry run within the thresholds and a failed (incomplete) run leave
	// the held run approvable.
	preview := src
	preview.Thresholds = loose()
	env.run(preview, Options{DryRun: true}, store.SyncDryRun)
	f.srv.Inject(adtest.Busy())
	env.run(src, Options{}, store.SyncFailed)
	if got := env.runStatus(second.ID); got.Status != store.SyncHeld {
		t.Fatalf("after a dry run and a failed run the held run is %s", got.Status)
	}
	approved, err := env.eng.Approve(env.ctx, env.org, second.ID, "")
	if err != nil || approved.Counts["approved_applied"] != 2 {
		t.Fatalf("Approve of the newest held run = %+v, %v", approved, err)
	}
	if users := env.users(src); users["user01"].Active || users["user02"].Active {
		t.Error("the approval did not deactivate")
	}

	// A held run, then the admin raises the threshold: the next run
	// applies the changes and supersedes the held run.
	f.srv.Remove(f.users[2])
	f.srv.Remove(f.users[3])
	third := env.run(src, Options{}, store.SyncHeld)
	raised := src
	raised.Thresholds.MaxDeactivations = intp(5)
	fourth := env.run(raised, Options{}, store.SyncSucceeded)
	if got := env.runStatus(third.ID); got.Status != store.SyncSuperseded || got.SupersededBy != fourth.ID {
		t.Fatalf("held run after a run that applied = %s by %q", got.Status, got.SupersededBy)
	}
	_, err = env.eng.Approve(env.ctx, env.org, third.ID, "")
	if !errors.Is(err, ErrSuperseded) || !errors.Is(err, ErrNotHeld) ||
		!strings.Contains(err.Error(), fourth.ID+` of source "ad" (now succeeded): nothing of run `+third.ID) {
		t.Errorf("Approve of a run superseded by a run that applied: %v", err)
	}
	if users := env.users(src); users["user03"].Active || users["user04"].Active {
		t.Error("the run that superseded the held run did not deactivate")
	}
	if got := env.runStatus(approved.ID); got.Status != store.SyncApproved {
		t.Errorf("an approved run became %s", got.Status)
	}
}
