package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// recorder is a Hook that records one event per change, naming the
// operation, and remembers the changes it saw.
type recorder struct {
	mu      sync.Mutex
	changes []store.Change
	fail    error
}

func (rec *recorder) hook(_ context.Context, _ store.Tx, ch store.Change) ([]store.Event, error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.fail != nil {
		return nil, rec.fail
	}
	rec.changes = append(rec.changes, ch)
	r := ch.After
	data, _ := json.Marshal(map[string]any{"name": r.Name, "added": len(ch.Added), "removed": len(ch.Removed)})
	return []store.Event{{Type: string(r.Kind) + "." + string(ch.Op), Meaning: "m-" + string(ch.Op),
		Kind: r.Kind, ResourceID: r.ID, Actor: "test", Data: data}}, nil
}

func (rec *recorder) last() store.Change {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.changes[len(rec.changes)-1]
}

func (f *fixture) events(q store.EventQuery) []store.Event {
	f.t.Helper()
	evs, err := f.s.Events(f.ctx, f.org, q)
	if err != nil {
		f.t.Fatalf("Events(%+v): %v", q, err)
	}
	return evs
}

func eventTypes(evs []store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%d:%s", e.Seq, e.Type)
	}
	return out
}

// testEvents: a recording view stores the hook's events in the write's
// transaction, numbered per organization from 1 in commit order; a hook
// error aborts the write; plain writes record nothing.
func testEvents(t *testing.T, f *fixture) {
	rec := &recorder{}
	w := f.s.Recording(rec.hook)
	f.user("plain") // through the plain store: no event
	u := f.user("alice", func(r *store.Resource) { r.Active = false })
	if u.Joined != nil {
		t.Errorf("inactive user created with Joined %v; want nil", u.Joined)
	}
	g, err := w.Create(f.ctx, store.Resource{OrgID: f.org, ID: newID(), Kind: store.KindGroup, Name: "G",
		DisplayName: "G", Active: true, Attrs: map[string]any{"displayName": "G"}}, []string{u.ID})
	if err != nil {
		t.Fatalf("Create group: %v", err)
	}
	if ch := rec.last(); ch.Op != store.OpCreate || ch.Before != nil || len(ch.Added) != 1 ||
		ch.Added[0] != (store.Member{ID: u.ID, Kind: store.KindUser}) {
		t.Errorf("create change = %+v; want OpCreate adding the user", ch)
	}
	u2, err := w.Update(f.ctx, f.org, store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Active = true
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if u2.Joined == nil {
		t.Errorf("user made active has no Joined")
	}
	if ch := rec.last(); ch.Before.Active || !ch.After.Active || ch.Before.Joined != nil || ch.After.Joined == nil {
		t.Errorf("activation change before=%+v after=%+v; want inactive→active, Joined set", ch.Before, ch.After)
	}
	sub := f.group("Sub")
	if _, err := w.Update(f.ctx, f.org, store.KindGroup, g.ID, func(*store.Resource) (*store.MemberChange, error) {
		return &store.MemberChange{Remove: []string{u.ID, "nobody"}, Add: []string{sub.ID, sub.ID}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if ch := rec.last(); !reflect.DeepEqual(ch.Added, []store.Member{{ID: sub.ID, Kind: store.KindGroup}}) ||
		!reflect.DeepEqual(ch.Removed, []store.Member{{ID: u.ID, Kind: store.KindUser}}) {
		t.Errorf("member change added=%v removed=%v; want the sub-group added, the user removed", ch.Added, ch.Removed)
	}
	// An update that changes nothing records nothing.
	if _, err := w.Update(f.ctx, f.org, store.KindUser, u.ID, func(*store.Resource) (*store.MemberChange, error) {
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	// A hook error aborts the write and records nothing.
	veto := errors.New("refused")
	rec.fail = veto
	_, err = w.Update(f.ctx, f.org, store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs["title"] = "Boss"
		return nil, nil
	})
	if !errors.Is(err, veto) {
		t.Fatalf("Update with a failing hook = %v; want the hook's error", err)
	}
	if got := f.get(store.KindUser, u.ID); got.Attrs["title"] != nil || got.Version != u2.Version {
		t.Errorf("refused update was written: %+v", got)
	}
	rec.fail = nil
	if err := w.Archive(f.ctx, f.org, store.KindUser, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	evs := f.events(store.EventQuery{})
	want := []string{"1:Group.create", "2:User.update", "3:Group.update", "4:User.archive"}
	if got := eventTypes(evs); !reflect.DeepEqual(got, want) {
		t.Fatalf("events = %v; want %v", got, want)
	}
	if evs[0].ID == "" || evs[0].Time.IsZero() || evs[0].OrgID != f.org || evs[0].Actor != "test" {
		t.Errorf("event fields not filled: %+v", evs[0])
	}
	if n, err := f.s.LastEventSeq(f.ctx, f.org); err != nil || n != 4 {
		t.Errorf("LastEventSeq = %d, %v; want 4", n, err)
	}
	// Queries: after, limit, types (type or meaning), resource.
	if got := eventTypes(f.events(store.EventQuery{After: 1, Limit: 2})); !reflect.DeepEqual(got, want[1:3]) {
		t.Errorf("after 1 limit 2 = %v; want %v", got, want[1:3])
	}
	if got := eventTypes(f.events(store.EventQuery{Types: []string{"Group.create", "m-archive"}})); !reflect.DeepEqual(got, []string{want[0], want[3]}) {
		t.Errorf("types filter = %v", got)
	}
	if got := eventTypes(f.events(store.EventQuery{ResourceID: u.ID})); !reflect.DeepEqual(got, []string{want[1], want[3]}) {
		t.Errorf("resource filter = %v", got)
	}
	if got := f.events(store.EventQuery{Since: time.Now().Add(time.Hour)}); len(got) != 0 {
		t.Errorf("since the future = %v; want none", eventTypes(got))
	}
	// Another organization numbers its own events from 1 and sees none of these.
	other := f.newOrg("other")
	ow := f.s.Recording(rec.hook)
	if _, err := ow.Create(f.ctx, store.Resource{OrgID: other, ID: newID(), Kind: store.KindUser, Name: "bob",
		Active: true, Attrs: map[string]any{"userName": "bob"}}, nil); err != nil {
		t.Fatal(err)
	}
	oe, err := f.s.Events(f.ctx, other, store.EventQuery{})
	if err != nil || len(oe) != 1 || oe[0].Seq != 1 {
		t.Errorf("other org events = %v, %v; want one, seq 1", eventTypes(oe), err)
	}
}

// testSeats: AddSeats serializes an organization's writes, so a limit
// checked in the hook holds under concurrency.
func testSeats(t *testing.T, f *fixture) {
	const limit = 3
	hook := func(ctx context.Context, tx store.Tx, ch store.Change) ([]store.Event, error) {
		n, err := tx.AddSeats(ctx, 1)
		if err != nil {
			return nil, err
		}
		if n > limit {
			return nil, errors.New("over the limit")
		}
		return nil, nil
	}
	w := f.s.Recording(hook)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("u%d", i)
			_, err := w.Create(f.ctx, store.Resource{OrgID: f.org, ID: newID(), Kind: store.KindUser, Name: name,
				Active: true, Attrs: map[string]any{"userName": name}}, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
		}
	}
	page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if ok != limit || page.Total != limit {
		t.Errorf("%d creates succeeded, %d users stored; want exactly %d of each", ok, page.Total, limit)
	}
	f.user("off", func(r *store.Resource) { r.Active = false })
	active := store.Compare{Attr: store.Attr{Column: store.ColActive}, Op: store.OpEq, Value: true}
	if n, err := f.s.ResetSeats(f.ctx, f.org, active); err != nil || n != limit {
		t.Errorf("ResetSeats = %d, %v; want %d", n, err, limit)
	}
}

// testRestorePurge: archived resources can be listed, restored with their
// memberships, and purged to an anonymised tombstone.
func testRestorePurge(t *testing.T, f *fixture) {
	rec := &recorder{}
	w := f.s.Recording(rec.hook)
	u := f.user("alice", func(r *store.Resource) { r.Attrs["title"] = "Engineer" })
	g := f.group("G", u.ID)
	if _, err := w.Restore(f.ctx, f.org, store.KindUser, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Restore(live) = %v; want ErrNotFound", err)
	}
	if err := w.Purge(f.ctx, f.org, store.KindUser, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Purge(live) = %v; want ErrNotFound", err)
	}
	if err := w.Archive(f.ctx, f.org, store.KindUser, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Archived: true, Count: 10})
	if err != nil || page.Total != 1 || page.Resources[0].ID != u.ID || page.Resources[0].Archived == nil {
		t.Fatalf("List(archived) = %+v, %v; want alice", page, err)
	}
	if p, _ := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Archived: true, ArchivedBefore: time.Now().Add(-time.Hour)}); p.Total != 0 {
		t.Errorf("archived before an hour ago = %d; want 0", p.Total)
	}
	got, err := f.s.GetArchived(f.ctx, f.org, store.KindUser, u.ID)
	if err != nil || got.Attrs["title"] != "Engineer" {
		t.Fatalf("GetArchived = %+v, %v", got, err)
	}
	// The name was freed; while it is taken, Restore fails.
	taker := f.user("alice")
	if _, err := w.Restore(f.ctx, f.org, store.KindUser, u.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Restore with the name taken = %v; want ErrConflict", err)
	}
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, taker.ID, nil); err != nil {
		t.Fatal(err)
	}
	gv := f.get(store.KindGroup, g.ID).Version
	back, err := w.Restore(f.ctx, f.org, store.KindUser, u.ID)
	if err != nil || back.Archived != nil || back.Version <= got.Version {
		t.Fatalf("Restore = %+v, %v", back, err)
	}
	if ids := f.memberIDs(g.ID); !reflect.DeepEqual(ids, []string{u.ID}) {
		t.Errorf("members after restore = %v; want alice back", ids)
	}
	if v := f.get(store.KindGroup, g.ID).Version; v != gv+1 {
		t.Errorf("group v%d after its member's restore; want v%d", v, gv+1)
	}
	// Purge: only archived; the tombstone keeps nothing personal.
	if err := w.Archive(f.ctx, f.org, store.KindUser, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Purge(f.ctx, f.org, store.KindUser, u.ID); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if _, err := f.s.GetArchived(f.ctx, f.org, store.KindUser, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetArchived(purged) = %v; want ErrNotFound", err)
	}
	if p, _ := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Archived: true}); p.Total != 1 { // the taker only
		t.Errorf("archived users after purge = %d; want 1", p.Total)
	}
	for _, e := range f.events(store.EventQuery{ResourceID: u.ID}) {
		if e.Type != "User.purge" && string(e.Data) != "{}" {
			t.Errorf("event %d of a purged user keeps data %s", e.Seq, e.Data)
		}
	}
	if ch := rec.last(); ch.Op != store.OpPurge || ch.After.Name != "" || len(ch.After.Attrs) != 0 {
		t.Errorf("purge change after = %+v; want an anonymised resource", ch.After)
	}
	if _, err := w.Restore(f.ctx, f.org, store.KindUser, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Restore(purged) = %v; want ErrNotFound", err)
	}
}

// testPolicy: policies round-trip per organization.
func testPolicy(t *testing.T, f *fixture) {
	p, err := f.s.Policy(f.ctx, f.org)
	if err != nil || !reflect.DeepEqual(p, store.Policy{}) {
		t.Fatalf("Policy before any = %+v, %v; want the zero policy", p, err)
	}
	want := store.Policy{Roles: []store.CatalogEntry{{Value: "Admin", Description: "everything"}}, SeatLimit: 5,
		ExternalUserTypes: []string{"Contractor"}, DeleteMode: "deactivate", Immutable: []string{"userType"},
		Retention: 30 * 24 * time.Hour}
	if err := f.s.SetPolicy(f.ctx, f.org, want); err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.Policy(f.ctx, f.org); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Policy = %+v, %v; want %+v", got, err, want)
	}
	other := f.newOrg("other")
	if got, _ := f.s.Policy(f.ctx, other); !reflect.DeepEqual(got, store.Policy{}) {
		t.Errorf("another org's policy = %+v; want zero", got)
	}
	if err := f.s.SetPolicy(f.ctx, newID(), want); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPolicy(unknown org) = %v; want ErrNotFound", err)
	}
}
