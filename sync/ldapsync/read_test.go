package ldapsync

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/internal/ldaptest"
)

const people = "(objectClass=inetOrgPerson)"

// collect streams and returns the uids delivered, failing on duplicates.
func collect(t *testing.T, c *Conn, base string, pageSize int) ([]string, Completeness, error) {
	t.Helper()
	var uids []string
	seen := map[string]bool{}
	comp, err := c.Stream(ctx(t), base, people, []string{"uid"}, pageSize, func(e *ldap.Entry) error {
		uid := e.GetAttributeValue("uid")
		if seen[uid] {
			t.Errorf("%s delivered twice", uid)
		}
		seen[uid] = true
		uids = append(uids, uid)
		return nil
	})
	return uids, comp, err
}

func TestStreamPages(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base, ldaptest.GenUsers("u", 250)...)
	c := dial(t, testSource(s, base))

	uids, comp, err := collect(t, c, base, 100)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := Completeness{Complete: true, Pages: 3, Entries: 250}
	if comp != want {
		t.Errorf("Completeness = %+v, want %+v", comp, want)
	}
	if len(uids) != 250 {
		t.Errorf("delivered %d entries, want 250", len(uids))
	}

	// An empty OU is a complete, empty read.
	empty := s.NewOU(t)
	uids, comp, err = collect(t, c, empty, 100)
	if err != nil || !comp.Complete || len(uids) != 0 || comp.Pages != 1 {
		t.Errorf("empty OU: %v, %+v, %v", uids, comp, err)
	}
}

func TestStreamSizeLimitIsIncomplete(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base, ldaptest.GenUsers("u", 250)...)
	src := testSource(s, base)
	src.BindDN, src.BindPasswordFile = s.ServiceDN, s.ServicePasswordFile // cut at s.SizeLimit (150)
	c := dial(t, src)

	uids, comp, err := collect(t, c, base, 100)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("Stream error = %v, want ErrIncomplete", err)
	}
	if comp.Complete || comp.ResultCode != ldap.LDAPResultSizeLimitExceeded || !strings.Contains(comp.Reason, "size limit") {
		t.Errorf("Completeness = %+v, want incomplete with result code 4 and a size-limit reason", comp)
	}
	// The entries received before the limit are delivered: a strict
	// subset of the directory.
	if len(uids) != s.SizeLimit || comp.Entries != s.SizeLimit || comp.Pages != 1 {
		t.Errorf("delivered %d entries (%+v), want %d over 1 full page", len(uids), comp, s.SizeLimit)
	}
	all := map[string]bool{}
	for _, u := range ldaptest.GenUsers("u", 250) {
		all[u.UID] = true
	}
	for _, uid := range uids {
		if !all[uid] {
			t.Errorf("delivered %q, which is not in the directory", uid)
		}
	}

	// The same search unpaged and in one page: still cut, still incomplete.
	_, comp, err = collect(t, c, base, 1000)
	if !errors.Is(err, ErrIncomplete) || comp.ResultCode != ldap.LDAPResultSizeLimitExceeded {
		t.Errorf("one big page: %+v, %v", comp, err)
	}
}

func TestStreamMissingBaseIsNotAnEmptyDirectory(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	c := dial(t, testSource(s, base))
	uids, comp, err := collect(t, c, "ou=nope,"+base, 100)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("Stream error = %v, want ErrIncomplete", err)
	}
	if comp.Complete || comp.ResultCode != ldap.LDAPResultNoSuchObject || !strings.Contains(comp.Reason, "ou=nope") || len(uids) != 0 {
		t.Errorf("missing base: %v, %+v", uids, comp)
	}
}

