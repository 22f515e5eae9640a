package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scimd/scimd/store"
)

func kindNoun(k store.Kind) string {
	switch k {
	case store.KindUser:
		return "user"
	case store.KindGroup:
		return "group"
	}
	return "resource"
}

// nameAttr is the SCIM attribute held in Resource.Name.
func nameAttr(k store.Kind) string {
	if k == store.KindGroup {
		return "displayName"
	}
	return "userName"
}

// resourceErr maps a failed write of r to the store's errors.
func (s *Store) resourceErr(err error, verb string, r *store.Resource) error {
	switch s.d.classify(err) {
	case errUniqueName:
		return &store.UniqueError{Attr: nameAttr(r.Kind), Value: r.Name}
	case errUniqueKey:
		return &store.UniqueError{Attr: "id", Value: r.ID}
	case errForeignKey:
		return fmt.Errorf("%s %s %q: organization %q: %w", verb, kindNoun(r.Kind), r.Name, r.OrgID, store.ErrNotFound)
	}
	return fmt.Errorf("%s %s %q: %w", verb, kindNoun(r.Kind), r.Name, err)
}

func checkKind(k store.Kind) error {
	if k != store.KindUser && k != store.KindGroup {
		return fmt.Errorf("unknown resource kind %q", k)
	}
	return nil
}

// Create inserts r with version 1 and, for a group, its initial members,
// in one transaction.
func (s *Store) Create(ctx context.Context, r store.Resource, members []string) (store.Resource, error) {
	if err := checkKind(r.Kind); err != nil {
		return store.Resource{}, err
	}
	if r.OrgID == "" || r.ID == "" {
		return store.Resource{}, fmt.Errorf("creating %s %q: organization and id are required", kindNoun(r.Kind), r.Name)
	}
	if len(members) > 0 && r.Kind != store.KindGroup {
		return store.Resource{}, fmt.Errorf("creating user %q: only groups have members", r.Name)
	}
	t := now()
	r.Version, r.Created, r.Modified, r.Archived, r.Joined = 1, t, t, nil, joinedAt(&r, nil, t)
	doc, fold, err := encodeDoc(r.Attrs)
	if err != nil {
		return store.Resource{}, fmt.Errorf("creating %s %q: %w", kindNoun(r.Kind), r.Name, err)
	}
	row := resourceRow{Doc: doc}
	stored, err := row.resource()
	if err != nil {
		return store.Resource{}, err
	}
	r.Attrs = stored.Attrs // the stored form, not the caller's map
	err = s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO resources (org_id, id, kind, name, name_fold, external_id,
			display_name, display_name_fold, active, inactive_reason, source, source_id, source_hash,
			password_hash, version, created, modified, joined, doc, fold)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.OrgID, r.ID, string(r.Kind), r.Name, store.Fold(r.Name), r.ExternalID,
			r.DisplayName, store.Fold(r.DisplayName), r.Active, r.InactiveReason, r.Source, r.SourceID,
			r.SourceHash, r.PasswordHash, r.Version, s.d.timeArg(t), s.d.timeArg(t), s.timePtrArg(r.Joined),
			string(doc), string(fold))
		if err != nil {
			return s.resourceErr(err, "creating", &r)
		}
		var added []store.Member
		if len(members) > 0 {
			if added, err = s.addMembers(ctx, c, r.OrgID, r.ID, members); err != nil {
				return err
			}
		}
		return s.record(ctx, c, r.OrgID, store.Change{Op: store.OpCreate, After: &r, Added: added})
	})
	if err != nil {
		return store.Resource{}, err
	}
	return r, nil
}

// Get returns a live resource.
func (s *Store) Get(ctx context.Context, orgID string, kind store.Kind, id string) (store.Resource, error) {
	var row resourceRow
	err := s.reader().get(ctx, &row, `SELECT `+resourceCols+` FROM resources r
		WHERE r.org_id = ? AND r.kind = ? AND r.id = ? AND r.archived IS NULL`, orgID, string(kind), id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Resource{}, fmt.Errorf("%s %q: %w", kindNoun(kind), id, store.ErrNotFound)
	}
	if err != nil {
		return store.Resource{}, fmt.Errorf("reading %s %q: %w", kindNoun(kind), id, err)
	}
	return row.resource()
}

// lockLive reads a live resource inside a write transaction, locking its
// row (lock is a dialect row lock) until the transaction ends.
func (s *Store) lockLive(ctx context.Context, c conn, lock, orgID string, kind store.Kind, id string) (resourceRow, error) {
	var row resourceRow
	err := c.get(ctx, &row, `SELECT `+resourceCols+` FROM resources r
		WHERE r.org_id = ? AND r.kind = ? AND r.id = ? AND r.archived IS NULL`+lock,
		orgID, string(kind), id)
	if errors.Is(err, sql.ErrNoRows) {
		return row, fmt.Errorf("%s %q: %w", kindNoun(kind), id, store.ErrNotFound)
	}
	if err != nil {
		return row, fmt.Errorf("reading %s %q: %w", kindNoun(kind), id, err)
	}
	return row, nil
}

// sameColumns reports whether the columns an update may change are equal.
func sameColumns(a, b *store.Resource) bool {
	return a.Name == b.Name && a.ExternalID == b.ExternalID && a.DisplayName == b.DisplayName &&
		a.Active == b.Active && a.InactiveReason == b.InactiveReason && a.Source == b.Source &&
		a.SourceID == b.SourceID && a.PasswordHash == b.PasswordHash
}

