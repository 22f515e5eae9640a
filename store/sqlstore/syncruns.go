package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scimd/scimd/store"
)

// Directory sync run records (store.SyncStore), in the sync_runs and
// sync_changes tables. The source lookups are in syncsource.go, TryLock in
// lock.go.

var _ store.SyncStore = (*Store)(nil)

const (
	// defaultSyncRuns is how many runs SyncRuns returns when not told.
	defaultSyncRuns = 50
	// syncChangeRows is how many changes one multi-row INSERT carries: 9
	// parameters each, 9000 in all, below SQLite's limit (32766) and
	// PostgreSQL's (65535).
	syncChangeRows = 1000
	// seqChunk is how many seqs one UPDATE … IN list carries.
	seqChunk = 1000
)

type syncRunRow struct {
	OrgID       string `db:"org_id"`
	ID          string `db:"id"`
	Source      string `db:"source"`
	Trigger     string `db:"trigger"`
	Started     dbTime `db:"started"`
	Ended       dbTime `db:"ended"`
	Status      string `db:"status"`
	Complete    bool   `db:"complete"`
	Fingerprint string `db:"fingerprint"`
	Counts      []byte `db:"counts"`
	Error       string `db:"error"`
	Superseded  string `db:"superseded_by"`
}

const syncRunCols = `org_id, id, source, trigger, started, ended, status, complete, fingerprint, counts, error, superseded_by`

func (r *syncRunRow) run() (store.SyncRun, error) {
	var counts map[string]int
	if len(r.Counts) > 0 {
		if err := json.Unmarshal(r.Counts, &counts); err != nil {
			return store.SyncRun{}, fmt.Errorf("decoding counts of sync run %q: %w", r.ID, err)
		}
	}
	if len(counts) == 0 {
		counts = nil
	}
	return store.SyncRun{
		OrgID: r.OrgID, ID: r.ID, Source: r.Source, Trigger: r.Trigger,
		Started: r.Started.T, Ended: r.Ended.ptr(), Status: store.SyncStatus(r.Status),
		Complete: r.Complete, Fingerprint: r.Fingerprint, Counts: counts, Error: r.Error,
		SupersededBy: r.Superseded,
	}, nil
}

// encodeCounts is the stored JSON of a run's counts ("{}" when empty).
func encodeCounts(c map[string]int) (string, error) {
	if len(c) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(c) // keys sorted
	if err != nil {
		return "", fmt.Errorf("encoding counts: %w", err)
	}
	return string(b), nil
}

// endedArg binds the optional end time of r.
func (s *Store) endedArg(r *store.SyncRun) any {
	if r.Ended == nil {
		return nil
	}
	return s.d.timeArg(stamp(*r.Ended))
}

// CreateSyncRun inserts a run. OrgID, ID, Source and Status are required;
// Started defaults to now. A taken id is a *store.UniqueError, an unknown
// organization store.ErrNotFound. An empty Counts reads back nil.
func (s *Store) CreateSyncRun(ctx context.Context, r store.SyncRun) error {
	if r.OrgID == "" || r.ID == "" || r.Source == "" || r.Status == "" {
		return errors.New("creating sync run: organization, id, source and status are required")
	}
	counts, err := encodeCounts(r.Counts)
	if err != nil {
		return fmt.Errorf("creating sync run %q: %w", r.ID, err)
	}
	err = s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO sync_runs (`+syncRunCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.OrgID, r.ID, r.Source, r.Trigger, s.d.timeArg(stamp(r.Started)), s.endedArg(&r),
			string(r.Status), r.Complete, r.Fingerprint, counts, r.Error, r.SupersededBy)
		return err
	})
	switch s.d.classify(err) {
	case errUniqueKey, errUniqueName:
		return &store.UniqueError{Attr: "id", Value: r.ID}
	case errForeignKey:
		return fmt.Errorf("creating sync run %q: organization %q: %w", r.ID, r.OrgID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("creating sync run %q: %w", r.ID, err)
	}
	return nil
}

// UpdateSyncRun replaces Ended, Status, Complete, Counts and Error of a
// run; store.ErrNotFound when the organization has no such run.
func (s *Store) UpdateSyncRun(ctx context.Context, r store.SyncRun) error {
	if r.Status == "" {
		return fmt.Errorf("updating sync run %q: status is required", r.ID)
	}
	counts, err := encodeCounts(r.Counts)
	if err != nil {
		return fmt.Errorf("updating sync run %q: %w", r.ID, err)
	}
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE sync_runs SET ended = ?, status = ?, complete = ?, counts = ?, error = ?
			WHERE org_id = ? AND id = ?`,
			s.endedArg(&r), string(r.Status), r.Complete, counts, r.Error, r.OrgID, r.ID)
		if err != nil {
			return fmt.Errorf("updating sync run %q: %w", r.ID, err)
		}
		if n == 0 {
			return fmt.Errorf("sync run %q: %w", r.ID, store.ErrNotFound)
		}
		return nil
	})
}

