package ldapsync

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Users: stream, look up by source id a batch at a time, create, update,
// adopt or report a conflict, reactivate now; deactivate at the end.

type userState struct {
	read    int               // users applied so far
	queue   []queuedUser      // new users waiting for createBatch
	seen    map[string]bool   // ids of the users the read returned
	byDN    map[string]string // canonical DN → id
	byUID   map[string]string // folded uid (or userName) → id, for posixGroup memberUid
	names   map[string]string // dry run: folded userName → id of a planned create
	created int               // active users created (or planned)
	// managers are manager DNs not yet resolvable when their report was
	// read (the manager comes later in the stream).
	managers      []managerFix
	deactivations []*change
}

type pendingUser struct {
	u   DirUser
	err error
}

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

func newUserState() userState {
	return userState{seen: map[string]bool{}, byDN: map[string]string{}, byUID: map[string]string{}, names: map[string]string{}}
}

// see remembers that the user id stands for u in this run.
func (s *userState) see(id string, u DirUser) {
	s.seen[id] = true
	if u.DNKey != "" {
		s.byDN[u.DNKey] = id
	}
	uid := u.UID
	if uid == "" {
		uid = u.UserName
	}
	if uid != "" {
		s.byUID[store.Fold(uid)] = id
	}
}

// applier returns the run's applier.
func (r *syncRun) applier() *applier {
	return &applier{dir: r.e.dir, orgID: r.org.ID, owner: r.owner, rt: r.rt, actor: r.actor}
}

// readUsers streams the users and applies what they say, batch by batch.
// A worker applies each batch while the next page is read, so that the
// directory and the store work at the same time; at most three batches
// are in memory (one being read, one queued, one being applied).
func (r *syncRun) readUsers(ctx context.Context, conn *Conn) error {
	batches := make(chan []pendingUser, 1)
	done := make(chan error, 1)
	var failed atomic.Bool
	go func() {
		var err error
		for b := range batches {
			if err == nil {
				if err = r.flushUsers(ctx, b); err != nil {
					failed.Store(true)
				}
			}
		}
		if err == nil {
			err = r.flushCreates(ctx)
		}
		done <- err
	}()
	var pending []pendingUser
	comp, err := conn.Users(ctx, r.m, r.now, func(u DirUser, merr error) error {
		if failed.Load() {
			return errors.New("applying users failed")
		}
		pending = append(pending, pendingUser{u, merr})
		if len(pending) >= r.e.batch {
			batches <- pending
			pending = nil
		}
		return nil
	})
	// What was read is genuine, also when the read was cut short.
	if len(pending) > 0 && !failed.Load() {
		batches <- pending
	}
	close(batches)
	if werr := <-done; werr != nil {
		return werr
	}
	r.usersComp, r.usersErr = comp, err
	r.e.m.read.WithLabelValues(r.org.Name, r.src.Name, "user").Add(float64(comp.Entries))
	if err != nil && !errors.Is(err, ErrIncomplete) {
		return fmt.Errorf("reading users: %w", err)
	}
	if err != nil {
		r.e.m.code(r.org.Name, r.src.Name, comp.ResultCode)
		r.log.Warn("incomplete user read: no user will be deactivated", "reason", comp.Reason, "entries", comp.Entries)
	}
	return nil
}

