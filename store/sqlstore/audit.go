package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/scimd/scimd/store"
)

// Recording returns a view of s whose writes call h inside their
// transaction and store the events it returns (store.AuditStore).
func (s *Store) Recording(h store.Hook) store.Store {
	v := *s
	v.hook = h
	return &v
}

// joinedAt is the Joined a user gets when written at t: kept once set, t
// when it first is active, nil for groups.
func joinedAt(r *store.Resource, prev *time.Time, t time.Time) *time.Time {
	switch {
	case r.Kind != store.KindUser:
		return nil
	case prev != nil:
		return prev
	case r.Active:
		return &t
	}
	return nil
}

// timePtrArg binds an optional instant.
func (s *Store) timePtrArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.d.timeArg(*t)
}

// txRecorder is the store.Tx hooks get within one write transaction: it
// collects their events and seat changes and writes them once, at the end
// (flush), so a batch of many resources costs one counter update and a
// few multi-row inserts rather than several statements a resource.
type txRecorder struct {
	s     *Store
	c     conn
	orgID string
	// seats is the count as this transaction sees it, once read; pending
	// is what the transaction added to it since and has not written.
	seats   *int
	pending int
	events  []store.Event
}

func (s *Store) newRecorder(c conn, orgID string) *txRecorder {
	return &txRecorder{s: s, c: c, orgID: orgID}
}

// AddSeats adds delta to the seat counter (never below zero) and returns
// the new count. The first call upserts the counter, which locks its row
// to the end of the transaction (PostgreSQL; SQLite has one writer); later
// ones count in memory until flush.
func (t *txRecorder) AddSeats(ctx context.Context, delta int) (int, error) {
	if t.seats != nil {
		n := max(*t.seats+delta, 0)
		t.pending += n - *t.seats
		t.seats = &n
		return n, nil
	}
	var n int
	err := t.c.get(ctx, &n, `INSERT INTO org_counters (org_id, seats) VALUES (?, ?)
		ON CONFLICT (org_id) DO UPDATE SET seats = CASE WHEN org_counters.seats + ? < 0 THEN 0
			ELSE org_counters.seats + ? END
		RETURNING seats`, t.orgID, max(delta, 0), delta, delta)
	if err != nil {
		return 0, fmt.Errorf("counting seats: %w", err)
	}
	t.seats = &n
	return n, nil
}

// add hands ch to the hook and keeps its events.
func (t *txRecorder) add(ctx context.Context, ch store.Change) error {
	if t.s.hook == nil {
		return nil
	}
	evs, err := t.s.hook(ctx, t, ch)
	if err != nil {
		return err
	}
	t.events = append(t.events, evs...)
	return nil
}

// flush writes the seat changes counted in memory and the events.
func (t *txRecorder) flush(ctx context.Context) error {
	if t.pending != 0 {
		if _, err := t.c.exec(ctx, `UPDATE org_counters SET seats = ? WHERE org_id = ?`, *t.seats, t.orgID); err != nil {
			return fmt.Errorf("counting seats: %w", err)
		}
		t.pending = 0
	}
	evs := t.events
	t.events = nil
	return t.s.insertEvents(ctx, t.c, t.orgID, evs)
}

// record hands ch to the view's hook, if any, and stores its events.
func (s *Store) record(ctx context.Context, c conn, orgID string, ch store.Change) error {
	if s.hook == nil {
		return nil
	}
	rec := s.newRecorder(c, orgID)
	if err := rec.add(ctx, ch); err != nil {
		return err
	}
	return rec.flush(ctx)
}

// insertEvents numbers evs from the organization's counter (whose row
// lock, on PostgreSQL, orders commits, so Seq order is commit order) and
// inserts them.
func (s *Store) insertEvents(ctx context.Context, c conn, orgID string, evs []store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	var last int64
	if err := c.get(ctx, &last, `INSERT INTO org_counters (org_id, event_seq) VALUES (?, ?)
		ON CONFLICT (org_id) DO UPDATE SET event_seq = org_counters.event_seq + ?
		RETURNING event_seq`, orgID, len(evs), len(evs)); err != nil {
		return fmt.Errorf("numbering events: %w", err)
	}
	t := now()
	txn := uuid.NewString()
	seq := last - int64(len(evs))
	const cols = 11
	for start := 0; start < len(evs); start += bulkRows {
		end := min(start+bulkRows, len(evs))
		values := make([]string, 0, end-start)
		args := make([]any, 0, cols*(end-start))
		for i := start; i < end; i++ {
			e := evs[i]
			seq++
			if e.ID == "" {
				e.ID = uuid.NewString()
			}
			data := string(e.Data)
			if data == "" || data == "null" {
				data = "{}"
			}
			values = append(values, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, orgID, seq, e.ID, s.d.timeArg(t), txn, e.Type, e.Meaning, string(e.Kind),
				e.ResourceID, e.Actor, data)
		}
		if _, err := c.exec(ctx, `INSERT INTO events (org_id, seq, id, time, txn, type, meaning, kind,
			resource_id, actor, data) VALUES `+strings.Join(values, ", "), args...); err != nil {
			return fmt.Errorf("recording events: %w", err)
		}
	}
	return nil
}

