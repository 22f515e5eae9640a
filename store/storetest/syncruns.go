package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// Conformance of store.SyncStore: run records, their changes, the source
// lookups and TryLock within one store (contention between stores is the
// backend's own test).

// newRun creates a run of source in org, started at started.
func (f *fixture) newRun(org, source string, started time.Time) store.SyncRun {
	f.t.Helper()
	r := store.SyncRun{OrgID: org, ID: newID(), Source: source, Trigger: "schedule", Started: started,
		Status: store.SyncRunning, Fingerprint: "fp-" + source}
	if err := f.s.CreateSyncRun(f.ctx, r); err != nil {
		f.t.Fatalf("CreateSyncRun(%s): %v", source, err)
	}
	return r
}

func runIDs(rs []store.SyncRun) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func testSyncRuns(t *testing.T, f *fixture) {
	t0 := time.Date(2025, 3, 4, 5, 6, 7, 891011000, time.UTC)
	run := store.SyncRun{OrgID: f.org, ID: newID(), Source: "corp", Trigger: "manual", Started: t0,
		Status: store.SyncRunning, Fingerprint: "abc123"}
	if err := f.s.CreateSyncRun(f.ctx, run); err != nil {
		t.Fatalf("CreateSyncRun: %v", err)
	}
	got, err := f.s.SyncRun(f.ctx, f.org, run.ID)
	if err != nil || !reflect.DeepEqual(got, run) || got.Started.Location() != time.UTC {
		t.Fatalf("SyncRun = %+v, %v; want %+v in UTC", got, err, run)
	}

	// Update replaces the mutable fields only.
	ended := t0.Add(90 * time.Second)
	upd := run
	upd.Ended, upd.Status, upd.Complete, upd.Error = &ended, store.SyncHeld, true, "12 deactivations above the threshold"
	upd.Counts = map[string]int{"create": 3, "deactivate": 12}
	changed := upd
	changed.Source, changed.Trigger, changed.Fingerprint, changed.Started = "other", "approval", "zzz", t0.Add(time.Hour)
	if err := f.s.UpdateSyncRun(f.ctx, changed); err != nil {
		t.Fatalf("UpdateSyncRun: %v", err)
	}
	if got, err = f.s.SyncRun(f.ctx, f.org, run.ID); err != nil || !reflect.DeepEqual(got, upd) {
		t.Fatalf("after UpdateSyncRun: %+v, %v; want %+v (source, trigger, fingerprint, started kept)", got, err, upd)
	}
	// And back: no end, no counts.
	upd.Ended, upd.Counts, upd.Status, upd.Error = nil, nil, store.SyncApproved, ""
	if err := f.s.UpdateSyncRun(f.ctx, upd); err != nil {
		t.Fatal(err)
	}
	if got, _ = f.s.SyncRun(f.ctx, f.org, run.ID); !reflect.DeepEqual(got, upd) {
		t.Errorf("after clearing: %+v; want %+v", got, upd)
	}

	// Errors.
	_, err = f.s.SyncRun(f.ctx, f.org, newID())
	wantErr(t, err, store.ErrNotFound, "SyncRun of an unknown id")
	wantErr(t, f.s.CreateSyncRun(f.ctx, run), store.ErrConflict, "CreateSyncRun with a taken id")
	wantErr(t, f.s.UpdateSyncRun(f.ctx, store.SyncRun{OrgID: f.org, ID: newID(), Status: store.SyncFailed}),
		store.ErrNotFound, "UpdateSyncRun of an unknown run")
	wantErr(t, f.s.CreateSyncRun(f.ctx, store.SyncRun{OrgID: newID(), ID: newID(), Source: "corp", Status: store.SyncRunning}),
		store.ErrNotFound, "CreateSyncRun for an unknown organization")
	for _, bad := range []store.SyncRun{
		{ID: newID(), Source: "corp", Status: store.SyncRunning},
		{OrgID: f.org, Source: "corp", Status: store.SyncRunning},
		{OrgID: f.org, ID: newID(), Status: store.SyncRunning},
		{OrgID: f.org, ID: newID(), Source: "corp"},
	} {
		if err := f.s.CreateSyncRun(f.ctx, bad); err == nil {
			t.Errorf("CreateSyncRun(%+v) succeeded", bad)
		}
	}

	// Started defaults to now.
	before := time.Now().Add(-time.Second)
	if got, _ := f.s.SyncRun(f.ctx, f.org, f.newRun(f.org, "hr", time.Time{}).ID); got.Started.Before(before) ||
		got.Started.After(time.Now().Add(time.Second)) {
		t.Errorf("run created without Started: started %v; want now", got.Started)
	}

	// Another organization sees none of it, and may reuse the id.
	other := f.newOrg("other")
	_, err = f.s.SyncRun(f.ctx, other, run.ID)
	wantErr(t, err, store.ErrNotFound, "SyncRun from another organization")
	if rs, err := f.s.SyncRuns(f.ctx, other, "", 0); err != nil || len(rs) != 0 {
		t.Errorf("SyncRuns(other) = %v, %v; want none", runIDs(rs), err)
	}
	hijack := upd
	hijack.OrgID, hijack.Status = other, store.SyncRejected
	wantErr(t, f.s.UpdateSyncRun(f.ctx, hijack), store.ErrNotFound, "UpdateSyncRun from another organization")
	theirs := run
	theirs.OrgID = other
	if err := f.s.CreateSyncRun(f.ctx, theirs); err != nil {
		t.Errorf("another organization's run with the same id: %v", err)
	}
	if got, _ := f.s.SyncRun(f.ctx, f.org, run.ID); got.Status != store.SyncApproved {
		t.Errorf("our run after another organization's writes: %+v", got)
	}
}