// Update applies fn to a private copy of the live resource and writes the
// result in the same transaction; the membership change it returns is
// applied after the attributes. Nothing is written, and the version stays,
// when neither the columns, the document nor the membership changed.
func (s *Store) Update(ctx context.Context, orgID string, kind store.Kind, id string, fn store.UpdateFunc) (store.Resource, error) {
	var out store.Resource
	err := s.write(ctx, func(c conn) error {
		row, err := s.lockLive(ctx, c, s.d.forUpdate(), orgID, kind, id)
		if err != nil {
			return err
		}
		cur, err := row.resource()
		if err != nil {
			return err
		}
		before, _, err := encodeDoc(cur.Attrs)
		if err != nil {
			return err
		}
		next, err := row.resource() // an independent copy for fn
		if err != nil {
			return err
		}
		mc, err := fn(&next)
		if err != nil {
			return err
		}
		// What the store owns is not fn's to change.
		next.OrgID, next.ID, next.Kind = cur.OrgID, cur.ID, cur.Kind
		next.Version, next.Created, next.Modified, next.Archived = cur.Version, cur.Created, cur.Modified, nil
		next.SourceHash, next.Joined = cur.SourceHash, cur.Joined
		if !mc.Empty() && kind != store.KindGroup {
			return fmt.Errorf("updating %s %q: only groups have members", kindNoun(kind), id)
		}
		doc, fold, err := encodeDoc(next.Attrs)
		if err != nil {
			return fmt.Errorf("updating %s %q: %w", kindNoun(kind), id, err)
		}
		t := now()
		changed := !sameColumns(&cur, &next) || !bytes.Equal(before, doc)
		if changed {
			next.Version, next.Modified, next.SourceHash = cur.Version+1, t, ""
			next.Joined = joinedAt(&next, cur.Joined, t)
			_, err := c.exec(ctx, `UPDATE resources SET name = ?, name_fold = ?, external_id = ?,
				display_name = ?, display_name_fold = ?, active = ?, inactive_reason = ?, source = ?,
				source_id = ?, source_hash = '', password_hash = ?, version = ?, modified = ?, joined = ?,
				doc = ?, fold = ?
				WHERE org_id = ? AND id = ?`,
				next.Name, store.Fold(next.Name), next.ExternalID, next.DisplayName, store.Fold(next.DisplayName),
				next.Active, next.InactiveReason, next.Source, next.SourceID, next.PasswordHash,
				next.Version, s.d.timeArg(t), s.timePtrArg(next.Joined), string(doc), string(fold), orgID, id)
			if err != nil {
				return s.resourceErr(err, "updating", &next)
			}
		}
		var added, removed []store.Member
		if !mc.Empty() {
			added, removed, err = s.applyMemberChange(ctx, c, orgID, id, mc)
			if err != nil {
				return err
			}
			if len(added)+len(removed) > 0 && !changed {
				changed = true
				next.Version, next.Modified, next.SourceHash = cur.Version+1, t, ""
				if _, err := c.exec(ctx, `UPDATE resources SET version = ?, modified = ?, source_hash = '' WHERE org_id = ? AND id = ?`,
					next.Version, s.d.timeArg(t), orgID, id); err != nil {
					return fmt.Errorf("updating %s %q: %w", kindNoun(kind), id, err)
				}
			}
		}
		if !changed {
			out = cur
			return nil
		}
		stored := resourceRow{Doc: doc}
		r, err := stored.resource()
		if err != nil {
			return err
		}
		next.Attrs = r.Attrs
		out = next
		return s.record(ctx, c, orgID, store.Change{Op: store.OpUpdate, Before: &cur, After: &next,
			Added: added, Removed: removed})
	})
	if err != nil {
		return store.Resource{}, err
	}
	return out, nil
}

// Archive marks a live resource archived after fn (if any) accepts it.
// Groups that listed it as a member get a new version (their visible
// members changed); an archived group also loses its memberships in other
// groups and its sub-groups, while its user edges stay, hidden.
func (s *Store) Archive(ctx context.Context, orgID string, kind store.Kind, id string, fn func(store.Resource) error) error {
	return s.write(ctx, func(c conn) error {
		row, err := s.lockLive(ctx, c, s.d.forArchive(), orgID, kind, id)
		if err != nil {
			return err
		}
		cur, err := row.resource()
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(cur); err != nil {
				return err
			}
		}
		at := now()
		t := s.d.timeArg(at)
		wrap := func(err error) error { return fmt.Errorf("archiving %s %q: %w", kindNoun(kind), id, err) }
		if _, err := c.exec(ctx, `UPDATE resources SET archived = ?, modified = ?, version = version + 1
			WHERE org_id = ? AND id = ?`, t, t, orgID, id); err != nil {
			return wrap(err)
		}
		if _, err := c.exec(ctx, `UPDATE resources SET version = version + 1, modified = ?
			WHERE org_id = ? AND archived IS NULL AND id IN
			(SELECT group_id FROM members WHERE org_id = ? AND member_id = ?)`, t, orgID, orgID, id); err != nil {
			return wrap(err)
		}
		if kind == store.KindGroup {
			if _, err := c.exec(ctx, `DELETE FROM members WHERE org_id = ? AND member_id = ?`, orgID, id); err != nil {
				return wrap(err)
			}
			if _, err := c.exec(ctx, `DELETE FROM members WHERE org_id = ? AND group_id = ? AND member_kind = 'Group'`,
				orgID, id); err != nil {
				return wrap(err)
			}
		}
		after := cur
		after.Archived, after.Modified, after.Version = &at, at, cur.Version+1
		return s.record(ctx, c, orgID, store.Change{Op: store.OpArchive, Before: &cur, After: &after})
	})
}
