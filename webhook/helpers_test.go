package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/webhook"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var _ webhook.Store = (*sqlstore.Store)(nil)

// openStore opens and migrates the database at url, closed after the test
// (closing it earlier is harmless).
func openStore(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// fixture is an organization on a store and a writer producing its events
// through directory.Service, as every writer does.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	st    *sqlstore.Store
	dir   *directory.Service
	org   string
	actor directory.Actor
}

func newFixture(t *testing.T, st *sqlstore.Store, org string) *fixture {
	t.Helper()
	d := directory.New(st)
	o, _, err := d.EnsureOrg(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: context.Background(), st: st, dir: d, org: o.ID,
		actor: directory.Actor{OrgID: o.ID, Source: directory.SourceSCIM, Name: "test"}}
}

// reopen is the fixture on another store of the same database.
func (f *fixture) reopen(st *sqlstore.Store) *fixture {
	g := *f
	g.st, g.dir = st, directory.New(st)
	return &g
}

func (f *fixture) user(name string) string {
	f.t.Helper()
	r, err := f.dir.Create(f.ctx, f.actor, store.Resource{Kind: store.KindUser, Attrs: map[string]any{"userName": name}}, nil)
	if err != nil {
		f.t.Fatalf("creating user %s: %v", name, err)
	}
	return r.ID
}

func (f *fixture) set(id, attr string, v any) {
	f.t.Helper()
	_, err := f.dir.Update(f.ctx, f.actor, store.KindUser, id, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs[attr] = v
		return nil, nil
	})
	if err != nil {
		f.t.Fatalf("updating %s: %v", id, err)
	}
}

// events is every event of the organization after seq, in Seq order.
func (f *fixture) events(after int64) []store.Event {
	f.t.Helper()
	var out []store.Event
	for {
		evs, err := f.st.Events(f.ctx, f.org, store.EventQuery{After: after, Limit: 1000})
		if err != nil {
			f.t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Seq
	}
}

func (f *fixture) hook(url string, mod func(*store.Webhook), fromStart bool) store.Webhook {
	f.t.Helper()
	w := store.Webhook{OrgID: f.org, URL: url}
	if mod != nil {
		mod(&w)
	}
	h, err := webhook.Create(f.ctx, f.st, w, fromStart)
	if err != nil {
		f.t.Fatalf("creating webhook: %v", err)
	}
	return h
}

func (f *fixture) state(id string) store.Webhook {
	f.t.Helper()
	h, err := f.st.Webhook(f.ctx, f.org, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// startWorker runs a worker with test timings (millisecond backoff and
// polling) until the returned stop is called or the test ends.
func startWorker(t *testing.T, st webhook.Store, mod func(*webhook.Config)) (*webhook.Worker, func()) {
	t.Helper()
	cfg := webhook.Config{Store: st, PollInterval: 10 * time.Millisecond, Timeout: 5 * time.Second,
		Lease: 30 * time.Second, BackoffBase: time.Millisecond, BackoffMax: 4 * time.Millisecond,
		Issuer: "https://scimd.test"}
	if mod != nil {
		mod(&cfg)
	}
	w, err := webhook.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return w, stop
}

// delivery is one request the receiver got.
type delivery struct {
	id, typ, webhook, ctype string
	seq                     int64
	attempt                 int
	body                    []byte
	status                  int   // what the receiver answered
	sigErr                  error // the receiver's signature check
}

// receiver is a real HTTP endpoint on loopback that records every request,
// checks its signature with the secret it is given, and answers what
// answer says (200 when nil).
type receiver struct {
	srv    *httptest.Server
	secret func() string
	answer func(d delivery, n int) int // n: earlier requests for this event id

	mu       sync.Mutex
	reqs     []delivery
	inflight int
	maxIn    int
	changed  chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{changed: make(chan struct{}, 1), secret: func() string { return "" }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	seq, _ := strconv.ParseInt(req.Header.Get(webhook.HeaderEventSeq), 10, 64)
	attempt, _ := strconv.Atoi(req.Header.Get(webhook.HeaderAttempt))
	d := delivery{id: req.Header.Get(webhook.HeaderEventID), typ: req.Header.Get(webhook.HeaderEventType),
		webhook: req.Header.Get(webhook.HeaderWebhookID), ctype: req.Header.Get("Content-Type"),
		seq: seq, attempt: attempt, body: body, status: http.StatusOK}
	d.sigErr = webhook.Verify(r.secret(), req.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute)
	r.mu.Lock()
	r.inflight++
	r.maxIn = max(r.maxIn, r.inflight)
	n := 0
	for _, p := range r.reqs {
		if p.id == d.id {
			n++
		}
	}
	answer := r.answer
	r.mu.Unlock()
	if answer != nil {
		d.status = answer(d, n)
	}
	r.mu.Lock()
	r.inflight--
	r.reqs = append(r.reqs, d)
	r.mu.Unlock()
	w.WriteHeader(d.status)
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *receiver) setAnswer(f func(d delivery, n int) int) {
	r.mu.Lock()
	r.answer = f
	r.mu.Unlock()
}

func (r *receiver) requests() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.reqs...)
}

// acked is the event ids the receiver acknowledged, in order.
func (r *receiver) acked() []string {
	var out []string
	for _, d := range r.requests() {
		if d.status >= 200 && d.status < 300 {
			out = append(out, d.id)
		}
	}
	return out
}

// waitFor waits until cond holds, rechecking on every request the receiver
// gets and every few milliseconds (for conditions on the store), and fails
// the test after a deadline.
func waitFor(t *testing.T, r *receiver, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-r.changed:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; the receiver got %d requests", what, len(r.requests()))
		}
	}
}

// ids lists the ids of events.
func ids(evs []store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// checkStream checks the requests of one webhook: every signature
// verifies; seqs never go back; an event acknowledged twice (at least
// once) is acknowledged again at once with the same body; and the events
// acknowledged, once each, are want in order.
func checkStream(t *testing.T, reqs []delivery, want []store.Event) {
	t.Helper()
	var lastSeq int64
	first := map[string][]byte{}
	var acked []string
	for i, d := range reqs {
		if d.sigErr != nil {
			t.Errorf("request %d (event %s): signature: %v", i, d.id, d.sigErr)
		}
		if d.seq < lastSeq {
			t.Errorf("request %d: event seq %d after seq %d: out of order", i, d.seq, lastSeq)
		}
		lastSeq = d.seq
		if b, ok := first[d.id]; ok && string(b) != string(d.body) {
			t.Errorf("event %s: a retry sent another body", d.id)
		}
		first[d.id] = d.body
		if d.status >= 300 {
			continue
		}
		if len(acked) > 0 && acked[len(acked)-1] == d.id {
			continue // a duplicate, allowed: same id, same body
		}
		acked = append(acked, d.id)
	}
	if got := ids(want); !slices.Equal(acked, got) {
		t.Errorf("acknowledged events:\n got  %v\n want %v", acked, got)
	}
}

// payload decodes a json-format body.
func payload(t *testing.T, b []byte) webhook.Payload {
	t.Helper()
	var p webhook.Payload
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("payload %s: %v", b, err)
	}
	return p
}