func testSyncRunsOrder(t *testing.T, f *fixture) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var corp, all []string // newest first
	for i := range 30 {
		src := "corp"
		if i%3 == 0 {
			src = "hr"
		}
		r := f.newRun(f.org, src, t0.Add(time.Duration(i)*time.Minute))
		all = append([]string{r.ID}, all...)
		if src == "corp" {
			corp = append([]string{r.ID}, corp...)
		}
	}
	// Two runs started at the same instant: the greater id first.
	tie := t0.Add(time.Hour)
	first, second := f.newRun(f.org, "corp", tie).ID, f.newRun(f.org, "corp", tie).ID
	if first < second {
		first, second = second, first
	}
	all = append([]string{first, second}, all...)
	corp = append([]string{first, second}, corp...)
	f.newRun(f.newOrg("other"), "corp", tie.Add(time.Hour)) // not ours

	check := func(source string, limit int, want []string) {
		t.Helper()
		rs, err := f.s.SyncRuns(f.ctx, f.org, source, limit)
		if err != nil || !slices.Equal(runIDs(rs), want) {
			t.Errorf("SyncRuns(%q, %d) = %v, %v;\n want %v", source, limit, runIDs(rs), err, want)
		}
	}
	check("", 100, all)
	check("corp", 100, corp)
	check("corp", 3, corp[:3])
	check("", 1, all[:1])
	check("nobody", 10, nil)

	// limit <= 0 is a default of at least 20 and at most all runs.
	for _, limit := range []int{0, -1} {
		rs, err := f.s.SyncRuns(f.ctx, f.org, "", limit)
		if err != nil || len(rs) < 20 || !slices.Equal(runIDs(rs), all[:len(rs)]) {
			t.Errorf("SyncRuns(limit %d) = %d runs, %v; want the newest, at least 20", limit, len(rs), err)
		}
	}
}

// changes makes n changes of a run, seqs from..from+n-1, in shuffled order.
func changes(org, run string, from, n int) []store.SyncChange {
	kinds := []string{"create", "update", "deactivate", "member_add", "conflict"}
	out := make([]store.SyncChange, n)
	for i := range out {
		seq := from + i
		c := store.SyncChange{OrgID: org, RunID: run, Seq: seq, Kind: kinds[seq%len(kinds)],
			ResourceID: fmt.Sprintf("res-%d", seq), SourceID: fmt.Sprintf("src-%d", seq), Name: fmt.Sprintf("user%d", seq),
			State: store.ChangeHeld}
		if seq%4 != 0 {
			c.Detail = json.RawMessage(fmt.Sprintf(`{"attrs":["title","mail"],"seq":%d,"why":"é \"quoted\""}`, seq))
		}
		out[i] = c
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// sameChanges compares changes by value, Detail as JSON.
func sameChanges(t *testing.T, got, want []store.SyncChange, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d changes; want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if (g.Detail == nil) != (w.Detail == nil) {
			t.Fatalf("%s: change %d detail %s; want %s", what, i, g.Detail, w.Detail)
		}
		if w.Detail != nil {
			sameJSON(t, g.Detail, string(w.Detail), fmt.Sprintf("%s: detail of change %d", what, w.Seq))
		}
		g.Detail, w.Detail = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: change %d = %+v; want %+v", what, i, g, w)
		}
	}
}

