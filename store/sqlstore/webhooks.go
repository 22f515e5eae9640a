package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scimd/scimd/store"
)

// Webhooks and their delivery state (store.WebhookStore), in the webhooks
// table. The events they deliver are read with Events (audit.go).

var _ store.WebhookStore = (*Store)(nil)

type webhookRow struct {
	OrgID       string `db:"org_id"`
	ID          string `db:"id"`
	URL         string `db:"url"`
	Secret      string `db:"secret"`
	Events      []byte `db:"events"`
	Format      string `db:"format"`
	Enabled     bool   `db:"enabled"`
	Created     dbTime `db:"created"`
	Cursor      int64  `db:"cursor_seq"`
	Attempts    int    `db:"attempts"`
	NextAttempt dbTime `db:"next_attempt"`
	LastAttempt dbTime `db:"last_attempt"`
	LastSuccess dbTime `db:"last_success"`
	LastStatus  int    `db:"last_status"`
	LastError   string `db:"last_error"`
	LeaseOwner  string `db:"lease_owner"`
	LeaseUntil  dbTime `db:"lease_until"`
	LatestSeq   int64  `db:"latest_seq"`
}

// webhookSelect reads webhooks (alias w) with the latest event seq of
// their organization: a lookup on the events primary key, inside the
// webhook's organization.
const webhookSelect = `SELECT w.org_id, w.id, w.url, w.secret, w.events, w.format, w.enabled, w.created,
	w.cursor_seq, w.attempts, w.next_attempt, w.last_attempt, w.last_success, w.last_status, w.last_error,
	w.lease_owner, w.lease_until,
	COALESCE((SELECT MAX(e.seq) FROM events e WHERE e.org_id = w.org_id), 0) AS latest_seq
	FROM webhooks w`

func (r *webhookRow) webhook() (store.Webhook, error) {
	var events []string
	if len(r.Events) > 0 {
		if err := json.Unmarshal(r.Events, &events); err != nil {
			return store.Webhook{}, fmt.Errorf("decoding event types of webhook %q: %w", r.ID, err)
		}
	}
	if len(events) == 0 {
		events = nil
	}
	var next time.Time
	if r.NextAttempt.Valid {
		next = r.NextAttempt.T
	}
	var until time.Time
	if r.LeaseUntil.Valid {
		until = r.LeaseUntil.T
	}
	return store.Webhook{
		OrgID: r.OrgID, ID: r.ID, URL: r.URL, Secret: r.Secret, Events: events, Format: r.Format,
		Enabled: r.Enabled, Created: r.Created.T,
		State: store.WebhookState{
			Cursor: r.Cursor, Attempts: r.Attempts, NextAttempt: next,
			LastAttempt: r.LastAttempt.ptr(), LastSuccess: r.LastSuccess.ptr(),
			LastStatus: r.LastStatus, LastError: r.LastError,
		},
		Lease:     store.Lease{Owner: r.LeaseOwner, Until: until},
		LatestSeq: r.LatestSeq,
	}, nil
}

func webhooksOf(rows []webhookRow) ([]store.Webhook, error) {
	out := make([]store.Webhook, 0, len(rows))
	for i := range rows {
		w, err := rows[i].webhook()
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// optTime binds an optional instant: NULL for the zero time.
func (s *Store) optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.timeArg(stamp(t))
}

// CreateWebhook inserts a webhook (store.WebhookStore).
func (s *Store) CreateWebhook(ctx context.Context, w store.Webhook) error {
	if w.OrgID == "" || w.ID == "" || w.URL == "" || w.Secret == "" {
		return errors.New("creating webhook: organization, id, URL and secret are required")
	}
	if w.Format == "" {
		w.Format = "json"
	}
	events := []string{}
	if len(w.Events) > 0 {
		events = w.Events
	}
	ev, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("creating webhook %q: %w", w.ID, err)
	}
	st := w.State
	err = s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO webhooks (org_id, id, url, secret, events, format, enabled, created,
			cursor_seq, attempts, next_attempt, last_attempt, last_success, last_status, last_error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.OrgID, w.ID, w.URL, w.Secret, string(ev), w.Format, w.Enabled, s.d.timeArg(stamp(w.Created)),
			st.Cursor, st.Attempts, s.optTime(st.NextAttempt), s.timePtrArg(st.LastAttempt),
			s.timePtrArg(st.LastSuccess), st.LastStatus, st.LastError)
		return err
	})
	switch s.d.classify(err) {
	case errUniqueKey, errUniqueName:
		return &store.UniqueError{Attr: "id", Value: w.ID}
	case errForeignKey:
		return fmt.Errorf("creating webhook %q: organization %q: %w", w.ID, w.OrgID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("creating webhook %q: %w", w.ID, err)
	}
	return nil
}

