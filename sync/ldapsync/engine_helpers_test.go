package ldapsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adtest"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/internal/teststore"
	"github.com/scimd/scimd/store"
)

// engEnv is one engine over a fresh SQLite store with one organization.
type engEnv struct {
	t   *testing.T
	ctx context.Context
	dir *directory.Service
	st  store.Store
	org store.Org
	eng *Engine
	reg *prometheus.Registry
}

func newEngEnv(t *testing.T) *engEnv {
	t.Helper()
	return newEngEnvURL(t, testdb.SQLite(t))
}

func newEngEnvURL(t *testing.T, url string) *engEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	st := teststore.Open(t, url)
	dir := directory.New(st)
	org, _, err := dir.EnsureOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	eng, err := NewEngine(EngineConfig{Directory: dir, Registerer: reg, BatchSize: 40})
	if err != nil {
		t.Fatal(err)
	}
	return &engEnv{t: t, ctx: ctx, dir: dir, st: st, org: org, eng: eng, reg: reg}
}

// run runs src and fails the test on an unexpected outcome status.
func (e *engEnv) run(src Source, opts Options, want store.SyncStatus) store.SyncRun {
	e.t.Helper()
	run, err := e.eng.Run(e.ctx, e.org, src, opts)
	if run.Status != want {
		e.t.Fatalf("run status %q (error %q, err %v), want %q", run.Status, run.Error, err, want)
	}
	if (err != nil) != (want == store.SyncFailed) {
		e.t.Fatalf("run err = %v for status %q", err, run.Status)
	}
	return run
}

// users returns the live users owned by src, by userName.
func (e *engEnv) users(src Source) map[string]store.Resource {
	e.t.Helper()
	out := map[string]store.Resource{}
	err := e.st.EachBySource(e.ctx, e.org.ID, directory.DirectorySource(src.Name), store.KindUser, func(r store.Resource) error {
		out[r.Name] = r
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// teams returns the live teams owned by src, by name.
func (e *engEnv) teams(src Source) map[string]store.Resource {
	e.t.Helper()
	out := map[string]store.Resource{}
	err := e.st.EachBySource(e.ctx, e.org.ID, directory.DirectorySource(src.Name), store.KindGroup, func(r store.Resource) error {
		out[r.Name] = r
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// members returns the display names of a team's members, sorted, groups
// prefixed with "team:".
func (e *engEnv) members(teamID string) []string {
	e.t.Helper()
	ms, err := e.st.Members(e.ctx, e.org.ID, []string{teamID})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range ms[teamID] {
		if m.Kind == store.KindGroup {
			out = append(out, "team:"+m.Display)
		} else {
			out = append(out, m.Display)
		}
	}
	sort.Strings(out)
	return out
}

// changes returns a run's changes of the given kinds (none: all).
func (e *engEnv) changes(runID string, kinds ...string) []store.SyncChange {
	e.t.Helper()
	cs, err := e.st.SyncChanges(e.ctx, e.org.ID, runID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.SyncChange
	for _, c := range cs {
		if len(kinds) == 0 || slices.Contains(kinds, c.Kind) {
			out = append(out, c)
		}
	}
	return out
}

// names returns the Name of each change, sorted, with its state.
func names(cs []store.SyncChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name + "/" + c.State
	}
	sort.Strings(out)
	return out
}

// versions snapshots the version of every resource of src.
func (e *engEnv) versions(src Source) map[string]int64 {
	e.t.Helper()
	out := map[string]int64{}
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		err := e.st.EachBySource(e.ctx, e.org.ID, directory.DirectorySource(src.Name), kind, func(r store.Resource) error {
			out[r.ID] = r.Version
			return nil
		})
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

// totals counts every live user and team of the organization.
func (e *engEnv) totals() (users, teams int) {
	e.t.Helper()
	for _, k := range []store.Kind{store.KindUser, store.KindGroup} {
		p, err := e.st.List(e.ctx, e.org.ID, k, store.Query{})
		if err != nil {
			e.t.Fatal(err)
		}
		if k == store.KindUser {
			users = p.Total
		} else {
			teams = p.Total
		}
	}
	return users, teams
}

// changeCounts is a run's counts without the read counters.
func changeCounts(r store.SyncRun) map[string]int {
	out := map[string]int{}
	for k, v := range r.Counts {
		if k != "users_read" && k != "groups_read" {
			out[k] = v
		}
	}
	return out
}

func intp(v int) *int           { return &v }
func floatp(v float64) *float64 { return &v }

// loose are thresholds that never hold.
func loose() Thresholds {
	return Thresholds{MaxDeactivations: intp(1 << 30), MaxDeactivationPercent: floatp(100),
		MaxMembershipRemovals: intp(1 << 30), MaxMembershipRemovalPercent: floatp(100)}
}

// slapdSource is an openldap source over a test OU, bound as the
// unlimited reader, paging by 50, with loose thresholds.
func slapdSource(s *ldaptest.Server, base string) Source {
	return Source{
		Name: "corp", URL: s.URL, BindDN: s.ReaderDN, BindPasswordFile: s.ReaderPasswordFile,
		Preset: PresetOpenLDAP, UserBaseDN: "ou=people," + base, GroupBaseDN: "ou=groups," + base,
		PageSize: 50, Thresholds: loose(),
	}
}

// adSource is an activedirectory source over the fake AD.
func adSource(t *testing.T, srv *adtest.Server) Source {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "ad.password")
	if err := os.WriteFile(pw, []byte(srv.BindPassword()), 0o600); err != nil {
		t.Fatal(err)
	}
	return Source{
		Name: "ad", URL: srv.URL(), BindDN: srv.BindDN(), BindPasswordFile: pw,
		Preset: PresetActiveDirectory, BaseDN: srv.BaseDN(),
		UserBaseDN: "OU=Staff," + srv.BaseDN(), GroupBaseDN: "OU=Groups," + srv.BaseDN(),
		PageSize: 20, Thresholds: loose(),
	}
}

// isLocked reports whether err is ErrLocked.
func isLocked(err error) bool { return errors.Is(err, ErrLocked) }

// guidOf parses an objectGUID in its string form (a user's SourceID).
func guidOf(t *testing.T, s string) adtest.GUID {
	t.Helper()
	g, err := adtest.ParseGUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
