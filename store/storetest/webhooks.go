package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// WebhookBackend is a store that keeps webhooks.
type WebhookBackend interface {
	store.Store
	store.WebhookStore
}

// RunWebhooks runs the webhook conformance tests; open is as for Run.
func RunWebhooks(t *testing.T, open func(t *testing.T) WebhookBackend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture, s WebhookBackend)
	}{
		{"CRUD", testWebhookCRUD},
		{"Lease", testWebhookLease},
		{"ConcurrentClaims", testWebhookConcurrentClaims},
		{"Enabled", testWebhookEnabled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.fn(t, newFixture(t, s), s)
		})
	}
}

func (f *fixture) webhook(s WebhookBackend, id string, opts ...func(*store.Webhook)) store.Webhook {
	f.t.Helper()
	w := store.Webhook{OrgID: f.org, ID: id, URL: "https://hooks.example.com/" + id, Secret: "s3cret-" + id,
		Format: "json", Enabled: true}
	for _, o := range opts {
		o(&w)
	}
	if err := s.CreateWebhook(f.ctx, w); err != nil {
		f.t.Fatalf("CreateWebhook(%q): %v", id, err)
	}
	return w
}

// recordEvents writes n users through a recording view, one event each.
func (f *fixture) recordEvents(n int) {
	f.t.Helper()
	w := f.s.Recording(func(_ context.Context, _ store.Tx, ch store.Change) ([]store.Event, error) {
		return []store.Event{{Type: "user.created", Kind: store.KindUser, ResourceID: ch.After.ID}}, nil
	})
	for range n {
		r := store.Resource{OrgID: f.org, ID: newID(), Kind: store.KindUser, Name: newID(), Active: true,
			Source: "scim", Attrs: map[string]any{}}
		r.Attrs["userName"] = r.Name
		if _, err := w.Create(f.ctx, r, nil); err != nil {
			f.t.Fatalf("Create: %v", err)
		}
	}
}