// SupersedeSyncRuns marks the held runs of byID's source that came
// before it (by started, then id) superseded by byID, and their held and
// planned changes superseded, in one transaction; it returns their ids,
// oldest first. An unknown byID is store.ErrNotFound.
func (s *Store) SupersedeSyncRuns(ctx context.Context, orgID, byID string) ([]string, error) {
	var ids []string
	err := s.write(ctx, func(c conn) error {
		ids = nil // fn may run again
		var by struct {
			Source  string `db:"source"`
			Started dbTime `db:"started"`
		}
		err := c.get(ctx, &by, `SELECT source, started FROM sync_runs WHERE org_id = ? AND id = ?`, orgID, byID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sync run %q: %w", byID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		started := s.d.timeArg(by.Started.T)
		if err := c.sel(ctx, &ids, `SELECT id FROM sync_runs WHERE org_id = ? AND source = ? AND status = ? AND id <> ?
			AND (started < ? OR (started = ? AND id < ?)) ORDER BY started, id`,
			orgID, by.Source, string(store.SyncHeld), byID, started, started, byID); err != nil {
			return err
		}
		for start := 0; start < len(ids); start += seqChunk {
			part := ids[start:min(start+seqChunk, len(ids))]
			in := placeholders(len(part))
			args := []any{string(store.SyncSuperseded), byID, orgID, string(store.SyncHeld)}
			for _, id := range part {
				args = append(args, id)
			}
			if _, err := c.exec(ctx, `UPDATE sync_runs SET status = ?, superseded_by = ?
				WHERE org_id = ? AND status = ? AND id IN (`+in+`)`, args...); err != nil {
				return err
			}
			args = []any{store.ChangeSuperseded, orgID, store.ChangeHeld, store.ChangePlanned}
			for _, id := range part {
				args = append(args, id)
			}
			if _, err := c.exec(ctx, `UPDATE sync_changes SET state = ?
				WHERE org_id = ? AND state IN (?, ?) AND run_id IN (`+in+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("superseding the held runs before sync run %q: %w", byID, err)
	}
	return ids, nil
}

// SyncRun returns one run of the organization.
func (s *Store) SyncRun(ctx context.Context, orgID, id string) (store.SyncRun, error) {
	var row syncRunRow
	err := s.reader().get(ctx, &row, `SELECT `+syncRunCols+` FROM sync_runs WHERE org_id = ? AND id = ?`, orgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SyncRun{}, fmt.Errorf("sync run %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.SyncRun{}, fmt.Errorf("reading sync run %q: %w", id, err)
	}
	return row.run()
}

// SyncRuns lists the organization's runs of one source ("" for every
// source), newest first (by Started, then by id descending); limit <= 0
// means 50.
func (s *Store) SyncRuns(ctx context.Context, orgID, source string, limit int) ([]store.SyncRun, error) {
	if limit <= 0 {
		limit = defaultSyncRuns
	}
	var rows []syncRunRow
	var err error
	if source == "" {
		err = s.reader().sel(ctx, &rows, `SELECT `+syncRunCols+` FROM sync_runs WHERE org_id = ?
			ORDER BY started DESC, id DESC LIMIT ?`, orgID, limit)
	} else {
		err = s.reader().sel(ctx, &rows, `SELECT `+syncRunCols+` FROM sync_runs WHERE org_id = ? AND source = ?
			ORDER BY started DESC, id DESC LIMIT ?`, orgID, source, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("listing sync runs: %w", err)
	}
	out := make([]store.SyncRun, len(rows))
	for i := range rows {
		if out[i], err = rows[i].run(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type syncChangeRow struct {
	OrgID      string `db:"org_id"`
	RunID      string `db:"run_id"`
	Seq        int    `db:"seq"`
	Kind       string `db:"kind"`
	ResourceID string `db:"resource_id"`
	SourceID   string `db:"source_id"`
	Name       string `db:"name"`
	Detail     []byte `db:"detail"`
	State      string `db:"state"`
}

const syncChangeCols = `org_id, run_id, seq, kind, resource_id, source_id, name, detail, state`

// checkSyncChange rejects a change that cannot be stored.
func checkSyncChange(i int, c *store.SyncChange) error {
	switch {
	case c.OrgID == "" || c.RunID == "":
		return fmt.Errorf("change %d has no organization or run", i)
	case c.Seq < 1:
		return fmt.Errorf("change %d of run %q has seq %d; seqs start at 1", i, c.RunID, c.Seq)
	case c.Kind == "" || c.State == "":
		return fmt.Errorf("change %d of run %q has no kind or state", i, c.RunID)
	case len(c.Detail) > 0 && !json.Valid(c.Detail):
		return fmt.Errorf("change %d of run %q: detail is not valid JSON", i, c.RunID)
	}
	return nil
}

// AddSyncChanges inserts changes of existing runs in one transaction, in
// multi-row INSERTs of syncChangeRows. It is all or nothing: a seq already
// taken in its run is store.ErrConflict, an unknown run store.ErrNotFound.
// An empty Detail is stored as NULL and reads back nil.
func (s *Store) AddSyncChanges(ctx context.Context, cs []store.SyncChange) error {
	for i := range cs {
		if err := checkSyncChange(i, &cs[i]); err != nil {
			return fmt.Errorf("adding sync changes: %w", err)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	row := "(" + placeholders(9) + ")"
	return s.write(ctx, func(c conn) error {
		for start := 0; start < len(cs); start += syncChangeRows {
			end := min(start+syncChangeRows, len(cs))
			args := make([]any, 0, 9*(end-start))
			for i := start; i < end; i++ {
				ch := &cs[i]
				var detail any
				if len(ch.Detail) > 0 {
					detail = string(ch.Detail)
				}
				args = append(args, ch.OrgID, ch.RunID, ch.Seq, ch.Kind, ch.ResourceID, ch.SourceID, ch.Name, detail, ch.State)
			}
			values := strings.Repeat(row+", ", end-start-1) + row
			_, err := c.exec(ctx, `INSERT INTO sync_changes (`+syncChangeCols+`) VALUES `+values, args...)
			switch s.d.classify(err) {
			case errUniqueKey, errUniqueName:
				return fmt.Errorf("adding sync changes to %s: a seq is already taken: %w", runsOf(cs[start:end]), store.ErrConflict)
			case errForeignKey:
				return fmt.Errorf("adding sync changes: %s: %w", runsOf(cs[start:end]), store.ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("adding sync changes to %s: %w", runsOf(cs[start:end]), err)
			}
		}
		return nil
	})
}

// runsOf names the run of a batch of changes, for an error.
func runsOf(cs []store.SyncChange) string {
	for _, c := range cs[1:] {
		if c.RunID != cs[0].RunID || c.OrgID != cs[0].OrgID {
			return "several runs"
		}
	}
	return fmt.Sprintf("run %q of organization %q", cs[0].RunID, cs[0].OrgID)
}

// SyncChanges lists a run's changes in Seq order, only those in state
// unless it is "". An unknown run has none.
func (s *Store) SyncChanges(ctx context.Context, orgID, runID, state string) ([]store.SyncChange, error) {
	q := `SELECT ` + syncChangeCols + ` FROM sync_changes WHERE org_id = ? AND run_id = ?`
	args := []any{orgID, runID}
	if state != "" {
		q += ` AND state = ?`
		args = append(args, state)
	}
	var rows []syncChangeRow
	if err := s.reader().sel(ctx, &rows, q+` ORDER BY seq`, args...); err != nil {
		return nil, fmt.Errorf("listing changes of sync run %q: %w", runID, err)
	}
	out := make([]store.SyncChange, len(rows))
	for i, r := range rows {
		out[i] = store.SyncChange{
			OrgID: r.OrgID, RunID: r.RunID, Seq: r.Seq, Kind: r.Kind, ResourceID: r.ResourceID,
			SourceID: r.SourceID, Name: r.Name, Detail: json.RawMessage(r.Detail), State: r.State,
		}
		if len(r.Detail) == 0 {
			out[i].Detail = nil
		}
	}
	return out, nil
}

// SetSyncChangeState sets the state of the given changes of a run in one
// transaction; seqs the run does not have are ignored. An unknown run is
// store.ErrNotFound.
func (s *Store) SetSyncChangeState(ctx context.Context, orgID, runID string, seqs []int, state string) error {
	if state == "" {
		return fmt.Errorf("setting the state of changes of sync run %q: state is required", runID)
	}
	return s.write(ctx, func(c conn) error {
		var n int
		if err := c.get(ctx, &n, `SELECT COUNT(*) FROM sync_runs WHERE org_id = ? AND id = ?`, orgID, runID); err != nil {
			return fmt.Errorf("setting the state of changes of sync run %q: %w", runID, err)
		}
		if n == 0 {
			return fmt.Errorf("sync run %q: %w", runID, store.ErrNotFound)
		}
		for start := 0; start < len(seqs); start += seqChunk {
			part := seqs[start:min(start+seqChunk, len(seqs))]
			args := make([]any, 0, len(part)+3)
			args = append(args, state, orgID, runID)
			for _, q := range part {
				args = append(args, q)
			}
			if _, err := c.exec(ctx, `UPDATE sync_changes SET state = ? WHERE org_id = ? AND run_id = ? AND seq IN (`+
				placeholders(len(part))+`)`, args...); err != nil {
				return fmt.Errorf("setting the state of changes of sync run %q: %w", runID, err)
			}
		}
		return nil
	})
}
