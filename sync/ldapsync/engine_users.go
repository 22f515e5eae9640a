package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/go-ldap/ldap/v3"

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
	late          []lateManager
	deactivations []*change
}

// pendingUser is a user read and waiting to be applied.
type pendingUser struct {
	u   DirUser
	err error // the user could not be mapped
	// e is the entry of a user not mapped (u.Attrs nil): its raw hash
	// says it is in step with the stored user st, but for its manager
	// perhaps; it is mapped only if its manager turns out to differ.
	e      *ldap.Entry
	st     store.SourceState // the stored user, when stored
	stored bool
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
// The reading goroutine looks up each batch's stored users and maps the
// entries whose stored hash does not show them in step (screen); a worker
// applies each batch while the next is read and screened, so that the
// directory, the mapping and the store work at the same time; at most
// three batches are in memory (one being read, one queued, one being
// applied).
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
	var (
		pending []pendingUser
		serr    error // screening failed: the read stopped, nothing more is applied
	)
	comp, err := conn.userEntries(ctx, r.m, r.now, func(u DirUser, e *ldap.Entry, merr error) error {
		if failed.Load() {
			return errors.New("applying users failed")
		}
		pending = append(pending, pendingUser{u: u, e: e, err: merr})
		if len(pending) >= r.e.batch {
			if serr = r.screen(ctx, pending); serr != nil {
				return serr
			}
			batches <- pending
			pending = make([]pendingUser, 0, r.e.batch)
		}
		return nil
	})
	// What was read is genuine, also when the read was cut short.
	if len(pending) > 0 && serr == nil && !failed.Load() {
		if serr = r.screen(ctx, pending); serr == nil {
			batches <- pending
		}
	}
	close(batches)
	if werr := <-done; werr != nil {
		return werr
	}
	if serr != nil {
		return fmt.Errorf("looking up the users read: %w", serr)
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

// screen looks up the stored users of a batch (the state only, no
// document) and maps every entry but those whose stored hash says they
// are in step with it (but perhaps for their manager, which flushUsers
// checks): those keep their entry, unmapped. It runs on the reading
// goroutine and touches nothing of the run's state.
func (r *syncRun) screen(ctx context.Context, batch []pendingUser) error {
	ids := make([]string, 0, len(batch))
	for _, p := range batch {
		if p.u.SourceID != "" {
			ids = append(ids, p.u.SourceID)
		}
	}
	states, err := r.e.st.SourceHashes(ctx, r.org.ID, r.owner, store.KindUser, ids)
	if err != nil {
		return err
	}
	for i := range batch {
		p := &batch[i]
		if p.u.SourceID != "" {
			p.st, p.stored = states[p.u.SourceID]
		}
		switch {
		case p.err != nil:
			p.e = nil
		case p.stored && rawInStep(p.st, p.u):
		default:
			p.err = r.m.complete(&p.u, p.e)
			p.e = nil
		}
	}
	return nil
}

// rawInStep reports whether the stored user st is known to match the
// entry of u, but perhaps for its manager: its hash was made from u's raw
// hash, and its state agrees with u's (a belt to the hash's braces).
func rawInStep(st store.SourceState, u DirUser) bool {
	if (u.Disabled && st.Active) || (!u.Disabled && !st.Active && directory.IsSyncReason(st.InactiveReason)) {
		return false
	}
	return rawMatches(st.SourceHash, u.raw)
}

// flushUsers applies a batch of users.
func (r *syncRun) flushUsers(ctx context.Context, batch []pendingUser) error {
	r.users.read += len(batch)
	existing, err := r.lookUpUsers(ctx, batch)
	if err != nil {
		return err
	}
	var queued []queuedUser
	for i := range batch {
		p := &batch[i]
		if p.e != nil { // in step
			u := p.u
			u.UserName = p.st.Name // the stored userName is the mapped one
			r.users.see(p.st.ID, u)
			r.noteOU(p.st.ID, u)
			continue
		}
		if p.err != nil {
			if p.stored {
				r.users.see(p.st.ID, p.u) // known, so not a leaver
			}
			c := &change{kind: ChangeError, sourceID: p.u.SourceID, name: p.u.DN, state: ChangeFailed,
				d: Detail{Resource: store.KindUser, DN: p.u.DN, Error: p.err.Error()}}
			if p.stored {
				c.id = p.st.ID
			}
			if err := r.record(ctx, c); err != nil {
				return err
			}
			continue
		}
		cur, exists := existing[p.u.SourceID]
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

// lookUpUsers settles the users of a batch left unmapped by screen (in
// step with their stored user but perhaps for their manager): those whose
// manager is known now are in step or are mapped now; those whose
// manager comes later in the stream are taken as in step and their
// manager checked at the end (resolveManagers). It returns the full
// stored resources of the batch's mapped users, by SourceID, so that only
// those documents are read and decoded.
func (r *syncRun) lookUpUsers(ctx context.Context, batch []pendingUser) (map[string]store.Resource, error) {
	known := make(map[string]string, len(batch)) // DN key → id of the batch's stored users
	for _, p := range batch {
		if p.stored && p.u.DNKey != "" {
			known[p.u.DNKey] = p.st.ID
		}
	}
	var full []string
	for i := range batch {
		p := &batch[i]
		if p.e != nil {
			mid, ok := r.managerID(p.u, known)
			if !ok {
				r.users.late = append(r.users.late, lateManager{id: p.st.ID, dn: p.u.ManagerDN, hash: p.st.SourceHash})
				continue
			}
			if r.managerMatches(p.st.SourceHash, p.u.ManagerDN, mid) {
				continue
			}
			p.err = r.m.complete(&p.u, p.e)
			p.e = nil
		}
		if p.stored && p.err == nil {
			full = append(full, p.u.SourceID)
		}
	}
	if len(full) == 0 {
		return nil, nil
	}
	return r.e.st.BySourceIDs(ctx, r.org.ID, r.owner, store.KindUser, full)
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
			f.vouch, f.base = true, u.raw
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