// flushUsers applies a batch of users.
func (r *syncRun) flushUsers(ctx context.Context, batch []pendingUser) error {
	r.users.read += len(batch)
	fast, existing, err := r.lookUpUsers(ctx, batch)
	if err != nil {
		return err
	}
	var queued []queuedUser
	for i, p := range batch {
		if fast[i] != "" {
			r.users.see(fast[i], p.u)
			r.noteOU(fast[i], p.u)
			continue
		}
		cur, exists := existing[p.u.SourceID]
		if p.u.SourceID == "" {
			exists = false
		}
		if p.err != nil {
			if exists {
				r.users.see(cur.ID, p.u) // known, so not a leaver
			}
			c := &change{kind: ChangeError, sourceID: p.u.SourceID, name: p.u.DN, state: ChangeFailed,
				d: Detail{Resource: store.KindUser, DN: p.u.DN, Error: p.err.Error()}}
			if exists {
				c.id = cur.ID
			}
			if err := r.record(ctx, c); err != nil {
				return err
			}
			continue
		}
		switch {
		case exists:
			err = r.syncUser(ctx, cur, p.u, false)
		case r.dry:
			err = r.newUser(ctx, p.u)
		default:
			queued = append(queued, r.queueUser(p.u))
		}
		if err != nil {
			return err
		}
	}
	r.users.queue = append(r.users.queue, queued...)
	if len(r.users.queue) >= createBatches*r.e.batch {
		if err := r.flushCreates(ctx); err != nil {
			return err
		}
	}
	r.tick(false)
	return nil
}

// lookUpUsers finds the stored users of a batch: fast[i] is the id of
// batch[i] when its stored hash says it is in step (nothing to do but
// note it), and existing holds the full stored resources of the others,
// by SourceID, so that only those documents are read and decoded.
func (r *syncRun) lookUpUsers(ctx context.Context, batch []pendingUser) (fast []string, existing map[string]store.Resource, err error) {
	ids := make([]string, 0, len(batch))
	for _, p := range batch {
		ids = append(ids, p.u.SourceID)
	}
	states, err := r.e.st.SourceHashes(ctx, r.org.ID, r.owner, store.KindUser, ids)
	if err != nil {
		return nil, nil, err
	}
	known := make(map[string]string, len(batch)) // DN key → id of the batch's stored users
	for _, p := range batch {
		if st, ok := states[p.u.SourceID]; ok && p.u.SourceID != "" && p.u.DNKey != "" {
			known[p.u.DNKey] = st.ID
		}
	}
	fast = make([]string, len(batch))
	full := ids[:0]
	for i, p := range batch {
		st, ok := states[p.u.SourceID]
		if !ok || p.u.SourceID == "" {
			continue
		}
		if p.err == nil {
			in, err := r.inStep(st, p.u, known)
			if err != nil {
				return nil, nil, err
			}
			if in {
				fast[i] = st.ID
				continue
			}
		}
		full = append(full, p.u.SourceID)
	}
	existing, err = r.e.st.BySourceIDs(ctx, r.org.ID, r.owner, store.KindUser, full)
	return fast, existing, err
}

// dirReason is the directory reason for a mapped user's Reason.
func dirReason(u DirUser) string {
	if u.Reason == ReasonExpired {
		return directory.ReasonExpired
	}
	return directory.ReasonDisabled
}

// manager returns the change of cur's manager that u asks for, or
// deferred when the manager's DN is not known yet.
func (r *syncRun) manager(cur map[string]any, u DirUser) (c *AttrChange, deferred bool) {
	if !r.own.manager {
		return nil, false
	}
	if u.ManagerDN == "" {
		return managerChange(cur, ""), false
	}
	if mid, ok := r.users.byDN[u.ManagerDN]; ok {
		return managerChange(cur, mid), false
	}
	return nil, true
}

