package sqlstore

import (
	"context"
	"fmt"

	"github.com/scimd/scimd/store"
)

// List selects one page of live resources of one kind, filtered and
// sorted in SQL: a COUNT for the total, then the page. Without SortBy the
// order is id ascending (time-ordered ids: creation order); with SortBy,
// missing values sort last in ascending order (first in descending order,
// which is the exact reverse) and id breaks ties so pages are stable.
func (s *Store) List(ctx context.Context, orgID string, kind store.Kind, q store.Query) (store.Page, error) {
	noun := kindNoun(kind) + "s"
	c := &compiler{d: s.d, orgID: orgID}
	where := sqlf("r.org_id = %s AND r.kind = %s AND r.archived IS NULL", bind(orgID), bind(string(kind)))
	if q.Filter != nil {
		f, err := c.expr(q.Filter, rootScope())
		if err != nil {
			return store.Page{}, fmt.Errorf("listing %s: %w", noun, err)
		}
		where = sqlf("%s AND %s", where, f)
	}
	dir := " ASC"
	if q.Descending {
		dir = " DESC"
	}
	order := lit("r.id" + dir)
	if q.SortBy != nil {
		key, err := c.sortKey(*q.SortBy)
		if err != nil {
			return store.Page{}, fmt.Errorf("listing %s: %w", noun, err)
		}
		order = sqlf("(%s IS NULL)"+dir+", %s"+dir+", r.id"+dir, key, key)
	}
	offset := max(q.StartIndex, 1) - 1
	count := max(q.Count, 0)

	var page store.Page
	err := s.read(ctx, func(c conn) error {
		total := sqlf("SELECT COUNT(*) FROM resources r WHERE %s", where)
		if err := c.get(ctx, &page.Total, total.sql, total.args...); err != nil {
			return err
		}
		if count == 0 || offset >= page.Total {
			return nil
		}
		sel := sqlf("SELECT "+resourceCols+" FROM resources r WHERE %s ORDER BY %s LIMIT %s OFFSET %s",
			where, order, bind(count), bind(offset))
		var rows []resourceRow
		if err := c.sel(ctx, &rows, sel.sql, sel.args...); err != nil {
			return err
		}
		page.Resources = make([]store.Resource, 0, len(rows))
		for i := range rows {
			r, err := rows[i].resource()
			if err != nil {
				return err
			}
			page.Resources = append(page.Resources, r)
		}
		return nil
	})
	if err != nil {
		return store.Page{}, fmt.Errorf("listing %s: %w", noun, err)
	}
	return page, nil
}
