package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Users streams the users of the connection's source (UserBaseDN,
// UserFilter, PageSize), mapped by m (built from the same source), to fn:
// each entry as a DirUser, or with the error that kept it from mapping
// (see Mapper.User; fn records it and returns nil to go on). now decides
// account expiry. fn's own error stops the read and is returned.
//
// Entries are mapped, and fn called, in order on a second goroutine while
// the next page is being read (at most two pages wait for it); fn is
// never called after Users returns. When ctx is done the pages not yet
// mapped are dropped.
//
// The result is that of Stream, and an entry without the id attribute
// also makes the read incomplete (ErrIncomplete): an unidentifiable entry
// might be a user the engine would otherwise think gone.
func (c *Conn) Users(ctx context.Context, m *Mapper, now time.Time, fn func(DirUser, error) error) (Completeness, error) {
	return c.userEntries(ctx, m, now, func(u DirUser, e *ldap.Entry, err error) error {
		if err == nil {
			err = m.complete(&u, e)
		}
		return fn(u, err)
	})
}

// userEntries is Users leaving the mapping of the document to fn: fn gets
// each user prepared (Mapper.prepare: identity, DN, manager DN, account
// state, raw hash; no Attrs nor UserName) with its entry, which fn may
// complete (Mapper.complete) or not, or with the error that kept it from
// being prepared.
func (c *Conn) userEntries(ctx context.Context, m *Mapper, now time.Time, fn func(DirUser, *ldap.Entry, error) error) (Completeness, error) {
	var noID idless
	pages := make(chan []*ldap.Entry, 1)
	failed := make(chan struct{}) // closed when fn fails
	done := make(chan struct{})
	var (
		delivered int
		ferr      error // fn's error, set before failed is closed
		dropped   bool  // pages were left unmapped (ctx done)
	)
	go func() {
		defer close(done)
		h := m.newHasher()
		for page := range pages {
			if ferr != nil || dropped {
				continue // drain
			}
			if ctx.Err() != nil {
				dropped = true
				continue
			}
			for i, e := range page {
				page[i] = nil
				u, merr := m.prepare(e, now, h)
				noID.note(e.DN, merr)
				delivered++
				if err := fn(u, e, merr); err != nil {
					ferr = err
					close(failed)
					break
				}
			}
		}
	}()
	comp, err := c.streamPages(ctx, c.src.UserBaseDN, c.src.UserFilter, m.UserAttributes(), c.src.PageSize,
		func(page []*ldap.Entry) error {
			select {
			case <-failed:
				return errStopped
			default:
			}
			select {
			case pages <- page:
				return nil
			case <-failed:
				return errStopped
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	close(pages)
	<-done
	comp.Entries = delivered
	switch {
	case ferr != nil:
		comp.Complete = false
		comp.Reason = "stopped by the caller: " + ferr.Error()
		return comp, ferr
	case dropped && err == nil:
		cerr := ctx.Err()
		comp.Complete = false
		comp.Reason = "cancelled: " + cerr.Error()
		return comp, fmt.Errorf("reading %q: %w", c.src.UserBaseDN, cerr)
	}
	return noID.verdict(comp, err, c.src.IDAttribute)
}

// errStopped stops the read of the pages of Users when fn has failed; fn's
// error is returned instead.
var errStopped = errors.New("stopped by the caller")

// Groups streams the groups of the connection's source (GroupBaseDN,
// GroupFilter, PageSize), mapped by m, to fn, reading the remaining
// chunks of range-retrieved member lists first. A group whose chunks
// cannot all be read is passed to fn with its error (SourceID set when
// known) and makes the read incomplete, as does a group without the id
// attribute. Without a GroupBaseDN it reads nothing and is complete.
func (c *Conn) Groups(ctx context.Context, m *Mapper, fn func(DirGroup, error) error) (Completeness, error) {
	if c.src.GroupBaseDN == "" {
		return Completeness{Complete: true}, nil
	}
	var noID idless
	var ranges []string
	comp, err := c.Stream(ctx, c.src.GroupBaseDN, c.src.GroupFilter, m.GroupAttributes(), c.src.PageSize,
		func(e *ldap.Entry) error {
			if rerr := c.ExpandRanges(ctx, e); rerr != nil {
				if !errors.Is(rerr, ErrIncomplete) {
					return rerr // ctx is done
				}
				ranges = append(ranges, e.DN)
				g := DirGroup{DN: e.DN, DNKey: CanonicalDN(e.DN)}
				g.SourceID, _ = m.sourceID(e)
				return fn(g, rerr)
			}
			g, merr := m.Group(e)
			noID.note(e.DN, merr)
			return fn(g, merr)
		})
	if err == nil && len(ranges) > 0 {
		comp.Complete = false
		comp.Reason = fmt.Sprintf("the member lists of %d groups could not be read in full (the first: %s)", len(ranges), ranges[0])
		return comp, fmt.Errorf("%w: %s", ErrIncomplete, comp.Reason)
	}
	return noID.verdict(comp, err, c.src.IDAttribute)
}

// idless counts entries without the id attribute.
type idless struct {
	n     int
	first string
}

func (x *idless) note(dn string, err error) {
	if errors.Is(err, ErrNoIdentity) {
		if x.n == 0 {
			x.first = dn
		}
		x.n++
	}
}

// verdict makes a complete read incomplete when entries had no identity.
func (x *idless) verdict(comp Completeness, err error, attr string) (Completeness, error) {
	if err != nil || x.n == 0 {
		return comp, err
	}
	comp.Complete = false
	comp.Reason = fmt.Sprintf("%d entries without %s (the first: %s): who they are is unknown", x.n, attr, x.first)
	return comp, fmt.Errorf("%w: %s", ErrIncomplete, comp.Reason)
}
