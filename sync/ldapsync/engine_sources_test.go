package ldapsync

import (
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adtest"
	"github.com/scimd/scimd/store"
)

// TestEngineTwoSourcesClaimAUser (§2.6): a directory user whose userName
// belongs to a user of another source is a recorded conflict, never a
// silent merge; with adoptExisting the source takes over a SCIM user (and
// records it), but never another directory's.
func TestEngineTwoSourcesClaimAUser(t *testing.T) {
	f := newADFixture(t, 3)
	env := newEngEnv(t)
	scim := directory.Actor{OrgID: env.org.ID, Source: directory.SourceSCIM, Name: "okta"}
	mine, err := env.dir.Create(env.ctx, scim, store.Resource{Kind: store.KindUser,
		Attrs: map[string]any{"userName": "User02", "title": "Okta title", "nickName": "kept"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := adSource(t, f.srv)
	run := env.run(src, Options{}, store.SyncSucceeded)
	conflicts := env.changes(run.ID, ChangeConflict)
	if len(conflicts) != 1 || conflicts[0].Name != "user02" || !strings.Contains(FormatChange(conflicts[0]), `owned by "scim"`) {
		t.Fatalf("conflicts = %v", conflicts)
	}
	got, err := env.st.Get(env.ctx, env.org.ID, store.KindUser, mine.ID)
	if err != nil || got.Source != "scim" || got.Attrs["title"] != "Okta title" {
		t.Fatalf("the SCIM user changed: %+v %v", got, err)
	}

	src.AdoptExisting = true
	run = env.run(src, Options{}, store.SyncSucceeded)
	adopted := env.changes(run.ID, ChangeAdopt)
	if len(adopted) != 1 || adopted[0].ResourceID != mine.ID || !strings.Contains(FormatChange(adopted[0]), `taken over from "scim"`) {
		t.Fatalf("adoptions = %v", adopted)
	}
	got, _ = env.st.Get(env.ctx, env.org.ID, store.KindUser, mine.ID)
	if got.Source != "ldap:ad" || got.SourceID == "" || got.Attrs["title"] != "Staff" || got.Attrs["nickName"] != "kept" {
		t.Errorf("adopted user = %+v", got)
	}
	few := env.teams(src)["few"].ID
	if m := env.members(few); len(m) != 3 {
		t.Errorf("the adopted user is not a member: %v", m)
	}

	// A second directory source never adopts the first one's users.
	other := src
	other.Name = "ad2"
	run = env.run(other, Options{}, store.SyncSucceeded)
	if c := env.changes(run.ID, ChangeConflict); len(c) != 3+2 || run.Counts[ChangeAdopt] != 0 { // 3 users, 2 teams
		t.Errorf("second source: %v", run.Counts)
	}
	got, _ = env.st.Get(env.ctx, env.org.ID, store.KindUser, mine.ID)
	if got.Source != "ldap:ad" {
		t.Errorf("owner now %q", got.Source)
	}
}

// TestEngineMetrics: the run's metrics are registered and move.
func TestEngineMetrics(t *testing.T) {
	f := newADFixture(t, 4)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	env.run(src, Options{}, store.SyncSucceeded)
	f.srv.Inject(adtest.BindFailure())
	env.run(src, Options{}, store.SyncFailed)
	f.srv.Remove(f.users[0])
	src.Thresholds.MaxDeactivations = intp(0)
	env.run(src, Options{}, store.SyncHeld)

	read := func(name string, labels ...string) (float64, int) {
		t.Helper()
		mfs, err := env.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		series := 0
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
		metric:
			for _, m := range mf.GetMetric() {
				have := map[string]string{}
				for _, l := range m.GetLabel() {
					have[l.GetName()] = l.GetValue()
				}
				for i := 0; i+1 < len(labels); i += 2 {
					if have[labels[i]] != labels[i+1] {
						continue metric
					}
				}
				series++
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
			}
		}
		return sum, series
	}
	if v, _ := read("scimd_ldapsync_entries_read_total", "org", "acme", "source", "ad", "object", "user"); v != 4+3 {
		t.Errorf("users read = %v", v) // the failed bind read none
	}
	if v, _ := read("scimd_ldapsync_changes_total", "kind", ChangeCreate, "state", store.ChangeApplied); v != 4 {
		t.Errorf("creates = %v", v)
	}
	if v, _ := read("scimd_ldapsync_ldap_errors_total", "code", "49"); v != 1 {
		t.Errorf("bind errors = %v", v)
	}
	if v, _ := read("scimd_ldapsync_held_runs_total", "source", "ad"); v != 1 {
		t.Errorf("held runs = %v", v)
	}
	if v, _ := read("scimd_ldapsync_last_success_timestamp_seconds", "source", "ad"); v < 1e9 {
		t.Errorf("last success = %v", v)
	}
	if _, n := read("scimd_ldapsync_run_duration_seconds"); n != 3 {
		t.Errorf("%d duration series, want 3 (succeeded, failed, held)", n)
	}
	// A second engine on the same registry shares the metrics.
	if _, err := NewEngine(EngineConfig{Directory: env.dir, Registerer: env.reg}); err != nil {
		t.Errorf("second engine: %v", err)
	}
}