func TestStreamCallerStops(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base, ldaptest.GenUsers("u", 250)...)
	c := dial(t, testSource(s, base))
	stop := errors.New("enough")
	n := 0
	comp, err := c.Stream(ctx(t), base, people, []string{"uid"}, 100, func(*ldap.Entry) error {
		if n++; n == 120 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || errors.Is(err, ErrIncomplete) || comp.Complete || comp.Entries != 120 {
		t.Fatalf("Stream = %+v, %v; want the caller's error after 120 entries", comp, err)
	}
	// The connection is still usable (the paged search was abandoned).
	if _, comp, err := collect(t, c, base, 100); err != nil || comp.Entries != 250 {
		t.Errorf("next Stream: %+v, %v", comp, err)
	}
}

func TestStreamCancelAndLostConnection(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base, ldaptest.GenUsers("u", 250)...)

	t.Run("cancelled", func(t *testing.T) {
		c := dial(t, testSource(s, base))
		cctx, cancel := context.WithCancel(ctx(t))
		defer cancel()
		n := 0
		comp, err := c.Stream(cctx, base, people, nil, 100, func(*ldap.Entry) error {
			if n++; n == 100 {
				cancel() // the next page request finds the connection closed
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || comp.Complete || comp.Entries != 100 {
			t.Errorf("Stream = %+v, %v; want context.Canceled after 100 entries", comp, err)
		}
	})
	t.Run("connection lost", func(t *testing.T) {
		c := dial(t, testSource(s, base))
		n := 0
		comp, err := c.Stream(ctx(t), base, people, nil, 100, func(*ldap.Entry) error {
			if n++; n == 100 {
				c.abort() // as if the network dropped between pages
			}
			return nil
		})
		if !errors.Is(err, ErrIncomplete) || comp.Complete || comp.Entries != 100 || comp.Pages != 1 ||
			comp.ResultCode != ldap.ErrorNetwork {
			t.Errorf("Stream = %+v, %v; want incomplete after 100 entries with a network error", comp, err)
		}
	})
}

// bigUsers returns n users with a 1 KiB description each, so that holding
// them all would show in the heap.
func bigUsers(n int) []ldaptest.User {
	users := ldaptest.GenUsers("m", n)
	pad := strings.Repeat("x", 1024)
	for i := range users {
		users[i].Extra = map[string][]string{"description": {pad}}
	}
	return users
}

// TestStreamMemoryIsFlat reads 10,000 entries of about 1.5 KiB and checks
// that the live heap does not grow with the entries read: between the
// 1,000th and the 9,000th entry it grows by much less than 8,000 entries
// would take (about 12 MiB when retained; a page is 500 entries).
func TestStreamMemoryIsFlat(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	s.AddUsers(t, base, bigUsers(10000)...)
	c := dial(t, testSource(s, base))
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var at1k, at9k uint64
	n := 0
	comp, err := c.Stream(ctx(t), base, people, []string{"uid", "description"}, 500, func(*ldap.Entry) error {
		switch n++; n {
		case 1000:
			at1k = heap()
		case 9000:
			at9k = heap()
		}
		return nil
	})
	if err != nil || comp.Entries != 10000 || comp.Pages != 20 {
		t.Fatalf("Stream = %+v, %v", comp, err)
	}
	grew := int64(at9k) - int64(at1k)
	t.Logf("heap at entry 1000: %d KiB, at 9000: %d KiB", at1k>>10, at9k>>10)
	if grew > 4<<20 {
		t.Errorf("the heap grew by %d KiB over 8,000 entries: entries are being retained", grew>>10)
	}
}

func BenchmarkStream10k(b *testing.B) {
	s := ldaptest.Start(b)
	base := s.NewOU(b)
	s.AddUsers(b, base, bigUsers(10000)...)
	c := dial(b, testSource(s, base))
	b.ReportAllocs()
	for b.Loop() {
		comp, err := c.Stream(ctx(b), base, people, []string{"uid", "description"}, 500, func(*ldap.Entry) error { return nil })
		if err != nil || comp.Entries != 10000 {
			b.Fatalf("Stream = %+v, %v", comp, err)
		}
	}
}
