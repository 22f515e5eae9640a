package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/scimd/scimd/store"
)

const (
	// maxRounds bounds the batches one claim delivers before it lets go,
	// so that one busy webhook does not hold a worker slot forever.
	maxRounds = 10
	// storeTimeout bounds the state writes that outlive a cancelled
	// context (recording an acknowledgement, releasing a lease).
	storeTimeout = 5 * time.Second
	// errorBody is how much of a failed answer's body goes into LastError.
	errorBody = 256
)

// serve claims webhook h and delivers its events after the cursor, one at
// a time, until it is caught up, an attempt fails or maxRounds batches are
// done. It reports whether polling again at once may find work.
func (w *Worker) serve(ctx context.Context, h store.Webhook) bool {
	st := w.cfg.Store
	cur, ok, err := st.ClaimWebhook(ctx, h.OrgID, h.ID, w.lease(), w.cfg.Now())
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			w.log.Warn("claiming webhook", "org", h.OrgID, "webhook", h.ID, "err", err)
		}
		return false
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		if err := st.ReleaseWebhook(rctx, cur.OrgID, cur.ID, w.cfg.Owner); err != nil {
			w.log.Warn("releasing webhook", "org", cur.OrgID, "webhook", cur.ID, "err", err)
		}
	}()
	for range maxRounds {
		last, err := st.LastEventSeq(ctx, cur.OrgID)
		if err != nil {
			return w.storeErr(ctx, &cur, "reading the latest event", err)
		}
		evs, err := st.Events(ctx, cur.OrgID, store.EventQuery{After: cur.State.Cursor, Types: cur.Events, Limit: w.cfg.Batch})
		if err != nil {
			return w.storeErr(ctx, &cur, "reading events", err)
		}
		for _, e := range evs {
			if ctx.Err() != nil {
				return false
			}
			done, ok := w.attempt(ctx, &cur, e)
			if !done {
				// A failure recorded: poll again to schedule its retry.
				// Otherwise (shutdown, store trouble, lease lost): wait.
				return ok
			}
		}
		if len(evs) == w.cfg.Batch {
			continue
		}
		// Every matching event up to last was in evs and is acknowledged:
		// the filtered ones in between move the cursor too.
		if last > cur.State.Cursor {
			next := cur.State
			next.Cursor = last
			if !w.save(ctx, &cur, next) {
				return false
			}
		}
		return true
	}
	return true
}

func (w *Worker) storeErr(ctx context.Context, h *store.Webhook, what string, err error) bool {
	if ctx.Err() == nil {
		w.log.Warn(what, "org", h.OrgID, "webhook", h.ID, "err", err)
	}
	return false
}

func (w *Worker) lease() store.Lease {
	return store.Lease{Owner: w.cfg.Owner, Until: w.cfg.Now().Add(w.cfg.Lease)}
}

// save replaces h's state (renewing the lease) and reports whether this
// worker still holds it. An acknowledgement received just before shutdown
// is still recorded.
func (w *Worker) save(ctx context.Context, h *store.Webhook, next store.WebhookState) bool {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	l := w.lease()
	err := w.cfg.Store.SaveWebhookState(sctx, h.OrgID, h.ID, l, h.State.Cursor, next)
	if err != nil {
		w.log.Warn("saving webhook state; stopping", "org", h.OrgID, "webhook", h.ID, "err", err)
		return false
	}
	h.State, h.Lease = next, l
	return true
}

// attempt delivers e once and records the outcome. done is true when e
// is done with (acknowledged, or without a form in h's format); ok is
// false when nothing could be recorded (shutdown, store trouble, lease
// lost).
func (w *Worker) attempt(ctx context.Context, h *store.Webhook, e store.Event) (done, ok bool) {
	body, ctype, skip, err := encode(e, *h, w.cfg.Issuer)
	if skip {
		next := h.State
		next.Cursor = e.Seq
		w.m.skipped.Inc()
		ok := w.save(ctx, h, next)
		return ok, ok
	}
	// A request must end before the lease does, or another replica could
	// send the next event while this one is in flight: renew it first
	// when it is short.
	if !w.cfg.Now().Add(w.cfg.Timeout).Before(h.Lease.Until) && !w.save(ctx, h, h.State) {
		return false, false
	}
	status := 0
	start := time.Now()
	if err == nil {
		status, err = w.post(ctx, h, e, body, ctype)
		w.m.duration.Observe(time.Since(start).Seconds())
	}
	if status == 0 && ctx.Err() != nil {
		return false, false // cut short by shutdown: not the receiver's doing, not an attempt
	}
	now := w.cfg.Now().UTC()
	next := h.State
	next.LastAttempt, next.LastStatus = &now, status
	outcome := outcomeFailed
	switch {
	case err == nil:
		outcome = outcomeDelivered
		next.Cursor, next.Attempts, next.NextAttempt, next.LastSuccess, next.LastError = e.Seq, 0, time.Time{}, &now, ""
	case status == http.StatusGone:
		outcome = outcomeGone
		next.Attempts++
		next.LastError = "410 Gone: the receiver asked to stop; webhook disabled"
	default:
		next.Attempts++
		next.NextAttempt = now.Add(w.backoff(next.Attempts))
		next.LastError = err.Error()
	}
	w.m.deliveries.WithLabelValues(outcome).Inc()
	if !w.save(ctx, h, next) {
		return false, false
	}
	switch outcome {
	case outcomeDelivered:
		return true, true
	case outcomeGone:
		w.log.Warn("receiver answered 410 Gone: webhook disabled", "org", h.OrgID, "webhook", h.ID, "event", e.ID)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		if err := w.cfg.Store.SetWebhookEnabled(sctx, h.OrgID, h.ID, false); err != nil {
			w.log.Warn("disabling webhook", "org", h.OrgID, "webhook", h.ID, "err", err)
		}
		h.Enabled = false
	default:
		w.log.Info("webhook delivery failed; will retry", "org", h.OrgID, "webhook", h.ID, "event", e.ID,
			"attempts", next.Attempts, "next_attempt", next.NextAttempt, "err", next.LastError)
	}
	return false, true
}

// post sends one delivery and returns the answer's status; err is nil
// only for a 2xx answer.
func (w *Worker) post(ctx context.Context, h *store.Webhook, e store.Event, body []byte, ctype string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "scimd-webhooks")
	req.Header.Set(HeaderEventID, e.ID)
	req.Header.Set(HeaderEventType, e.Type)
	req.Header.Set(HeaderEventSeq, strconv.FormatInt(e.Seq, 10))
	req.Header.Set(HeaderAttempt, strconv.Itoa(h.State.Attempts+1))
	req.Header.Set(HeaderWebhookID, h.ID)
	req.Header.Set(HeaderSignature, Sign(h.Secret, w.cfg.Now(), body))
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		var ue *url.Error // its text repeats the URL, which may carry a token
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, fmt.Errorf("POST failed: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, errorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if s := printable(snippet); s != "" {
		msg += ": " + s
	}
	return resp.StatusCode, errors.New(msg)
}

// printable keeps the first line of an answer's body, printable only.
func printable(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
}

// backoff is the delay before attempt n+1 after n failures: BackoffBase
// doubled n-1 times, capped at BackoffMax, then drawn between half and all
// of it so that webhooks failing together do not retry together.
func (w *Worker) backoff(n int) time.Duration {
	d := w.cfg.BackoffMax
	if n-1 < 40 {
		if x := w.cfg.BackoffBase << (n - 1); x > 0 && x < d {
			d = x
		}
	}
	return d/2 + rand.N(d/2+1)
}
