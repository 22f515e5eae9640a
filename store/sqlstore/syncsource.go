package sqlstore

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/store"
)

// A source's own objects, for the directory sync: both lookups use the
// partial index resources_source (org_id, source, kind, source_id, id) of
// live resources.

const (
	// sourceIDChunk is how many source ids one IN list carries.
	sourceIDChunk = 500
	// sourceBatch is how many resources EachBySource reads at a time.
	sourceBatch = 1000
)

// BySourceIDs returns the live resources of a kind owned by source whose
// SourceID is among sourceIDs, keyed by SourceID; ids that match nothing,
// and "", have no entry. Should several live resources share a SourceID,
// the one with the smallest id is returned. The lookup reads one snapshot.
func (s *Store) BySourceIDs(ctx context.Context, orgID, source string, kind store.Kind, sourceIDs []string) (map[string]store.Resource, error) {
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
	out := make(map[string]store.Resource, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := s.read(ctx, func(c conn) error {
		for _, part := range chunk(ids, sourceIDChunk) {
			args := make([]any, 0, len(part)+3)
			args = append(args, orgID, source, string(kind))
			for _, id := range part {
				args = append(args, id)
			}
			var rows []resourceRow
			if err := c.sel(ctx, &rows, `SELECT `+resourceCols+` FROM resources r
				WHERE r.org_id = ? AND r.source = ? AND r.kind = ? AND r.archived IS NULL
				AND r.source_id IN (`+placeholders(len(part))+`)
				ORDER BY r.source_id, r.id`, args...); err != nil {
				return err
			}
			for i := range rows {
				if _, dup := out[rows[i].SourceID]; dup {
					continue
				}
				r, err := rows[i].resource()
				if err != nil {
					return err
				}
				out[r.SourceID] = r
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %ss of source %q by source id: %w", kindNoun(kind), source, err)
	}
	return out, nil
}

// EachBySource calls fn for every live resource of a kind owned by source,
// in (SourceID, id) order. It reads sourceBatch resources at a time by
// keyset, holding no transaction or cursor while fn runs, so fn may write
// to the store. Each batch is its own snapshot: a resource is visited
// once, since its position depends only on its SourceID and id, unless
// its SourceID changes during the walk. The first error fn returns stops
// the walk and is returned as is.
func (s *Store) EachBySource(ctx context.Context, orgID, source string, kind store.Kind, fn func(store.Resource) error) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	const q = `SELECT ` + resourceCols + ` FROM resources r
		WHERE r.org_id = ? AND r.source = ? AND r.kind = ? AND r.archived IS NULL`
	const order = ` ORDER BY r.source_id, r.id LIMIT ?`
	var rows []resourceRow
	for first := true; ; first = false {
		var err error
		rows, err = s.sourceBatch(ctx, q, order, first, rows, orgID, source, kind)
		if err != nil {
			return fmt.Errorf("reading %ss of source %q: %w", kindNoun(kind), source, err)
		}
		for i := range rows {
			r, err := rows[i].resource()
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < sourceBatch {
			return nil
		}
	}
}

// sourceBatch reads the batch of EachBySource that follows the last row of
// prev (the first batch when first is set), reusing prev's storage.
func (s *Store) sourceBatch(ctx context.Context, q, order string, first bool, prev []resourceRow,
	orgID, source string, kind store.Kind) ([]resourceRow, error) {
	args := []any{orgID, source, string(kind)}
	if !first {
		last := prev[len(prev)-1]
		// Within source_id >= last, "not source_id > last" is "source_id = last".
		q += ` AND r.source_id >= ? AND (r.source_id > ? OR r.id > ?)`
		args = append(args, last.SourceID, last.SourceID, last.ID)
	}
	args = append(args, sourceBatch)
	rows := prev[:0]
	err := s.reader().sel(ctx, &rows, q+order, args...)
	return rows, err
}
