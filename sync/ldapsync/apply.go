package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// Applying changes: one code path for a run and for the approval of a
// held run. Each write re-checks, inside the store's transaction, that the
// change still makes sense (the object is still the source's, still in
// the state the change was planned from) and reports a notApplied error
// otherwise.

// notApplied says why a change was not applied although nothing failed.
type notApplied struct{ why string }

func (e *notApplied) Error() string { return e.why }

func skip(format string, args ...any) error { return &notApplied{why: fmt.Sprintf(format, args...)} }

// isNotApplied reports whether err is a notApplied, and its reason. A
// write the organization's policy refuses (seat limit, catalogues,
// immutable attributes) is not applied either: the run goes on and
// records why.
func isNotApplied(err error) (string, bool) {
	var na *notApplied
	if errors.As(err, &na) {
		return na.why, true
	}
	var pe *directory.PolicyError
	if errors.As(err, &pe) {
		return "refused by the organization's policy: " + pe.Msg, true
	}
	return "", false
}

// clash is the error of a create or rename whose name another live
// resource holds.
type clash struct {
	kind store.Kind
	name string
	err  error // the store's *store.UniqueError
}

func (c *clash) Error() string { return c.err.Error() }
func (c *clash) Unwrap() error { return c.err }

// asClash turns a uniqueness error on the resource's name into a *clash.
func asClash(kind store.Kind, name string, err error) error {
	var ue *store.UniqueError
	if errors.As(err, &ue) && (ue.Attr == "userName" || ue.Attr == "displayName" || ue.Attr == "name") {
		return &clash{kind: kind, name: name, err: err}
	}
	return err
}

// applier writes changes as one source.
type applier struct {
	dir   *directory.Service
	orgID string
	owner string // "ldap:<name>"
	rt    *schema.ResourceType
	actor directory.Actor
}

// mine checks that r is the source's object for sourceID.
func (a *applier) mine(r *store.Resource, sourceID string) error {
	if r.Source != a.owner {
		return skip("%s %q is now owned by %q", strings.ToLower(string(r.Kind)), r.Name, r.Source)
	}
	if sourceID != "" && r.SourceID != sourceID {
		return skip("%s %q now stands for another directory entry", strings.ToLower(string(r.Kind)), r.Name)
	}
	return nil
}

// createUser creates the user c.id from doc. A userName another live user
// holds is a *clash.
func (a *applier) createUser(ctx context.Context, c *change, doc map[string]any, reason string) error {
	act := a.actor
	act.InactiveReason = reason
	res := store.Resource{ID: c.id, Kind: store.KindUser, Source: a.owner, SourceID: c.sourceID, Attrs: cloneDoc(doc)}
	_, err := a.dir.Create(ctx, act, res, nil)
	return asClash(store.KindUser, c.name, err)
}

