package store

import "context"

// EachPage lists the resources of kind that q selects, n at a time (n
// must be positive), in q's order, following keysets (q.After) from the
// first page to the last, and hands each non-empty page to fn. It stops
// at the first error, List's or fn's. It sets q.NoTotal: no page counts
// the matches, so each page costs the same however deep the walk, and
// memory holds one page at a time.
func EachPage(ctx context.Context, st Store, orgID string, kind Kind, q Query, n int, fn func([]Resource) error) error {
	q.Count, q.NoTotal = n, true
	for {
		page, err := st.List(ctx, orgID, kind, q)
		if err != nil {
			return err
		}
		if len(page.Resources) > 0 {
			if err := fn(page.Resources); err != nil {
				return err
			}
		}
		if !page.HasNext || len(page.Keys) == 0 {
			return nil
		}
		k := page.Keys[len(page.Keys)-1]
		q.After = &k
	}
}
