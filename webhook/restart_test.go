package webhook_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/webhook"
)

// TestRestartLosesNothing stops the worker and closes the store while the
// receiver is failing, writes more events, and starts a new worker on a
// new store of the same database: every event arrives, in order, none
// missing, and the retried event carries its attempt count from before the
// restart.
func TestRestartLosesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		st1 := openStore(t, url)
		f := newFixture(t, st1, "acme")
		rcv := newReceiver(t)
		h := f.hook(rcv.srv.URL, nil, false)
		rcv.secret = func() string { return h.Secret }
		var failing atomic.Bool
		rcv.setAnswer(func(d delivery, n int) int {
			if d.seq-h.State.Cursor > 3 {
				failing.Store(true)
			}
			if failing.Load() {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		for i := range 6 {
			f.user(fmt.Sprintf("u%d", i))
		}
		_, stop := startWorker(t, st1, nil)
		waitFor(t, rcv, "three acknowledged and two failures recorded", func() bool {
			return len(rcv.acked()) == 3 && f.state(h.ID).State.Attempts >= 2
		})
		stop()
		if err := st1.Close(); err != nil {
			t.Fatal(err)
		}

		// scimd restarts: a new store, more events, a new worker.
		f2 := f.reopen(openStore(t, url))
		for i := range 4 {
			f2.user(fmt.Sprintf("v%d", i))
		}
		persisted := f2.state(h.ID).State
		if persisted.Attempts < 2 || persisted.Cursor != h.State.Cursor+3 || persisted.LastStatus != 500 {
			t.Fatalf("persisted state %+v; want the cursor after three events and the failures counted", persisted)
		}
		rcv.setAnswer(nil) // the receiver recovers
		startWorker(t, f2.st, nil)
		want := f2.events(h.State.Cursor)
		waitFor(t, rcv, "every event acknowledged", func() bool { return len(rcv.acked()) >= len(want) })
		reqs := rcv.requests()
		checkStream(t, reqs, want)
		// The new worker's first request (the first success) carries on
		// the attempt count of the old one.
		for _, d := range reqs {
			if d.status == http.StatusOK && d.id == want[3].ID && d.attempt != persisted.Attempts+1 {
				t.Errorf("the retried event's attempt after the restart = %d; want %d", d.attempt, persisted.Attempts+1)
			}
		}
	})
}

// TestOneWorkerPerWebhook: two workers on two stores of one database (two
// replicas) deliver a webhook one request at a time, in order, each event
// acknowledged once.
func TestOneWorkerPerWebhook(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newFixture(t, openStore(t, url), "acme")
		other := openStore(t, url)
		rcv := newReceiver(t)
		h := f.hook(rcv.srv.URL, nil, false)
		rcv.secret = func() string { return h.Secret }
		rcv.setAnswer(func(d delivery, n int) int {
			if d.seq%5 == 0 && n == 0 {
				return http.StatusBadGateway
			}
			return http.StatusOK
		})
		startWorker(t, f.st, func(c *webhook.Config) { c.Owner = "replica-a" })
		startWorker(t, other, func(c *webhook.Config) { c.Owner = "replica-b" })
		for i := range 20 {
			f.user(fmt.Sprintf("u%d", i))
		}
		want := f.events(h.State.Cursor)
		waitFor(t, rcv, "every event acknowledged", func() bool { return len(rcv.acked()) >= len(want) })
		checkStream(t, rcv.requests(), want)
		rcv.mu.Lock()
		maxIn := rcv.maxIn
		rcv.mu.Unlock()
		if maxIn != 1 {
			t.Errorf("%d requests of one webhook in flight at once; want 1", maxIn)
		}
	})
}