// Webhook returns one webhook of the organization.
func (s *Store) Webhook(ctx context.Context, orgID, id string) (store.Webhook, error) {
	var row webhookRow
	err := s.reader().get(ctx, &row, webhookSelect+` WHERE w.org_id = ? AND w.id = ?`, orgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Webhook{}, fmt.Errorf("webhook %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Webhook{}, fmt.Errorf("reading webhook %q: %w", id, err)
	}
	return row.webhook()
}

// Webhooks lists the organization's webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, orgID string) ([]store.Webhook, error) {
	var rows []webhookRow
	if err := s.reader().sel(ctx, &rows, webhookSelect+` WHERE w.org_id = ? ORDER BY w.created, w.id`, orgID); err != nil {
		return nil, fmt.Errorf("listing webhooks: %w", err)
	}
	return webhooksOf(rows)
}

// EnabledWebhooks lists every organization's enabled webhooks.
func (s *Store) EnabledWebhooks(ctx context.Context) ([]store.Webhook, error) {
	var rows []webhookRow
	if err := s.reader().sel(ctx, &rows, webhookSelect+` WHERE w.enabled = ? ORDER BY w.org_id, w.id`, true); err != nil {
		return nil, fmt.Errorf("listing webhooks: %w", err)
	}
	return webhooksOf(rows)
}

// DeleteWebhook removes a webhook.
func (s *Store) DeleteWebhook(ctx context.Context, orgID, id string) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `DELETE FROM webhooks WHERE org_id = ? AND id = ?`, orgID, id)
		if err != nil {
			return fmt.Errorf("deleting webhook %q: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("webhook %q: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// SetWebhookEnabled enables or disables a webhook; enabling clears the
// backoff.
func (s *Store) SetWebhookEnabled(ctx context.Context, orgID, id string, enabled bool) error {
	return s.write(ctx, func(c conn) error {
		q := `UPDATE webhooks SET enabled = ? WHERE org_id = ? AND id = ?`
		if enabled {
			q = `UPDATE webhooks SET enabled = ?, next_attempt = NULL WHERE org_id = ? AND id = ?`
		}
		n, err := c.exec(ctx, q, enabled, orgID, id)
		if err != nil {
			return fmt.Errorf("updating webhook %q: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("webhook %q: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// ClaimWebhook takes the lease of an enabled webhook that is free, expired
// or already l.Owner's. The conditional UPDATE locks the row (PostgreSQL)
// or runs alone (SQLite), so of two concurrent claims one wins.
func (s *Store) ClaimWebhook(ctx context.Context, orgID, id string, l store.Lease, now time.Time) (store.Webhook, bool, error) {
	if l.Owner == "" || l.Until.IsZero() {
		return store.Webhook{}, false, fmt.Errorf("claiming webhook %q: a lease needs an owner and an end", id)
	}
	var row webhookRow
	claimed := false
	err := s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE webhooks SET lease_owner = ?, lease_until = ?
			WHERE org_id = ? AND id = ? AND enabled = ?
			AND (lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)`,
			l.Owner, s.d.timeArg(stamp(l.Until)), orgID, id, true, l.Owner, s.d.timeArg(stamp(now)))
		if err != nil || n == 0 {
			return err
		}
		claimed = true
		return c.get(ctx, &row, webhookSelect+` WHERE w.org_id = ? AND w.id = ?`, orgID, id)
	})
	if err != nil {
		return store.Webhook{}, false, fmt.Errorf("claiming webhook %q: %w", id, err)
	}
	if !claimed {
		return store.Webhook{}, false, nil
	}
	w, err := row.webhook()
	return w, err == nil, err
}

// SaveWebhookState replaces the delivery state if l.Owner holds the lease
// and the cursor is still prev.
func (s *Store) SaveWebhookState(ctx context.Context, orgID, id string, l store.Lease, prev int64, st store.WebhookState) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE webhooks SET cursor_seq = ?, attempts = ?, next_attempt = ?,
			last_attempt = ?, last_success = ?, last_status = ?, last_error = ?, lease_until = ?
			WHERE org_id = ? AND id = ? AND lease_owner = ? AND cursor_seq = ?`,
			st.Cursor, st.Attempts, s.optTime(st.NextAttempt), s.timePtrArg(st.LastAttempt),
			s.timePtrArg(st.LastSuccess), st.LastStatus, st.LastError, s.optTime(l.Until),
			orgID, id, l.Owner, prev)
		if err != nil {
			return fmt.Errorf("saving the state of webhook %q: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("webhook %q: lease lost or cursor moved: %w", id, store.ErrPreconditionFailed)
		}
		return nil
	})
}

// ReleaseWebhook gives up owner's lease.
func (s *Store) ReleaseWebhook(ctx context.Context, orgID, id, owner string) error {
	return s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `UPDATE webhooks SET lease_owner = '', lease_until = NULL
			WHERE org_id = ? AND id = ? AND lease_owner = ?`, orgID, id, owner); err != nil {
			return fmt.Errorf("releasing webhook %q: %w", id, err)
		}
		return nil
	})
}