// updateDoc applies c's attribute changes to the resource c.id of kind,
// after check accepts it; it returns the changes that had moved on since
// (not applied). A rename onto a taken name is a *clash.
func (a *applier) updateDoc(ctx context.Context, kind store.Kind, c *change, check func(r *store.Resource) error,
	then func(r *store.Resource)) ([]AttrChange, error) {
	var stale []AttrChange
	rt := a.rt
	if kind == store.KindGroup {
		rt = nil
	}
	_, err := a.dir.Update(ctx, a.actor, kind, c.id, func(r *store.Resource) (*store.MemberChange, error) {
		if err := check(r); err != nil {
			return nil, err
		}
		stale = applyAttrs(r.Attrs, c.d.Attrs, rt)
		if then != nil {
			then(r)
		}
		return nil, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, skip("the %s no longer exists", strings.ToLower(string(kind)))
	}
	if err != nil {
		return nil, asClash(kind, c.name, err)
	}
	if len(stale) > 0 && len(stale) == len(c.d.Attrs) {
		return stale, skip("every attribute was changed by someone else since the run read it")
	}
	return stale, nil
}

// updateUser applies an update of a user the source owns.
func (a *applier) updateUser(ctx context.Context, c *change) ([]AttrChange, error) {
	return a.updateDoc(ctx, store.KindUser, c, func(r *store.Resource) error { return a.mine(r, c.sourceID) }, nil)
}

// adoptUser takes over the user c.id from its owner c.d.Owner, as long as
// it still has that owner and the userName c.name.
func (a *applier) adoptUser(ctx context.Context, c *change) ([]AttrChange, error) {
	return a.updateDoc(ctx, store.KindUser, c, func(r *store.Resource) error {
		if r.Source != c.d.Owner || store.Fold(r.Name) != store.Fold(c.name) {
			return skip("user %q changed owner or userName since (now %q, owned by %q)", c.name, r.Name, r.Source)
		}
		if !directory.Adoptable(r.Source) {
			return skip("user %q is owned by another directory source (%q)", c.name, r.Source)
		}
		return nil
	}, func(r *store.Resource) {
		r.Source, r.SourceID = a.owner, c.sourceID
	})
}

// setActive makes the user c.id inactive (with reason) or active again.
// Deactivation applies only to an active user of the source; reactivation
// only to one a sync made inactive (an admin's or the identity provider's
// decision stands).
func (a *applier) setActive(ctx context.Context, c *change, active bool, reason string) error {
	act := a.actor
	act.InactiveReason = reason
	_, err := a.dir.Update(ctx, act, store.KindUser, c.id, func(r *store.Resource) (*store.MemberChange, error) {
		if err := a.mine(r, c.sourceID); err != nil {
			return nil, err
		}
		switch {
		case active && r.Active:
			return nil, skip("user %q is already active", r.Name)
		case active && !directory.IsSyncReason(r.InactiveReason):
			return nil, skip("user %q was made inactive by %q, not by a sync: it stays inactive", r.Name, r.InactiveReason)
		case !active && !r.Active:
			return nil, skip("user %q is already inactive (%s)", r.Name, r.InactiveReason)
		}
		r.Attrs["active"] = active
		return nil, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return skip("the user no longer exists")
	}
	return err
}

// createTeam creates the team c.id from doc.
func (a *applier) createTeam(ctx context.Context, c *change, doc map[string]any) error {
	res := store.Resource{ID: c.id, Kind: store.KindGroup, Source: a.owner, SourceID: c.sourceID, Attrs: cloneDoc(doc)}
	_, err := a.dir.Create(ctx, a.actor, res, nil)
	return asClash(store.KindGroup, c.name, err)
}

// updateTeam renames a team of the source.
func (a *applier) updateTeam(ctx context.Context, c *change) ([]AttrChange, error) {
	return a.updateDoc(ctx, store.KindGroup, c, func(r *store.Resource) error { return a.mine(r, c.sourceID) }, nil)
}

// members adds or removes members of a team of the source in one write.
func (a *applier) members(ctx context.Context, team string, add, remove []string) error {
	_, err := a.dir.Update(ctx, a.actor, store.KindGroup, team, func(r *store.Resource) (*store.MemberChange, error) {
		if err := a.mine(r, ""); err != nil {
			return nil, err
		}
		return &store.MemberChange{Add: add, Remove: remove}, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return skip("the team no longer exists")
	}
	return err
}

// applyMemberGroup applies membership changes of one kind to one team in
// one write, or member by member when that write fails (so that one
// member archived meanwhile, or a cycle, fails alone). Each change's
// outcome is left in its applyErr.
func applyMemberGroup(ctx context.Context, ap *applier, cs []*change) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.d.Member
	}
	write := func(team string, ids []string, add bool) error {
		if add {
			return ap.members(ctx, team, ids, nil)
		}
		return ap.members(ctx, team, nil, ids)
	}
	add := cs[0].kind == ChangeMemberAdd
	err := write(cs[0].id, ids, add)
	_, skipped := isNotApplied(err)
	if err == nil || skipped || len(cs) == 1 || ctx.Err() != nil {
		for _, c := range cs {
			c.applyErr = err
		}
		return
	}
	for _, c := range cs {
		c.applyErr = write(c.id, []string{c.d.Member}, add)
	}
}

// teamDoc is the document of a team named name.
func teamDoc(name string) map[string]any {
	return map[string]any{"schemas": []any{schema.GroupURN}, "displayName": name}
}
