package webhook_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/webhook"
)

// TestDeliverSignedInOrder: many events for several resources, written
// while the worker runs, reach a real receiver signed, once each, in Seq
// order, through failures: the first event fails twice then succeeds, and
// every fourth event fails once.
func TestDeliverSignedInOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newFixture(t, openStore(t, url), "acme")
		f.user("before-the-webhook") // not replayed: delivery starts after it
		rcv := newReceiver(t)
		h := f.hook(rcv.srv.URL, nil, false)
		rcv.secret = func() string { return h.Secret }

		start := h.State.Cursor
		var mu sync.Mutex
		var seenBeforeThird store.Webhook
		rcv.setAnswer(func(d delivery, n int) int {
			switch {
			case d.seq == start+1 && n < 2:
				return http.StatusInternalServerError
			case d.seq == start+1:
				mu.Lock()
				seenBeforeThird = f.state(h.ID)
				mu.Unlock()
			case (d.seq-start)%4 == 0 && n == 0:
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		reg := prometheus.NewRegistry()
		startWorker(t, f.st, func(c *webhook.Config) { c.Registerer = reg })

		users := make([]string, 4)
		for i := range users {
			users[i] = f.user(fmt.Sprintf("user%d", i))
		}
		for round := range 3 {
			for i, id := range users {
				f.set(id, "title", fmt.Sprintf("title %d.%d", i, round))
			}
		}
		if _, err := f.dir.Create(f.ctx, f.actor, store.Resource{Kind: store.KindGroup,
			Attrs: map[string]any{"displayName": "eng"}}, users[:2]); err != nil {
			t.Fatal(err)
		}
		want := f.events(start)
		if len(want) != 4+12+1+2 {
			t.Fatalf("%d events written; want 19", len(want))
		}
		waitFor(t, rcv, "every event acknowledged", func() bool { return len(rcv.acked()) >= len(want) })
		reqs := rcv.requests()
		checkStream(t, reqs, want)

		// The first event: attempts 1, 2 and 3, answered 500, 500, 200.
		var first []string
		for _, d := range reqs {
			if d.id == want[0].ID {
				first = append(first, fmt.Sprintf("%d:%d", d.attempt, d.status))
			}
		}
		if strings.Join(first, " ") != "1:500 2:500 3:200" {
			t.Errorf("first event's attempts = %v; want 1:500 2:500 3:200", first)
		}
		mu.Lock()
		s := seenBeforeThird.State
		mu.Unlock()
		if s.Attempts != 2 || s.LastStatus != 500 || !strings.Contains(s.LastError, "HTTP 500") ||
			s.NextAttempt.IsZero() || s.Cursor != start || s.LastAttempt == nil {
			t.Errorf("state when the third attempt arrived = %+v; want two failed attempts recorded", s)
		}
		for _, d := range reqs {
			p := payload(t, d.body)
			if p.ID != d.id || p.Seq != d.seq || p.Type != d.typ || p.OrgID != f.org || d.webhook != h.ID ||
				d.ctype != "application/json" || p.Resource.ID == "" || p.Time.IsZero() || p.Actor != "token:test" {
				t.Errorf("request for %s: headers and payload disagree: %+v / %s", d.id, d, d.body)
			}
		}
		if p := payload(t, reqs[len(reqs)-1].body); p.Resource.ID != users[1] || p.Type != directory.EventUserTeamsChanged {
			t.Errorf("last event = %+v; want user1's teams change (the group's events follow the group's creation)", p)
		}

		// The state records the success; the metrics count the outcomes.
		last := want[len(want)-1].Seq
		waitFor(t, rcv, "the cursor at the last event", func() bool { return f.state(h.ID).State.Cursor == last })
		if s := f.state(h.ID).State; s.Attempts != 0 || s.LastStatus != 200 || s.LastSuccess == nil || s.LastError != "" {
			t.Errorf("final state = %+v", s)
		}
		delivered, failed := counter(t, reg, "delivered"), counter(t, reg, "failed")
		if delivered < float64(len(want)) || failed < 2+4 {
			t.Errorf("deliveries_total: delivered %v, failed %v; want >= %d and >= 6", delivered, failed, len(want))
		}
	})
}

