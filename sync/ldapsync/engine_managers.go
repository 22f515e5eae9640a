package ldapsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/scimd/scimd/store"
)

// Managers named by a DN that was not known when their report was read
// (the manager comes later in the stream): set, or checked, once every
// user has been read.

// lateManager is a user in step but for its manager, whose DN was not
// known when it was read: its stored hash's manager part is checked once
// the read is done.
type lateManager struct {
	id, dn, hash string
}

// managerFix is a user whose manager is set, or checked, at the end.
type managerFix struct {
	id, sourceID, name, dn string
	old                    any // the stored manager value
	// vouch: but for its manager the user is in step; once the manager
	// is resolved unchanged, its hash (base completed with the manager)
	// is set, if it is still at version with the stored hash.
	vouch   bool
	base    [sha256.Size]byte
	version int64
	hash    string
}

// resolveManagers sets the managers whose DN was not known when their
// report was read. A DN that names no user of the run clears the manager
// (the manager is out of scope), unless the read was incomplete.
func (r *syncRun) resolveManagers(ctx context.Context) error {
	if err := r.checkLateManagers(ctx); err != nil {
		return err
	}
	for _, f := range r.users.managers {
		mid, ok := r.users.byDN[f.dn]
		if !ok && !r.usersComplete() {
			continue
		}
		cur := map[string]any{}
		if f.old != nil {
			setPath(cur, managerPath, f.old)
		}
		mc := managerChange(cur, mid)
		if mc == nil {
			if f.vouch {
				if err := r.setHash(ctx, f.id, f.version, f.hash, r.withManager(f.base, f.dn, mid)); err != nil {
					return err
				}
			}
			continue
		}
		c := &change{kind: ChangeUpdate, id: f.id, sourceID: f.sourceID, name: f.name,
			d: Detail{Resource: store.KindUser, Attrs: []AttrChange{*mc}}}
		if err := r.applyUpdate(ctx, c); err != nil {
			return err
		}
	}
	r.users.managers = nil
	return nil
}

// checkLateManagers checks the manager part of the stored hash of the
// users in step but for a manager that came later in the stream. A user
// whose manager differs is read from the store and its manager fixed
// like that of a user mapped in full.
func (r *syncRun) checkLateManagers(ctx context.Context) error {
	for _, l := range r.users.late {
		mid, ok := r.users.byDN[l.dn]
		if !ok && !r.usersComplete() {
			continue
		}
		if r.managerMatches(l.hash, l.dn, mid) {
			continue
		}
		cur, err := r.e.st.Get(ctx, r.org.ID, store.KindUser, l.id)
		if errors.Is(err, store.ErrNotFound) {
			continue // archived since
		}
		if err != nil {
			return fmt.Errorf("reading user %s: %w", l.id, err)
		}
		f := managerFix{id: cur.ID, sourceID: cur.SourceID, name: cur.Name, dn: l.dn,
			old: getKeys(cur.Attrs, managerPath), version: cur.Version, hash: cur.SourceHash}
		// Unchanged since the read: but for its manager, it is in step.
		if cur.SourceHash == l.hash {
			if _, err := hex.Decode(f.base[:], []byte(l.hash[len(hashPrefix):len(hashPrefix)+rawHex])); err == nil {
				f.vouch = true
			}
		}
		r.users.managers = append(r.users.managers, f)
	}
	r.users.late = nil
	return nil
}