func testWebhookCRUD(t *testing.T, f *fixture, s WebhookBackend) {
	a := f.webhook(s, "a", func(w *store.Webhook) {
		w.Events = []string{"user.created", "leaver"}
		w.Format = "set"
		w.State.Cursor = 7
	})
	f.webhook(s, "b")
	got, err := s.Webhook(f.ctx, f.org, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != a.URL || got.Secret != a.Secret || got.Format != "set" || !got.Enabled ||
		!reflect.DeepEqual(got.Events, a.Events) || got.State.Cursor != 7 || got.Created.IsZero() {
		t.Errorf("Webhook = %+v; want what was created, %+v", got, a)
	}
	if b, _ := s.Webhook(f.ctx, f.org, "b"); b.Events != nil || b.State.Attempts != 0 || b.State.LastSuccess != nil {
		t.Errorf("webhook without filter or state reads back %+v", b)
	}
	if err := s.CreateWebhook(f.ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateWebhook with a taken id: %v; want ErrConflict", err)
	}
	a.OrgID, a.ID = "no-such-org", "c"
	if err := s.CreateWebhook(f.ctx, a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateWebhook in an unknown organization: %v; want ErrNotFound", err)
	}
	other := f.newOrg("other")
	if _, err := s.Webhook(f.ctx, other, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another organization reads the webhook: %v", err)
	}
	f.recordEvents(3)
	list, err := s.Webhooks(f.ctx, f.org)
	if err != nil || len(list) != 2 || list[0].ID != "a" || list[1].ID != "b" {
		t.Fatalf("Webhooks = %+v, %v; want a then b", list, err)
	}
	if list[0].LatestSeq != 3 {
		t.Errorf("LatestSeq = %d; want 3 after three events", list[0].LatestSeq)
	}
	if l, _ := s.Webhooks(f.ctx, other); len(l) != 0 {
		t.Errorf("another organization lists %d webhooks", len(l))
	}
	if err := s.DeleteWebhook(f.ctx, other, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteWebhook from another organization: %v; want ErrNotFound", err)
	}
	if err := s.DeleteWebhook(f.ctx, f.org, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhook(f.ctx, f.org, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted webhook still reads: %v", err)
	}
	if err := s.DeleteWebhook(f.ctx, f.org, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: %v; want ErrNotFound", err)
	}
}

func testWebhookLease(t *testing.T, f *fixture, s WebhookBackend) {
	f.webhook(s, "h")
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := store.Lease{Owner: "a", Until: now.Add(time.Minute)}
	b := store.Lease{Owner: "b", Until: now.Add(time.Minute)}
	claim := func(l store.Lease, at time.Time) (store.Webhook, bool) {
		t.Helper()
		w, ok, err := s.ClaimWebhook(f.ctx, f.org, "h", l, at)
		if err != nil {
			t.Fatalf("ClaimWebhook(%s): %v", l.Owner, err)
		}
		return w, ok
	}
	w, ok := claim(a, now)
	if !ok || w.Lease.Owner != "a" || !w.Lease.Until.Equal(a.Until) {
		t.Fatalf("first claim = %+v, %v; want a's lease", w.Lease, ok)
	}
	if _, ok := claim(b, now.Add(time.Second)); ok {
		t.Fatal("b claimed a lease a holds")
	}
	if _, ok := claim(a, now.Add(time.Second)); !ok {
		t.Fatal("a could not renew its own lease")
	}
	last := now.Add(2 * time.Second)
	st := store.WebhookState{Cursor: 4, Attempts: 0, LastAttempt: &last, LastSuccess: &last, LastStatus: 204}
	if err := s.SaveWebhookState(f.ctx, f.org, "h", a, 0, st); err != nil {
		t.Fatalf("SaveWebhookState by the holder: %v", err)
	}
	if err := s.SaveWebhookState(f.ctx, f.org, "h", a, 0, st); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Errorf("SaveWebhookState from a stale cursor: %v; want ErrPreconditionFailed", err)
	}
	// a's lease expires; b takes over and a can no longer write.
	w, ok = claim(b, a.Until.Add(time.Second))
	if !ok || w.State.Cursor != 4 || w.State.LastStatus != 204 || w.State.LastSuccess == nil || !w.State.LastSuccess.Equal(last) {
		t.Fatalf("claim after expiry = %+v, %v; want b's lease and the saved state", w, ok)
	}
	next := now.Add(time.Hour)
	fail := store.WebhookState{Cursor: 4, Attempts: 3, NextAttempt: next, LastAttempt: &last, LastSuccess: &last,
		LastStatus: 500, LastError: "HTTP 500"}
	if err := s.SaveWebhookState(f.ctx, f.org, "h", a, 4, fail); !errors.Is(err, store.ErrPreconditionFailed) {
		t.Errorf("SaveWebhookState after losing the lease: %v; want ErrPreconditionFailed", err)
	}
	if err := s.SaveWebhookState(f.ctx, f.org, "h", b, 4, fail); err != nil {
		t.Fatal(err)
	}
	got, err := s.Webhook(f.ctx, f.org, "h")
	if err != nil {
		t.Fatal(err)
	}
	if got.State.Attempts != 3 || !got.State.NextAttempt.Equal(next) || got.State.LastError != "HTTP 500" {
		t.Errorf("state = %+v; want the failure saved", got.State)
	}
	if err := s.ReleaseWebhook(f.ctx, f.org, "h", "a"); err != nil {
		t.Fatal(err)
	}
	if _, ok := claim(a, now.Add(3*time.Second)); ok {
		t.Fatal("a release by a non-holder freed b's lease")
	}
	if err := s.ReleaseWebhook(f.ctx, f.org, "h", "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := claim(a, now.Add(3*time.Second)); !ok {
		t.Fatal("a could not claim a released lease")
	}
}

func testWebhookConcurrentClaims(t *testing.T, f *fixture, s WebhookBackend) {
	f.webhook(s, "h")
	now := time.Now().UTC()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var winners []string
	start := make(chan struct{})
	for i := range 8 {
		owner := string(rune('a' + i))
		wg.Go(func() {
			<-start
			_, ok, err := s.ClaimWebhook(f.ctx, f.org, "h", store.Lease{Owner: owner, Until: now.Add(time.Minute)}, now)
			if err != nil {
				t.Errorf("ClaimWebhook: %v", err)
			}
			if ok {
				mu.Lock()
				winners = append(winners, owner)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d concurrent claims won (%v); want exactly one", len(winners), winners)
	}
}

func testWebhookEnabled(t *testing.T, f *fixture, s WebhookBackend) {
	next := time.Now().UTC().Add(time.Hour)
	f.webhook(s, "on")
	f.webhook(s, "off", func(w *store.Webhook) { w.State.NextAttempt = next; w.State.Attempts = 5 })
	if err := s.SetWebhookEnabled(f.ctx, f.org, "off", false); err != nil {
		t.Fatal(err)
	}
	other := f.newOrg("other")
	if err := s.CreateWebhook(f.ctx, store.Webhook{OrgID: other, ID: "x", URL: "https://x.example.com",
		Secret: "k", Format: "json", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	list, err := s.EnabledWebhooks(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, w := range list {
		ids[w.ID] = true
	}
	if len(list) != 2 || !ids["on"] || !ids["x"] {
		t.Errorf("EnabledWebhooks = %v; want on and x (every organization, enabled only)", ids)
	}
	if _, ok, err := s.ClaimWebhook(f.ctx, f.org, "off", store.Lease{Owner: "a", Until: next}, time.Now()); err != nil || ok {
		t.Errorf("claimed a disabled webhook: %v, %v", ok, err)
	}
	if err := s.SetWebhookEnabled(f.ctx, f.org, "off", true); err != nil {
		t.Fatal(err)
	}
	w, err := s.Webhook(f.ctx, f.org, "off")
	if err != nil || !w.Enabled || !w.State.NextAttempt.IsZero() || w.State.Attempts != 5 {
		t.Errorf("enabled webhook = %+v, %v; want enabled, due now, attempts kept", w, err)
	}
	if err := s.SetWebhookEnabled(f.ctx, f.org, "nope", true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetWebhookEnabled of an unknown webhook: %v", err)
	}
}