// counter reads scimd_webhook_deliveries_total{outcome}.
func counter(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "scimd_webhook_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestFilterAdvancesCursor: a webhook for leavers gets the deactivation
// only, and the events its filter passes over still move its cursor.
func TestFilterAdvancesCursor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newFixture(t, openStore(t, url), "acme")
		rcv := newReceiver(t)
		h := f.hook(rcv.srv.URL, func(w *store.Webhook) { w.Events = []string{directory.Leaver} }, true)
		rcv.secret = func() string { return h.Secret }
		a, b := f.user("a"), f.user("b")
		f.set(a, "active", false)
		f.set(b, "title", "boss")
		startWorker(t, f.st, nil)
		all := f.events(0)
		waitFor(t, rcv, "the cursor past every event", func() bool {
			return f.state(h.ID).State.Cursor == all[len(all)-1].Seq
		})
		reqs := rcv.requests()
		if len(reqs) != 1 || reqs[0].typ != directory.EventUserDeactivated || payload(t, reqs[0].body).Resource.ID != a {
			t.Fatalf("requests = %+v; want only a's deactivation", reqs)
		}
	})
}

// TestGoneDisables: a receiver answering 410 Gone disables its webhook.
func TestGoneDisables(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newFixture(t, openStore(t, url), "acme")
		rcv := newReceiver(t)
		rcv.setAnswer(func(delivery, int) int { return http.StatusGone })
		h := f.hook(rcv.srv.URL, nil, false)
		f.user("a")
		f.user("b")
		startWorker(t, f.st, nil)
		waitFor(t, rcv, "the webhook disabled", func() bool { return !f.state(h.ID).Enabled })
		s := f.state(h.ID).State
		if len(rcv.requests()) != 1 || s.Cursor != h.State.Cursor || s.LastStatus != 410 || !strings.Contains(s.LastError, "410") {
			t.Errorf("after 410: %d requests, state %+v; want one request, the event kept, the reason recorded",
				len(rcv.requests()), s)
		}
	})
}

// TestSETDelivery: a set-format webhook receives signed RFC 9967 tokens.
func TestSETDelivery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newFixture(t, openStore(t, url), "acme")
		rcv := newReceiver(t)
		h := f.hook(rcv.srv.URL, func(w *store.Webhook) { w.Format = webhook.FormatSET }, false)
		rcv.secret = func() string { return h.Secret }
		id := f.user("alice")
		f.set(id, "active", false)
		if err := f.dir.Delete(f.ctx, f.actor, store.KindUser, id, nil); err != nil {
			t.Fatal(err)
		}
		startWorker(t, f.st, nil)
		want := f.events(h.State.Cursor)
		waitFor(t, rcv, "every token", func() bool { return len(rcv.acked()) >= len(want) })
		checkStream(t, rcv.requests(), want)
		txn := map[string]string{}
		for _, e := range want {
			txn[e.ID] = e.Txn
		}
		var got []string
		for _, d := range rcv.requests() {
			c, err := webhook.DecodeSET(string(d.body), h.Secret)
			if err != nil || d.ctype != "application/secevent+jwt" {
				t.Fatalf("request %s: %v (content type %q)", d.id, err, d.ctype)
			}
			if c.Txn == "" || c.Txn != txn[d.id] || c.SubID.URI != "/Users/"+id || c.Aud != h.URL || c.Iss != "https://scimd.test" {
				t.Errorf("claims %+v", c)
			}
			var uris []string
			for u := range c.Events {
				uris = append(uris, strings.TrimPrefix(u, "urn:ietf:params:scim:event:"))
			}
			slices.Sort(uris)
			got = append(got, strings.Join(uris, "+"))
		}
		if w := "prov:create:notice prov:deactivate+prov:patch:notice prov:delete"; strings.Join(got, " ") != w {
			t.Errorf("SET events = %v; want %s", got, w)
		}
	})
}
