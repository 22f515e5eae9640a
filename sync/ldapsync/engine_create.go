package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// New users: created a few thousand per write in a run (one by one in a
// dry run, which looks up each userName instead), as conflicts or
// adoptions when their userName is taken.

// newCreate prepares the create of u: its change and document, and
// whether its manager waits for a DN not known yet.
func (r *syncRun) newCreate(u DirUser) (c *change, doc map[string]any, deferManager bool) {
	c = &change{kind: ChangeCreate, id: directory.NewID(), sourceID: u.SourceID, name: u.UserName,
		d: Detail{Resource: store.KindUser, DN: u.DN}}
	doc = cloneDoc(u.Attrs)
	doc["active"] = !u.Disabled
	if u.Disabled {
		c.d.Reason = dirReason(u)
	}
	if r.own.manager && u.ManagerDN != "" {
		if mid, ok := r.users.byDN[u.ManagerDN]; ok {
			setPath(doc, managerPath, map[string]any{"value": mid})
			doc["schemas"] = r.rt.SchemasFor(doc)
		} else {
			deferManager = true
		}
	}
	return c, doc, deferManager
}

// created notes a user created (or planned) by the run.
func (r *syncRun) created(c *change, u DirUser, deferManager bool) {
	r.users.see(c.id, u)
	r.noteOU(c.id, u)
	if !u.Disabled {
		r.users.created++
	}
	if deferManager {
		r.users.managers = append(r.users.managers, managerFix{id: c.id, sourceID: u.SourceID, name: u.UserName, dn: u.ManagerDN})
	}
}

// newUser creates (or plans) a user the source does not have yet, on its
// own (dry runs, and a batch that could not be created at once).
func (r *syncRun) newUser(ctx context.Context, u DirUser) error {
	c, doc, deferManager := r.newCreate(u)
	fold := store.Fold(u.UserName)
	if other, taken := r.users.names[fold]; taken {
		return r.conflict(ctx, c, fmt.Sprintf("userName %q is that of another entry of this directory (user %s)", u.UserName, other), r.owner, other)
	}
	if r.dry {
		holder, found, err := r.findByName(ctx, store.KindUser, u.UserName)
		if err != nil {
			return err
		}
		if found {
			return r.userClash(ctx, c, u, holder)
		}
		c.state, c.d.Doc = store.ChangePlanned, doc
		r.users.names[fold] = c.id
	} else {
		err := r.applier().createUser(ctx, c, doc, c.d.Reason)
		var cl *clash
		if errors.As(err, &cl) {
			holder, found, ferr := r.findByName(ctx, store.KindUser, u.UserName)
			if ferr != nil {
				return ferr
			}
			if found {
				return r.userClash(ctx, c, u, holder)
			}
		}
		if err != nil {
			return r.recordResult(ctx, c, nil, err)
		}
		c.state = store.ChangeApplied
	}
	r.created(c, u, deferManager)
	return r.record(ctx, c)
}

// queuedUser is a new user of a batch, created with the others.
type queuedUser struct {
	u            DirUser
	c            *change
	doc          map[string]any
	deferManager bool
}

// queueUser prepares a new user for createBatch. It is not seen (its DN
// resolves to nothing) until it exists: a manager waiting in the queue is
// set after the users are read (resolveManagers), so that no document
// ever names a user whose create then fails.
func (r *syncRun) queueUser(u DirUser) queuedUser {
	c, doc, deferManager := r.newCreate(u)
	return queuedUser{u: u, c: c, doc: doc, deferManager: deferManager}
}

// createBatches is how many lookup batches of new users are created in
// one write: a store may do more per write than insert (PostgreSQL
// analyzes the table after a batch insert).
const createBatches = 10

// flushCreates creates the queued new users.
func (r *syncRun) flushCreates(ctx context.Context) error {
	qs := r.users.queue
	r.users.queue = nil
	return r.createBatch(ctx, qs)
}

// createBatch creates a batch's new users in one write; when that fails
// (a userName taken, say), it creates them one by one, which tells the
// conflicts apart.
func (r *syncRun) createBatch(ctx context.Context, qs []queuedUser) error {
	if len(qs) == 0 {
		return nil
	}
	// Managers among the batch itself: the batch is created all at once or
	// not at all, so these references cannot dangle.
	inBatch := make(map[string]string, len(qs))
	for _, q := range qs {
		inBatch[q.u.DNKey] = q.c.id
	}
	rs := make([]store.Resource, len(qs))
	for i := range qs {
		q := &qs[i]
		if mid, ok := inBatch[q.u.ManagerDN]; ok && q.deferManager {
			setPath(q.doc, managerPath, map[string]any{"value": mid})
			q.doc["schemas"] = r.rt.SchemasFor(q.doc)
			q.deferManager = false
		}
		rs[i] = store.Resource{ID: q.c.id, Kind: store.KindUser, Source: r.owner, SourceID: q.c.sourceID,
			InactiveReason: q.c.d.Reason, Attrs: q.doc}
		if mid, ok := r.managerID(q.u, inBatch); ok && !q.deferManager {
			rs[i].SourceHash = r.userHash(q.u, mid)
		}
	}
	if err := r.e.dir.CreateMany(ctx, r.actor, rs); err == nil {
		for _, q := range qs {
			q.c.state = store.ChangeApplied
			r.created(q.c, q.u, q.deferManager)
			if err := r.record(ctx, q.c); err != nil {
				return err
			}
		}
		return nil
	} else if ctx.Err() != nil {
		return err
	}
	for _, q := range qs {
		if err := r.newUser(ctx, q.u); err != nil {
			return err
		}
	}
	return nil
}

// userClash handles a new directory user whose userName holder already
// has: adopted when the source may adopt it, a conflict otherwise.
func (r *syncRun) userClash(ctx context.Context, c *change, u DirUser, holder store.Resource) error {
	if holder.Source != r.owner && r.src.AdoptExisting && directory.Adoptable(holder.Source) {
		return r.syncUser(ctx, holder, u, true)
	}
	why := fmt.Sprintf("userName %q belongs to user %s, owned by %q", u.UserName, holder.ID, holder.Source)
	if holder.Source == r.owner {
		why = fmt.Sprintf("userName %q belongs to user %s of this source, which stands for another directory entry", u.UserName, holder.ID)
	} else if r.src.AdoptExisting {
		why += " (another directory source: never adopted)"
	} else {
		why += " (set adoptExisting to take such users over)"
	}
	return r.conflict(ctx, c, why, holder.Source, holder.ID)
}

// conflict records that c cannot be made.
func (r *syncRun) conflict(ctx context.Context, c *change, why, owner, other string) error {
	c.kind, c.id, c.state = ChangeConflict, "", store.ChangeSkipped
	c.d.Error, c.d.Owner, c.d.Other = why, owner, other
	return r.record(ctx, c)
}

// findByName returns the live resource of kind named name, if any.
func (r *syncRun) findByName(ctx context.Context, kind store.Kind, name string) (store.Resource, bool, error) {
	page, err := r.e.st.List(ctx, r.org.ID, kind, store.Query{Count: 1, Filter: store.Compare{
		Attr: store.Attr{Column: store.ColName, Type: store.TypeString}, Op: store.OpEq, Value: name}})
	if err != nil {
		return store.Resource{}, false, fmt.Errorf("looking up %s %q: %w", strings.ToLower(string(kind)), name, err)
	}
	if len(page.Resources) == 0 {
		return store.Resource{}, false, nil
	}
	return page.Resources[0], true, nil
}