// eventRow is an events row.
type eventRow struct {
	OrgID      string `db:"org_id"`
	Seq        int64  `db:"seq"`
	ID         string `db:"id"`
	Time       dbTime `db:"time"`
	Txn        string `db:"txn"`
	Type       string `db:"type"`
	Meaning    string `db:"meaning"`
	Kind       string `db:"kind"`
	ResourceID string `db:"resource_id"`
	Actor      string `db:"actor"`
	Data       []byte `db:"data"`
}

// Events returns an organization's events in Seq order.
func (s *Store) Events(ctx context.Context, orgID string, q store.EventQuery) ([]store.Event, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	where := []string{"org_id = ?", "seq > ?"}
	args := []any{orgID, q.After}
	if q.ResourceID != "" {
		where = append(where, "resource_id = ?")
		args = append(args, q.ResourceID)
	}
	if !q.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, s.d.timeArg(q.Since.UTC()))
	}
	if len(q.Types) > 0 {
		ts := anys(q.Types)
		where = append(where, "(type IN ("+placeholders(len(ts))+") OR meaning IN ("+placeholders(len(ts))+"))")
		args = append(append(args, ts...), ts...)
	}
	args = append(args, limit)
	var rows []eventRow
	if err := s.reader().sel(ctx, &rows, `SELECT org_id, seq, id, time, txn, type, meaning, kind, resource_id, actor, data
		FROM events WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT ?`, args...); err != nil {
		return nil, fmt.Errorf("reading events: %w", err)
	}
	out := make([]store.Event, len(rows))
	for i, r := range rows {
		out[i] = store.Event{OrgID: r.OrgID, Seq: r.Seq, ID: r.ID, Time: r.Time.T, Txn: r.Txn, Type: r.Type,
			Meaning: r.Meaning, Kind: store.Kind(r.Kind), ResourceID: r.ResourceID, Actor: r.Actor,
			Data: json.RawMessage(r.Data)}
	}
	return out, nil
}

// LastEventSeq is the organization's highest event Seq, 0 when none.
func (s *Store) LastEventSeq(ctx context.Context, orgID string) (int64, error) {
	var n sql.NullInt64
	if err := s.reader().get(ctx, &n, `SELECT MAX(seq) FROM events WHERE org_id = ?`, orgID); err != nil {
		return 0, fmt.Errorf("reading events: %w", err)
	}
	return n.Int64, nil
}

// archivedRow reads an archived, not purged resource inside c.
func (s *Store) archivedRow(ctx context.Context, c conn, lock, orgID string, kind store.Kind, id string) (store.Resource, error) {
	var row resourceRow
	err := c.get(ctx, &row, `SELECT `+resourceCols+` FROM resources r
		WHERE r.org_id = ? AND r.kind = ? AND r.id = ? AND r.archived IS NOT NULL AND r.purged IS NULL`+lock,
		orgID, string(kind), id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Resource{}, fmt.Errorf("archived %s %q: %w", kindNoun(kind), id, store.ErrNotFound)
	}
	if err != nil {
		return store.Resource{}, fmt.Errorf("reading archived %s %q: %w", kindNoun(kind), id, err)
	}
	return row.resource()
}

// GetArchived returns an archived, not purged resource.
func (s *Store) GetArchived(ctx context.Context, orgID string, kind store.Kind, id string) (store.Resource, error) {
	return s.archivedRow(ctx, s.reader(), "", orgID, kind, id)
}

