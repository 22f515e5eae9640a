package sqlstore

import (
	"context"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/scimd/scimd/internal/testdb"
)

// TryLock between Stores, and across Close: the parts the conformance
// suite (one Store per test) cannot see.

func openLockStore(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func mustLock(t *testing.T, s *Store, key string) func() {
	t.Helper()
	unlock, ok, err := s.TryLock(t.Context(), key)
	if err != nil || !ok {
		t.Fatalf("TryLock(%q) = %v, %v; want the lock", key, ok, err)
	}
	return unlock
}

func mustNotLock(t *testing.T, s *Store, key, why string) {
	t.Helper()
	unlock, ok, err := s.TryLock(t.Context(), key)
	if err != nil || ok {
		if ok {
			unlock()
		}
		t.Fatalf("TryLock(%q) %s = %v, %v; want false", key, why, ok, err)
	}
}

// race has n goroutines per store TryLock key at once and returns how many
// got it, and their unlocks.
func race(t *testing.T, key string, n int, stores ...*Store) (int, []func()) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var unlocks []func()
	start := make(chan struct{})
	for _, s := range stores {
		for range n {
			wg.Go(func() {
				<-start
				unlock, ok, err := s.TryLock(t.Context(), key)
				if err != nil {
					t.Errorf("TryLock: %v", err)
				}
				if ok {
					mu.Lock()
					unlocks = append(unlocks, unlock)
					mu.Unlock()
				}
			})
		}
	}
	close(start)
	wg.Wait()
	return len(unlocks), unlocks
}

func TestTryLockPostgresStores(t *testing.T) {
	url := testdb.Postgres(t)
	s1, s2 := openLockStore(t, url), openLockStore(t, url)

	u1 := mustLock(t, s1, "sync:corp")
	mustNotLock(t, s2, "sync:corp", "held by another store")
	mustNotLock(t, s1, "sync:corp", "held by the same store")
	mustLock(t, s2, "sync:hr")() // other keys are free
	u1()
	u2 := mustLock(t, s2, "sync:corp")
	mustNotLock(t, s1, "sync:corp", "after the other store took it")
	u1() // stale: releases nothing
	mustNotLock(t, s1, "sync:corp", "after a stale unlock")
	u2()
	u2()
	mustLock(t, s1, "sync:corp")()

	got, unlocks := race(t, "sync:race", 4, s1, s2)
	if got != 1 {
		t.Errorf("%d of 8 concurrent TryLocks on two stores got the lock; want 1", got)
	}
	for _, u := range unlocks {
		u()
	}
	mustLock(t, s2, "sync:race")()
}

func TestTryLockPostgresCloseReleases(t *testing.T) {
	ctx := t.Context()
	url := testdb.Postgres(t)
	s1, s2 := openLockStore(t, url), openLockStore(t, url)
	u1 := mustLock(t, s1, "sync:corp")
	mustNotLock(t, s2, "sync:corp", "before the holder closes")
	if err := s1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	u1() // after Close: a no-op
	if _, _, err := s1.TryLock(ctx, "sync:other"); err == nil {
		t.Error("TryLock on a closed store succeeded")
	}

	// The server ends the closed session asynchronously: wait for its
	// lock with a blocking acquire (bounded by lock_timeout), not a sleep.
	c, err := s2.w.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dropConn(c.Conn)
	if _, err := c.ExecContext(ctx, "SET lock_timeout = '30s'"); err != nil {
		t.Fatal(err)
	}
	name := lockKeyPrefix + "sync:corp"
	if _, err := c.ExecContext(ctx, "SELECT pg_advisory_lock(hashtextextended($1, 0))", name); err != nil {
		t.Fatalf("waiting for the closed store's lock: %v", err)
	}
	_, release := s2.d.sessionLock()
	var released bool
	if err := c.QueryRowxContext(ctx, sqlx.Rebind(s2.d.bindType(), release), name).Scan(&released); err != nil || !released {
		t.Fatalf("releasing: %v, %v", released, err)
	}
	mustLock(t, s2, "sync:corp")()
}

func TestTryLockSQLite(t *testing.T) {
	s := openLockStore(t, testdb.SQLite(t))
	u := mustLock(t, s, "sync:corp")
	mustNotLock(t, s, "sync:corp", "held")
	u()
	got, unlocks := race(t, "sync:race", 8, s)
	if got != 1 {
		t.Errorf("%d of 8 concurrent TryLocks got the lock; want 1", got)
	}
	for _, u := range unlocks {
		u()
	}
	held := mustLock(t, s, "sync:race")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	held() // after Close: a no-op
	if _, _, err := s.TryLock(t.Context(), "sync:corp"); err == nil {
		t.Error("TryLock on a closed store succeeded")
	}
}

// A cancelled TryLock fails and leaves the key free.
func TestTryLockCancelled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		s := openLockStore(t, url)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, ok, err := s.TryLock(ctx, "sync:corp"); err == nil || ok {
			t.Fatalf("TryLock with a cancelled context = %v, %v; want an error", ok, err)
		}
		mustLock(t, s, "sync:corp")()
	})
}
