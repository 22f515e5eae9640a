package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/scimd/scimd/store"
)

// Delete is a SCIM DELETE: under the organization's delete policy a user is
// archived (the default) or only deactivated; a group is always archived.
// check may veto it (If-Match). Nothing is lost either way: an archived
// resource can be restored.
func (s *Service) Delete(ctx context.Context, a Actor, kind store.Kind, id string, check func(store.Resource) error) error {
	w, p, err := s.writer(ctx, a)
	if err != nil {
		return err
	}
	if kind != store.KindUser || p.DeleteMode != DeleteDeactivate {
		return w.Archive(ctx, a.OrgID, kind, id, check)
	}
	_, err = update(ctx, w, p, a, kind, id, func(r *store.Resource) (*store.MemberChange, error) {
		if check != nil {
			if err := check(*r); err != nil {
				return nil, err
			}
		}
		r.Attrs["active"] = false
		return nil, nil
	})
	return err
}

// Restore brings an archived resource back with its id, document, history
// and (for a user) its team memberships. The policy applies: restoring an
// active user needs a free seat.
func (s *Service) Restore(ctx context.Context, a Actor, kind store.Kind, id string) (store.Resource, error) {
	w, _, err := s.writer(ctx, a)
	if err != nil {
		return store.Resource{}, err
	}
	return w.Restore(ctx, a.OrgID, kind, id)
}

// ErrStillActive refuses to purge a resource that is not archived.
var ErrStillActive = errors.New("only archived users can be purged; archive (SCIM DELETE) it first")

// Purge erases the personal data of one archived resource archived before
// cutoff, keeping an anonymised audit trail. A live resource is refused
// with ErrStillActive, one archived at or after cutoff with an error
// saying when it may be purged.
func (s *Service) Purge(ctx context.Context, a Actor, kind store.Kind, id string, cutoff time.Time) error {
	w, _, err := s.writer(ctx, a)
	if err != nil {
		return err
	}
	r, err := s.store.GetArchived(ctx, a.OrgID, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := s.store.Get(ctx, a.OrgID, kind, id); gerr == nil {
			return ErrStillActive
		}
	}
	if err != nil {
		return err
	}
	if !r.Archived.Before(cutoff) {
		after := r.Archived.Add(time.Since(cutoff))
		return fmt.Errorf("%s %q was archived on %s, inside the retention period; it may be purged after %s",
			kind, id, r.Archived.Format(time.DateOnly), after.Format(time.DateOnly))
	}
	return w.Purge(ctx, a.OrgID, kind, id)
}

// PurgeArchived purges every user archived before cutoff, page by page,
// and returns how many it purged. It stops at the first error.
func (s *Service) PurgeArchived(ctx context.Context, a Actor, cutoff time.Time) (int, error) {
	w, _, err := s.writer(ctx, a)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		page, err := s.store.List(ctx, a.OrgID, store.KindUser, store.Query{Archived: true, ArchivedBefore: cutoff, Count: 200})
		if err != nil {
			return n, err
		}
		if len(page.Resources) == 0 {
			return n, nil
		}
		for _, r := range page.Resources {
			if err := w.Purge(ctx, a.OrgID, store.KindUser, r.ID); err != nil {
				return n, err
			}
			n++
		}
	}
}