// Restore brings an archived resource back (store.AuditStore).
func (s *Store) Restore(ctx context.Context, orgID string, kind store.Kind, id string) (store.Resource, error) {
	var out store.Resource
	err := s.write(ctx, func(c conn) error {
		cur, err := s.archivedRow(ctx, c, s.d.forUpdate(), orgID, kind, id)
		if err != nil {
			return err
		}
		t := now()
		next := cur
		next.Archived, next.Version, next.Modified = nil, cur.Version+1, t
		next.Joined = joinedAt(&next, cur.Joined, t)
		if _, err := c.exec(ctx, `UPDATE resources SET archived = NULL, version = ?, modified = ?, joined = ?
			WHERE org_id = ? AND id = ?`, next.Version, s.d.timeArg(t), s.timePtrArg(next.Joined), orgID, id); err != nil {
			return s.resourceErr(err, "restoring", &next)
		}
		// Groups that still hold a hidden edge to it see a new member.
		if _, err := c.exec(ctx, `UPDATE resources SET version = version + 1, modified = ?
			WHERE org_id = ? AND archived IS NULL AND id IN
			(SELECT group_id FROM members WHERE org_id = ? AND member_id = ?)`, s.d.timeArg(t), orgID, orgID, id); err != nil {
			return fmt.Errorf("restoring %s %q: %w", kindNoun(kind), id, err)
		}
		out = next
		return s.record(ctx, c, orgID, store.Change{Op: store.OpRestore, Before: &cur, After: &next})
	})
	if err != nil {
		return store.Resource{}, err
	}
	return out, nil
}

// Purge erases the personal data of an archived resource (store.AuditStore).
func (s *Store) Purge(ctx context.Context, orgID string, kind store.Kind, id string) error {
	return s.write(ctx, func(c conn) error {
		cur, err := s.archivedRow(ctx, c, s.d.forUpdate(), orgID, kind, id)
		if err != nil {
			return err
		}
		t := now()
		wrap := func(err error) error { return fmt.Errorf("purging %s %q: %w", kindNoun(kind), id, err) }
		if _, err := c.exec(ctx, `UPDATE resources SET name = '', name_fold = '', external_id = '',
			display_name = '', display_name_fold = '', source_id = '', source_hash = '', password_hash = '',
			doc = '{}', fold = '{}', purged = ?, modified = ?, version = version + 1
			WHERE org_id = ? AND id = ?`, s.d.timeArg(t), s.d.timeArg(t), orgID, id); err != nil {
			return wrap(err)
		}
		if _, err := c.exec(ctx, `DELETE FROM members WHERE org_id = ? AND (member_id = ? OR group_id = ?)`,
			orgID, id, id); err != nil {
			return wrap(err)
		}
		if _, err := c.exec(ctx, `UPDATE events SET data = '{}' WHERE org_id = ? AND resource_id = ?`, orgID, id); err != nil {
			return wrap(err)
		}
		if _, err := c.exec(ctx, `UPDATE sync_changes SET name = '', detail = NULL WHERE org_id = ? AND resource_id = ?`,
			orgID, id); err != nil {
			return wrap(err)
		}
		after := store.Resource{OrgID: orgID, ID: id, Kind: kind, Version: cur.Version + 1, Created: cur.Created,
			Modified: t, Archived: cur.Archived, Source: cur.Source, Attrs: map[string]any{}}
		return s.record(ctx, c, orgID, store.Change{Op: store.OpPurge, Before: &cur, After: &after})
	})
}

// ResetSeats recounts the organization's used seats (store.AuditStore).
func (s *Store) ResetSeats(ctx context.Context, orgID string, seat store.Expr) (int, error) {
	var n int
	err := s.write(ctx, func(c conn) error {
		// Lock the counter first, so no recorded write of the
		// organization runs between the count and the reset.
		if _, err := c.exec(ctx, `INSERT INTO org_counters (org_id, seats) VALUES (?, 0)
			ON CONFLICT (org_id) DO UPDATE SET seats = org_counters.seats`, orgID); err != nil {
			return fmt.Errorf("counting seats: %w", err)
		}
		page, err := s.listIn(ctx, c, orgID, store.KindUser, store.Query{Filter: seat})
		if err != nil {
			return fmt.Errorf("counting seats: %w", err)
		}
		n = page.Total
		if _, err := c.exec(ctx, `UPDATE org_counters SET seats = ? WHERE org_id = ?`, n, orgID); err != nil {
			return fmt.Errorf("counting seats: %w", err)
		}
		return nil
	})
	return n, err
}