// syncUser brings an existing user (or one being adopted) in step with u.
func (r *syncRun) syncUser(ctx context.Context, cur store.Resource, u DirUser, adopt bool) error {
	attrs := r.own.diff(cur.Attrs, u.Attrs)
	mc, deferred := r.manager(cur.Attrs, u)
	if mc != nil {
		attrs = append(attrs, *mc)
	}
	r.users.see(cur.ID, u)
	r.noteOU(cur.ID, u)
	lifecycle := (u.Disabled && cur.Active) || (!u.Disabled && !cur.Active && directory.IsSyncReason(cur.InactiveReason))
	if deferred {
		f := managerFix{id: cur.ID, sourceID: u.SourceID, name: u.UserName, dn: u.ManagerDN,
			old: getKeys(cur.Attrs, managerPath), version: cur.Version, hash: cur.SourceHash}
		if len(attrs) == 0 && !adopt && !lifecycle && !r.dry {
			base, err := r.baseHash(u)
			if err != nil {
				return err
			}
			f.vouch, f.base = true, base
		}
		r.users.managers = append(r.users.managers, f)
	}
	if len(attrs) > 0 || adopt {
		c := &change{kind: ChangeUpdate, id: cur.ID, sourceID: u.SourceID, name: u.UserName,
			d: Detail{Resource: store.KindUser, DN: u.DN, Attrs: attrs}}
		if adopt {
			c.kind, c.d.Owner = ChangeAdopt, cur.Source
		}
		if err := r.applyUpdate(ctx, c); err != nil {
			return err
		}
	}
	lc := &change{id: cur.ID, sourceID: u.SourceID, name: u.UserName, d: Detail{Resource: store.KindUser, DN: u.DN}}
	switch {
	case u.Disabled && cur.Active:
		lc.kind, lc.d.Reason = ChangeDeactivate, dirReason(u)
		r.users.deactivations = append(r.users.deactivations, lc)
	case !u.Disabled && !cur.Active && directory.IsSyncReason(cur.InactiveReason):
		lc.kind, lc.d.Reason = ChangeReactivate, cur.InactiveReason
		if r.dry {
			lc.state = store.ChangePlanned
			return r.record(ctx, lc)
		}
		return r.recordResult(ctx, lc, nil, r.applier().setActive(ctx, lc, true, ""))
	}
	if len(attrs) == 0 && !adopt && !deferred && lc.kind == "" {
		return r.vouch(ctx, cur, u)
	}
	return nil
}

// applyUpdate applies (or plans) an update or an adoption and records it.
func (r *syncRun) applyUpdate(ctx context.Context, c *change) error {
	if r.dry {
		c.state = store.ChangePlanned
		return r.record(ctx, c)
	}
	var stale []AttrChange
	var err error
	switch c.kind {
	case ChangeAdopt:
		stale, err = r.applier().adoptUser(ctx, c)
	case ChangeTeamUpdate:
		stale, err = r.applier().updateTeam(ctx, c)
	default:
		stale, err = r.applier().updateUser(ctx, c)
	}
	return r.recordResult(ctx, c, stale, err)
}

// recordResult records c with the outcome of applying it.
func (r *syncRun) recordResult(ctx context.Context, c *change, stale []AttrChange, err error) error {
	settleOutcome(c, stale, err)
	if c.state == ChangeFailed {
		r.log.Warn("sync change failed", "kind", c.kind, "name", c.name, "err", err)
	}
	return r.record(ctx, c)
}

// settleOutcome sets c's state (and kind, for a clash) from the outcome
// of applying it.
func settleOutcome(c *change, stale []AttrChange, err error) {
	var cl *clash
	why, skipped := isNotApplied(err)
	switch {
	case err == nil:
		c.state = store.ChangeApplied
		if len(stale) > 0 {
			c.d.Attrs = withoutStale(c.d.Attrs, stale)
			c.d.Error = fmt.Sprintf("left alone, changed by someone else since the read: %s", pathList(stale))
		}
	case errors.As(err, &cl):
		c.kind, c.state, c.d.Error = ChangeConflict, store.ChangeSkipped, err.Error()
	case skipped:
		c.state, c.d.Error = store.ChangeSkipped, why
	default:
		c.state, c.d.Error = ChangeFailed, err.Error()
	}
}

func withoutStale(all, stale []AttrChange) []AttrChange {
	var out []AttrChange
	for _, a := range all {
		keep := true
		for _, s := range stale {
			if strings.Join(a.Path, "\x00") == strings.Join(s.Path, "\x00") {
				keep = false
			}
		}
		if keep {
			out = append(out, a)
		}
	}
	return out
}

func pathList(cs []AttrChange) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = PathString(c.Path)
	}
	return strings.Join(names, ", ")
}

// resolveManagers sets the managers whose DN was not known when their
// report was read. A DN that names no user of the run clears the manager
// (the manager is out of scope), unless the read was incomplete.
func (r *syncRun) resolveManagers(ctx context.Context) error {
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
