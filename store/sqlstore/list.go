package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/scimd/scimd/store"
)

// List selects one page of live resources of one kind, filtered and
// sorted in SQL, in one snapshot: a COUNT for the total, then the page.
// Without SortBy the order is id ascending (time-ordered ids: creation
// order); with SortBy, missing values sort last in ascending order (first
// in descending order, which is the exact reverse) and id breaks ties so
// pages are stable.
//
// A page by position uses OFFSET; a page by keyset (Query.After or
// Query.Before) selects the rows past the position with LIMIT Count+1,
// the extra row telling whether more follow, and never OFFSET. A page
// before a position is the page after it in the reverse order, reversed.
func (s *Store) List(ctx context.Context, orgID string, kind store.Kind, q store.Query) (store.Page, error) {
	noun := kindNoun(kind) + "s"
	page, err := s.list(ctx, orgID, kind, q)
	if err != nil {
		return store.Page{}, fmt.Errorf("listing %s: %w", noun, err)
	}
	return page, nil
}

// listing is one List call, compiled.
type listing struct {
	where frag
	ord   order
	count int
	// anchor is the keyset position and forward whether the page follows
	// it (Query.After) or precedes it (Query.Before); nil pages by offset.
	anchor  *position
	forward bool
	offset  int
}

func (s *Store) list(ctx context.Context, orgID string, kind store.Kind, q store.Query) (store.Page, error) {
	var page store.Page
	err := s.read(ctx, func(c conn) (err error) {
		page, err = s.listIn(ctx, c, orgID, kind, q)
		return err
	})
	return page, err
}

// listIn runs a List inside c (a read snapshot or a write transaction).
func (s *Store) listIn(ctx context.Context, c conn, orgID string, kind store.Kind, q store.Query) (store.Page, error) {
	if q.After != nil && q.Before != nil {
		return store.Page{}, fmt.Errorf("a query cannot page both after and before a position")
	}
	cc := &compiler{d: s.d, orgID: orgID}
	l := listing{
		where:  sqlf("r.org_id = %s AND r.kind = %s AND r.archived IS NULL", bind(orgID), bind(string(kind))),
		count:  max(q.Count, 0),
		offset: max(q.StartIndex, 1) - 1,
	}
	if q.Archived {
		l.where = sqlf("r.org_id = %s AND r.kind = %s AND r.archived IS NOT NULL AND r.purged IS NULL",
			bind(orgID), bind(string(kind)))
		if !q.ArchivedBefore.IsZero() {
			l.where = sqlf("%s AND r.archived < %s", l.where, bind(s.d.timeArg(q.ArchivedBefore.UTC())))
		}
	}
	if q.Filter != nil {
		f, err := cc.expr(q.Filter, rootScope())
		if err != nil {
			return store.Page{}, err
		}
		l.where = sqlf("%s AND %s", l.where, f)
	}
	var err error
	if l.ord, err = cc.newOrder(q); err != nil {
		return store.Page{}, err
	}
	if k := q.After; k != nil || q.Before != nil {
		l.forward = k != nil
		if !l.forward {
			k = q.Before
		}
		p, err := s.position(l.ord, *k)
		if err != nil {
			return store.Page{}, err
		}
		l.anchor = &p
	}

	var page store.Page
	err = func() error {
		if q.NoTotal && l.anchor != nil { // index pages need the total
			page.Total = -1
		} else {
			total := sqlf("SELECT COUNT(*) FROM resources r WHERE %s", l.where)
			if err := c.get(ctx, &page.Total, total.sql, total.args...); err != nil {
				return err
			}
		}
		if l.count == 0 {
			return nil
		}
		if l.anchor == nil {
			return s.byOffset(ctx, c, l, &page)
		}
		return s.byKeyset(ctx, c, l, &page)
	}()
	return page, err
}

// byOffset reads the page at l.offset.
func (s *Store) byOffset(ctx context.Context, c conn, l listing, page *store.Page) error {
	page.HasPrev = l.offset > 0 && page.Total > 0
	if l.offset >= page.Total {
		return nil
	}
	rows, err := s.rows(ctx, c, l.ord, sqlf("%s ORDER BY %s LIMIT %s OFFSET %s",
		l.where, l.ord.sql(), bind(l.count), bind(l.offset)))
	if err != nil {
		return err
	}
	page.HasNext = l.offset+len(rows) < page.Total
	return fill(page, l.ord, rows)
}

// byKeyset reads the l.count rows after (or before) l.anchor.
func (s *Store) byKeyset(ctx context.Context, c conn, l listing, page *store.Page) error {
	ord := l.ord
	if !l.forward {
		ord = ord.reversed()
	}
	rows, err := s.rows(ctx, c, ord, sqlf("%s AND %s ORDER BY %s LIMIT %s",
		l.where, ord.after(*l.anchor), ord.sql(), bind(l.count+1)))
	if err != nil {
		return err
	}
	more := len(rows) > l.count
	rows = rows[:min(len(rows), l.count)]
	// behind: are there rows on the other side of the page, before its
	// first row in the reading order?
	behind := page.Total > 0
	if len(rows) == 0 && page.Total < 0 { // not counted: look
		if behind, err = s.exists(ctx, c, l.where); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		k, err := ord.keyset(rows[0])
		if err != nil {
			return err
		}
		first, err := s.position(ord, k)
		if err != nil {
			return err
		}
		if behind, err = s.exists(ctx, c, sqlf("%s AND %s", l.where, ord.reversed().after(first))); err != nil {
			return err
		}
	}
	if l.forward {
		page.HasPrev, page.HasNext = behind, more
	} else {
		slices.Reverse(rows)
		page.HasPrev, page.HasNext = more, behind
	}
	return fill(page, l.ord, rows)
}

// keyedRow is a resources row and its sort value.
type keyedRow struct {
	resourceRow
	SortKey any `db:"sort_key"`
}

// rows runs SELECT … FROM resources r WHERE <tail>, with the sort value
// of o.
func (s *Store) rows(ctx context.Context, c conn, o order, tail frag) ([]keyedRow, error) {
	q := sqlf("SELECT "+resourceCols+", %s FROM resources r WHERE %s", o.selectKey(), tail)
	var rows []keyedRow
	if err := c.sel(ctx, &rows, q.sql, q.args...); err != nil {
		return nil, err
	}
	return rows, nil
}

// exists reports whether some resource matches where.
func (s *Store) exists(ctx context.Context, c conn, where frag) (bool, error) {
	q := sqlf("SELECT COUNT(*) FROM (SELECT 1 FROM resources r WHERE %s LIMIT 1) x", where)
	var n int
	if err := c.get(ctx, &n, q.sql, q.args...); err != nil {
		return false, err
	}
	return n > 0, nil
}

// keyset is the position of a row just read, as store.Keyset.
func (o order) keyset(r keyedRow) (store.Keyset, error) {
	if o.key == nil {
		return store.Keyset{ID: r.ID}, nil
	}
	k, err := encodeKey(r.SortKey)
	return store.Keyset{Key: k, ID: r.ID}, err
}

// fill converts rows into the page's resources and keys.
func fill(page *store.Page, o order, rows []keyedRow) error {
	page.Resources = make([]store.Resource, 0, len(rows))
	page.Keys = make([]store.Keyset, 0, len(rows))
	for i := range rows {
		r, err := rows[i].resource()
		if err != nil {
			return err
		}
		k, err := o.keyset(rows[i])
		if err != nil {
			return err
		}
		page.Resources = append(page.Resources, r)
		page.Keys = append(page.Keys, k)
	}
	return nil
}
