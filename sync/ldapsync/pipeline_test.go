package ldapsync

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/internal/ldaptest"
)

// usersConn is a connection to 250 users read 100 a page, and its mapper.
func usersConn(t *testing.T) (*Conn, *Mapper) {
	t.Helper()
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base, ldaptest.GenUsers("u", 250)...)
	src := testSource(s, base)
	src.PageSize = 100
	m, err := NewMapper(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dial(t, src), m
}

// TestUsersPipelineCancelled: ctx is cancelled by fn at the end of the
// first page while the reader may already hold the next: Users returns
// the cancellation, incomplete, with the pages not yet mapped dropped, and
// fn is never called once Users has returned (no mapping goroutine is
// left running).
func TestUsersPipelineCancelled(t *testing.T) {
	c, m := usersConn(t)
	cctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	var returned, late atomic.Bool
	n := 0
	comp, err := c.Users(cctx, m, time.Now(), func(DirUser, error) error {
		if returned.Load() {
			late.Store(true)
		}
		if n++; n == 100 {
			cancel()
		}
		return nil
	})
	returned.Store(true)
	if !errors.Is(err, context.Canceled) || comp.Complete ||
		comp.Entries != 100 || n != 100 {
		t.Fatalf("Users = %+v, %v after %d calls; want context.Canceled after 100 entries", comp, err, n)
	}
	if late.Load() {
		t.Error("fn was called after Users returned")
	}
}

// TestUsersPipelineCallerStops: fn's error stops the read, is returned
// (not as an incomplete read), and the search is abandoned so that the
// connection stays usable.
func TestUsersPipelineCallerStops(t *testing.T) {
	c, m := usersConn(t)
	stop := errors.New("enough")
	n := 0
	comp, err := c.Users(ctx(t), m, time.Now(), func(DirUser, error) error {
		if n++; n == 120 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || errors.Is(err, ErrIncomplete) || comp.Complete || comp.Entries != 120 || n != 120 {
		t.Fatalf("Users = %+v, %v after %d calls; want the caller's error after 120 entries", comp, err, n)
	}
	var order []string
	comp, err = c.Users(ctx(t), m, time.Now(), func(u DirUser, err error) error {
		if err != nil {
			return err
		}
		order = append(order, u.DN)
		return nil
	})
	if err != nil || !comp.Complete || comp.Entries != 250 || comp.Pages != 3 || len(order) != 250 {
		t.Fatalf("next Users = %+v, %v, %d users", comp, err, len(order))
	}
	// In the order of the directory.
	var want []string
	if _, err := c.Stream(ctx(t), c.src.UserBaseDN, c.src.UserFilter, []string{"uid"}, 100, func(e *ldap.Entry) error {
		want = append(want, e.DN)
		return nil
	}); err != nil || !slices.Equal(order, want) {
		t.Errorf("Users order differs from Stream's (%v)", err)
	}
}
