package sqlstore

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/store"
)

// A source's own objects, for the directory sync: the lookups and walks use the
// partial index resources_source (org_id, source, kind, source_id, id) of
// live resources.

const (
	// sourceIDChunk is how many source ids one IN list carries.
	sourceIDChunk = 500
	// sourceBatch is how many rows EachBySource and EachSourceState read at a time.
	sourceBatch = 1000
)

// BySourceIDs returns the live resources of a kind owned by source whose
// SourceID is among sourceIDs, keyed by SourceID; ids that match nothing,
// and "", have no entry. Should several live resources share a SourceID,
// the one with the smallest id is returned. The lookup reads one snapshot.
func (s *Store) BySourceIDs(ctx context.Context, orgID, source string, kind store.Kind, sourceIDs []string) (map[string]store.Resource, error) {
	out, err := bySourceIDs(ctx, s, resourceCols, orgID, source, kind, sourceIDs, (*resourceRow).resource)
	if err != nil {
		return nil, fmt.Errorf("reading %ss of source %q by source id: %w", kindNoun(kind), source, err)
	}
	return out, nil
}

// SourceHashes is BySourceIDs reading only the columns of a
// store.SourceState (no document is read or decoded).
func (s *Store) SourceHashes(ctx context.Context, orgID, source string, kind store.Kind, sourceIDs []string) (map[string]store.SourceState, error) {
	out, err := bySourceIDs(ctx, s, sourceStateCols, orgID, source, kind, sourceIDs, (*sourceStateRow).state)
	if err != nil {
		return nil, fmt.Errorf("reading the states of %ss of source %q: %w", kindNoun(kind), source, err)
	}
	return out, nil
}

// SetSourceHash sets source_hash of a live resource still at version.
func (s *Store) SetSourceHash(ctx context.Context, orgID string, kind store.Kind, id string, version int64, hash string) (bool, error) {
	var n int64
	err := s.write(ctx, func(c conn) error {
		var err error
		n, err = c.exec(ctx, `UPDATE resources SET source_hash = ?
			WHERE org_id = ? AND kind = ? AND id = ? AND version = ? AND archived IS NULL`,
			hash, orgID, string(kind), id, version)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("setting the source hash of %s %q: %w", kindNoun(kind), id, err)
	}
	return n > 0, nil
}

// bySourceIDs reads cols of the live resources of a kind owned by source
// whose source_id is among sourceIDs, sourceIDChunk ids per query, in one
// snapshot, and keys conv of each by source_id (the smallest id wins).
func bySourceIDs[T any, PT interface {
	*T
	keyed
}, V any](ctx context.Context, s *Store, cols, orgID, source string, kind store.Kind, sourceIDs []string,
	conv func(PT) (V, error)) (map[string]V, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(sourceIDs))
	ids := make([]string, 0, len(sourceIDs))
	for _, id := range sourceIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	out := make(map[string]V, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := s.read(ctx, func(c conn) error {
		var rows []T
		for _, part := range chunk(ids, sourceIDChunk) {
			args := make([]any, 0, len(part)+3)
			args = append(args, orgID, source, string(kind))
			for _, id := range part {
				args = append(args, id)
			}
			rows = rows[:0]
			if err := c.sel(ctx, &rows, `SELECT `+cols+` FROM resources r
				WHERE r.org_id = ? AND r.source = ? AND r.kind = ? AND r.archived IS NULL
				AND r.source_id IN (`+placeholders(len(part))+`)
				ORDER BY r.source_id, r.id`, args...); err != nil {
				return err
			}
			for i := range rows {
				sid, _ := PT(&rows[i]).key()
				if _, dup := out[sid]; dup {
					continue
				}
				v, err := conv(PT(&rows[i]))
				if err != nil {
					return err
				}
				out[sid] = v
			}
		}
		return nil
	})
	return out, err
}

// EachBySource calls fn for every live resource of a kind owned by source,
// in (SourceID, id) order. It reads sourceBatch resources at a time by
// keyset, holding no transaction or cursor while fn runs, so fn may write
// to the store. Each batch is its own snapshot: a resource is visited
// once, since its position depends only on its SourceID and id, unless
// its SourceID changes during the walk. The first error fn returns stops
// the walk and is returned as is.
func (s *Store) EachBySource(ctx context.Context, orgID, source string, kind store.Kind, fn func(store.Resource) error) error {
	return eachSource(ctx, s, resourceCols, orgID, source, kind, func(row *resourceRow) error {
		r, err := row.resource()
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// sourceStateRow is the part of a resources row a store.SourceState
// holds.
type sourceStateRow struct {
	ID             string `db:"id"`
	SourceID       string `db:"source_id"`
	Name           string `db:"name"`
	Active         bool   `db:"active"`
	InactiveReason string `db:"inactive_reason"`
	SourceHash     string `db:"source_hash"`
	Version        int64  `db:"version"`
}

// sourceStateCols is the select list matching sourceStateRow.
const sourceStateCols = `r.id, r.source_id, r.name, r.active, r.inactive_reason, r.source_hash, r.version`

func (row *sourceStateRow) state() (store.SourceState, error) {
	return store.SourceState{ID: row.ID, SourceID: row.SourceID, Name: row.Name, Active: row.Active,
		InactiveReason: row.InactiveReason, SourceHash: row.SourceHash, Version: row.Version}, nil
}

func (row *sourceStateRow) key() (sourceID, id string) { return row.SourceID, row.ID }
func (row *resourceRow) key() (sourceID, id string)    { return row.SourceID, row.ID }

// EachSourceState walks like EachBySource, reading only the columns of a
// store.SourceState (no document is read or decoded).
func (s *Store) EachSourceState(ctx context.Context, orgID, source string, kind store.Kind, fn func(store.SourceState) error) error {
	return eachSource(ctx, s, sourceStateCols, orgID, source, kind, func(row *sourceStateRow) error {
		st, _ := row.state()
		return fn(st)
	})
}

// keyed is a row that knows its keyset position.
type keyed interface{ key() (sourceID, id string) }

// eachSource walks the live resources of a kind owned by source in
// (source_id, id) order, sourceBatch rows of cols at a time, calling fn on
// each (see EachBySource).
func eachSource[T any, PT interface {
	*T
	keyed
}](ctx context.Context, s *Store, cols, orgID, source string, kind store.Kind, fn func(PT) error) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	q := `SELECT ` + cols + ` FROM resources r
		WHERE r.org_id = ? AND r.source = ? AND r.kind = ? AND r.archived IS NULL`
	const order = ` ORDER BY r.source_id, r.id LIMIT ?`
	var rows []T
	for first := true; ; first = false {
		args := []any{orgID, source, string(kind)}
		page := q
		if !first {
			sid, id := PT(&rows[len(rows)-1]).key()
			// Within source_id >= last, "not source_id > last" is "source_id = last".
			page += ` AND r.source_id >= ? AND (r.source_id > ? OR r.id > ?)`
			args = append(args, sid, sid, id)
		}
		args = append(args, sourceBatch)
		rows = rows[:0]
		if err := s.reader().sel(ctx, &rows, page+order, args...); err != nil {
			return fmt.Errorf("reading %ss of source %q: %w", kindNoun(kind), source, err)
		}
		for i := range rows {
			if err := fn(PT(&rows[i])); err != nil {
				return err
			}
		}
		if len(rows) < sourceBatch {
			return nil
		}
	}
}
