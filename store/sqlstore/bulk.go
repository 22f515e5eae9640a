package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimd/scimd/store"
)

// bulkRows is how many resources one multi-row INSERT carries (20
// parameters each, below both drivers' limits).
const bulkRows = 400

// CreateMany inserts many resources, without members, in one transaction:
// for imports and for seeding benchmarks. Each resource gets version 1 and
// the same creation time. It is all or nothing; a name collision is a
// *store.UniqueError without a Value (the batch is not told apart). It is
// not part of store.Store.
func (s *Store) CreateMany(ctx context.Context, rs []store.Resource) error {
	t := now()
	type encoded struct{ doc, fold string }
	docs := make([]encoded, len(rs))
	for i := range rs {
		if err := checkKind(rs[i].Kind); err != nil {
			return err
		}
		if rs[i].OrgID == "" || rs[i].ID == "" {
			return fmt.Errorf("bulk create: resource %d has no organization or id", i)
		}
		doc, fold, err := encodeDoc(rs[i].Attrs)
		if err != nil {
			return fmt.Errorf("bulk create: %s %q: %w", kindNoun(rs[i].Kind), rs[i].Name, err)
		}
		docs[i] = encoded{string(doc), string(fold)}
		rs[i].Version, rs[i].Created, rs[i].Modified, rs[i].Archived = 1, t, t, nil
		rs[i].Joined = joinedAt(&rs[i], nil, t)
		if s.hook != nil { // the hook sees the stored form
			row := resourceRow{Doc: doc}
			stored, err := row.resource()
			if err != nil {
				return err
			}
			rs[i].Attrs = stored.Attrs
		}
	}
	err := s.write(ctx, func(c conn) error {
		for start := 0; start < len(rs); start += bulkRows {
			end := min(start+bulkRows, len(rs))
			values := make([]string, 0, end-start)
			args := make([]any, 0, 20*(end-start))
			for i := start; i < end; i++ {
				r := &rs[i]
				values = append(values, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)")
				args = append(args, r.OrgID, r.ID, string(r.Kind), r.Name, store.Fold(r.Name), r.ExternalID,
					r.DisplayName, store.Fold(r.DisplayName), r.Active, r.InactiveReason, r.Source, r.SourceID,
					r.SourceHash, r.PasswordHash, s.d.timeArg(t), s.d.timeArg(t), s.timePtrArg(r.Joined),
					docs[i].doc, docs[i].fold)
			}
			_, err := c.exec(ctx, `INSERT INTO resources (org_id, id, kind, name, name_fold, external_id,
				display_name, display_name_fold, active, inactive_reason, source, source_id, source_hash,
				password_hash, version, created, modified, joined, doc, fold) VALUES `+strings.Join(values, ", "), args...)
			if err != nil {
				first := rs[start]
				first.Name, first.ID = "", ""
				return s.resourceErr(err, "bulk creating", &first)
			}
		}
		if s.hook == nil || len(rs) == 0 {
			return nil
		}
		rec := s.newRecorder(c, rs[0].OrgID)
		for i := range rs {
			if rs[i].OrgID != rec.orgID { // one organization's batch at a time
				if err := rec.flush(ctx); err != nil {
					return err
				}
				rec = s.newRecorder(c, rs[i].OrgID)
			}
			if err := rec.add(ctx, store.Change{Op: store.OpCreate, After: &rs[i]}); err != nil {
				return err
			}
		}
		return rec.flush(ctx)
	})
	if err != nil {
		return err
	}
	if q := s.d.analyze(); q != "" {
		if _, err := (conn{x: s.w, d: s.d}).exec(ctx, q); err != nil {
			return fmt.Errorf("bulk create: analyzing: %w", err)
		}
	}
	return nil
}