func bySeq(cs []store.SyncChange) []store.SyncChange {
	out := slices.Clone(cs)
	slices.SortFunc(out, func(a, b store.SyncChange) int { return a.Seq - b.Seq })
	return out
}

func testSyncChanges(t *testing.T, f *fixture) {
	run := f.newRun(f.org, "corp", time.Time{})
	const n = 2500 // several INSERT batches
	cs := changes(f.org, run.ID, 1, n)
	if err := f.s.AddSyncChanges(f.ctx, cs); err != nil {
		t.Fatalf("AddSyncChanges(%d): %v", n, err)
	}
	want := bySeq(cs)
	got, err := f.s.SyncChanges(f.ctx, f.org, run.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	sameChanges(t, got, want, "SyncChanges")
	if err := f.s.AddSyncChanges(f.ctx, nil); err != nil {
		t.Errorf("AddSyncChanges(nil): %v", err)
	}

	// All or nothing: a taken seq in a later batch adds none of the batch.
	more := changes(f.org, run.ID, n+1, 1500)
	more[1200].Seq = 7
	wantErr(t, f.s.AddSyncChanges(f.ctx, more), store.ErrConflict, "AddSyncChanges with a taken seq")
	wantErr(t, f.s.AddSyncChanges(f.ctx, changes(f.org, newID(), 1, 3)), store.ErrNotFound, "AddSyncChanges to an unknown run")
	for _, bad := range []store.SyncChange{
		{OrgID: f.org, RunID: run.ID, Seq: 0, Kind: "create", State: store.ChangeApplied},
		{OrgID: f.org, RunID: run.ID, Seq: n + 1, State: store.ChangeApplied},
		{OrgID: f.org, RunID: run.ID, Seq: n + 1, Kind: "create"},
		{OrgID: f.org, RunID: run.ID, Seq: n + 1, Kind: "create", State: store.ChangeApplied, Detail: json.RawMessage(`{"a":`)},
		{RunID: run.ID, Seq: n + 1, Kind: "create", State: store.ChangeApplied},
	} {
		if err := f.s.AddSyncChanges(f.ctx, []store.SyncChange{bad}); err == nil {
			t.Errorf("AddSyncChanges(%+v) succeeded", bad)
		}
	}
	if got, _ := f.s.SyncChanges(f.ctx, f.org, run.ID, ""); len(got) != n {
		t.Fatalf("rejected AddSyncChanges left %d changes; want %d", len(got), n)
	}

	// Approve most (more seqs than one UPDATE takes), reject a few; seqs
	// the run does not have are ignored.
	var approve []int
	for s := 1; s <= n; s++ {
		if s%10 != 0 {
			approve = append(approve, s)
		}
	}
	reject := []int{10, 20, 30}
	if err := f.s.SetSyncChangeState(f.ctx, f.org, run.ID, append(approve, n+5, -1), store.ChangeApplied); err != nil {
		t.Fatalf("SetSyncChangeState: %v", err)
	}
	if err := f.s.SetSyncChangeState(f.ctx, f.org, run.ID, reject, store.ChangeRejected); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetSyncChangeState(f.ctx, f.org, run.ID, nil, store.ChangeApplied); err != nil {
		t.Errorf("SetSyncChangeState(no seqs): %v", err)
	}
	var applied, rejected, held []store.SyncChange
	for _, c := range want {
		switch {
		case slices.Contains(reject, c.Seq):
			c.State = store.ChangeRejected
			rejected = append(rejected, c)
		case c.Seq%10 != 0:
			c.State = store.ChangeApplied
			applied = append(applied, c)
		default:
			held = append(held, c)
		}
	}
	for _, st := range []struct {
		state string
		want  []store.SyncChange
	}{{store.ChangeApplied, applied}, {store.ChangeRejected, rejected}, {store.ChangeHeld, held}, {store.ChangePlanned, nil}} {
		got, err := f.s.SyncChanges(f.ctx, f.org, run.ID, st.state)
		if err != nil {
			t.Fatal(err)
		}
		sameChanges(t, got, st.want, "SyncChanges("+st.state+")")
	}
	wantErr(t, f.s.SetSyncChangeState(f.ctx, f.org, newID(), []int{1}, store.ChangeApplied), store.ErrNotFound,
		"SetSyncChangeState of an unknown run")

	// Another organization sees none of it; its run with the same id has
	// its own changes.
	other := f.newOrg("other")
	if got, err := f.s.SyncChanges(f.ctx, other, run.ID, ""); err != nil || len(got) != 0 {
		t.Errorf("SyncChanges from another organization = %d changes, %v; want none", len(got), err)
	}
	wantErr(t, f.s.SetSyncChangeState(f.ctx, other, run.ID, []int{10}, store.ChangeApplied), store.ErrNotFound,
		"SetSyncChangeState from another organization")
	wantErr(t, f.s.AddSyncChanges(f.ctx, changes(other, run.ID, n+1, 1)), store.ErrNotFound,
		"AddSyncChanges to our run under another organization")
	theirRun := run
	theirRun.OrgID = other
	if err := f.s.CreateSyncRun(f.ctx, theirRun); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddSyncChanges(f.ctx, changes(other, run.ID, 1, 5)); err != nil { // same seqs as ours
		t.Fatalf("AddSyncChanges for another organization's run with our run's id: %v", err)
	}
	if err := f.s.SetSyncChangeState(f.ctx, other, run.ID, []int{1, 2, 3, 4, 5}, store.ChangeSkipped); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.SyncChanges(f.ctx, f.org, run.ID, store.ChangeSkipped); len(got) != 0 {
		t.Errorf("another organization's SetSyncChangeState changed %d of ours", len(got))
	}
	if got, _ := f.s.SyncChanges(f.ctx, other, run.ID, ""); len(got) != 5 || got[0].OrgID != other {
		t.Errorf("SyncChanges(other) = %d changes; want their 5", len(got))
	}
}

// bulkCreator is a store that can insert many resources at once
// (sqlstore.Store.CreateMany); the suite falls back to Create without it.
type bulkCreator interface {
	CreateMany(ctx context.Context, rs []store.Resource) error
}

func (f *fixture) createAll(rs []store.Resource) {
	f.t.Helper()
	if b, ok := f.s.(bulkCreator); ok {
		if err := b.CreateMany(f.ctx, rs); err != nil {
			f.t.Fatalf("CreateMany(%d): %v", len(rs), err)
		}
		return
	}
	for _, r := range rs {
		if _, err := f.s.Create(f.ctx, r, nil); err != nil {
			f.t.Fatalf("Create(%s): %v", r.Name, err)
		}
	}
}

func testSyncSources(t *testing.T, f *fixture) {
	const src = "ldap:corp"
	owned := func(sid string) func(*store.Resource) {
		return func(r *store.Resource) { r.Source, r.SourceID = src, sid }
	}
	alice, bob := f.user("alice", owned("u-a")), f.user("bob", owned("u-b"))
	gone := f.user("gone", owned("u-gone"))
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, gone.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.user("carol", func(r *store.Resource) { r.Source, r.SourceID = "ldap:other", "u-c" })
	dave := f.user("dave", owned("u-d"))
	f.user("scim-user") // source scim, no source id
	grp := f.create(f.org, store.KindGroup, "Eng", nil, owned("u-a"))
	other := f.newOrg("other")
	f.create(other, store.KindUser, "alice", nil, owned("u-a"))
	f.create(other, store.KindUser, "zed", nil, owned("u-z"))

	// 1200 ids (several IN lists), the matches spread across them, with a
	// duplicate and an empty id.
	ids := make([]string, 1200)
	for i := range ids {
		ids[i] = fmt.Sprintf("missing-%d", i)
	}
	ids[0], ids[700], ids[1199], ids[3], ids[5] = "u-a", "u-b", "u-gone", "u-c", "u-z"
	ids = append(ids, "u-a", "")
	got, err := f.s.BySourceIDs(f.ctx, f.org, src, store.KindUser, ids)
	if err != nil || len(got) != 2 {
		t.Errorf("BySourceIDs = %v, %v; want u-a and u-b", got, err)
	}
	sameResource(t, got["u-a"], alice, "BySourceIDs[u-a]")
	sameResource(t, got["u-b"], bob, "BySourceIDs[u-b]")
	groups, err := f.s.BySourceIDs(f.ctx, f.org, src, store.KindGroup, []string{"u-a", "u-b"})
	if err != nil || len(groups) != 1 || groups["u-a"].ID != grp.ID {
		t.Errorf("BySourceIDs(groups) = %v, %v; want only Eng", groups, err)
	}
	if none, err := f.s.BySourceIDs(f.ctx, f.org, src, store.KindUser, nil); err != nil || len(none) != 0 {
		t.Errorf("BySourceIDs(no ids) = %v, %v", none, err)
	}
	theirs, err := f.s.BySourceIDs(f.ctx, other, src, store.KindUser, []string{"u-a", "u-b", "u-d"})
	if err != nil || len(theirs) != 1 || theirs["u-a"].OrgID != other {
		t.Errorf("BySourceIDs(other) = %v, %v; want only their u-a", theirs, err)
	}

	// EachBySource over more than one batch; fn writes to the store.
	const n = 2500
	bulk := Users(f.org, n)
	want := map[string]bool{alice.ID: true, bob.ID: true, dave.ID: true}
	for i := range bulk {
		bulk[i].Source, bulk[i].SourceID = src, fmt.Sprintf("bulk-%05d", n-i) // not in id order
		if i%500 == 0 {
			bulk[i].SourceID = "u-a" // a shared source id: both visited
		}
		want[bulk[i].ID] = true
	}
	f.createAll(bulk)
	visited := f.walkSource(f.org, src, store.KindUser, nil)
	if len(visited) != len(want) {
		t.Errorf("EachBySource visited %d; want %d", len(visited), len(want))
	}
	for _, id := range visited {
		if !want[id] {
			t.Fatalf("EachBySource visited %s, which is not the source's", id)
		}
	}
	// fn writes to the store: every 25th resource visited is deactivated.
	deactivated := 0
	deactivate := func(r store.Resource) error {
		if deactivated++; deactivated%25 != 0 {
			return nil
		}
		_, err := f.s.Update(f.ctx, f.org, store.KindUser, r.ID, func(r *store.Resource) (*store.MemberChange, error) {
			r.Active, r.InactiveReason = false, "ldap_left"
			return nil, nil
		})
		return err
	}
	if seen := f.walkSource(f.org, src, store.KindUser, deactivate); len(seen) != len(want) {
		t.Errorf("EachBySource with writes visited %d; want %d", len(seen), len(want))
	}
	page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{
		Filter: store.Compare{Attr: store.Attr{Column: store.ColActive}, Op: store.OpEq, Value: false}})
	if err != nil || page.Total != len(want)/25 {
		t.Errorf("after deactivating in EachBySource: %d inactive, %v; want %d", page.Total, err, len(want)/25)
	}

	// An error from fn stops the walk and comes back.
	stop := errors.New("stop")
	calls := 0
	err = f.s.EachBySource(f.ctx, f.org, src, store.KindUser, func(store.Resource) error {
		calls++
		if calls == 1500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 1500 {
		t.Errorf("EachBySource with a failing fn: %v after %d calls; want stop after 1500", err, calls)
	}
	if g := f.walkSource(f.org, src, store.KindGroup, nil); len(g) != 1 || g[0] != grp.ID {
		t.Errorf("EachBySource(groups) = %v; want Eng", g)
	}
	if o := f.walkSource(other, src, store.KindUser, nil); len(o) != 2 {
		t.Errorf("EachBySource(other) visited %d; want their 2", len(o))
	}
}

// walkSource runs EachBySource, with fn (if any) called on each resource,
// and returns the ids visited, checking that none is visited twice
// and that every one is live and the source's.
func (f *fixture) walkSource(org, source string, kind store.Kind, fn func(store.Resource) error) []string {
	f.t.Helper()
	var ids []string
	seen := map[string]bool{}
	err := f.s.EachBySource(f.ctx, org, source, kind, func(r store.Resource) error {
		if seen[r.ID] {
			f.t.Errorf("EachBySource visited %s twice", r.ID)
		}
		seen[r.ID] = true
		if r.OrgID != org || r.Source != source || r.Kind != kind || r.Archived != nil {
			f.t.Errorf("EachBySource visited %+v", r)
		}
		ids = append(ids, r.ID)
		if fn != nil {
			return fn(r)
		}
		return nil
	})
	if err != nil {
		f.t.Fatalf("EachBySource: %v", err)
	}
	return ids
}
