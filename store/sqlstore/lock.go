package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// Named exclusive locks (store.SyncStore.TryLock).
//
// Every Store keeps the keys it holds in a lockSet, so that two holders in
// one process contend without asking the database. On PostgreSQL a held
// key is also a session-level advisory lock taken on a connection set
// aside from the pool for as long as the lock is held: other replicas
// contend through it, and when the process dies its session ends and
// PostgreSQL releases the lock. On SQLite one process owns the file and
// the lockSet is the whole lock.

// lockKeyPrefix keeps TryLock's keys apart from the other users of
// PostgreSQL's advisory lock space (edgeLock, goose).
const lockKeyPrefix = "scimd.lock."

// unlockTimeout bounds the release of an advisory lock; past it the
// connection is dropped, which releases the lock as well.
const unlockTimeout = 10 * time.Second

var errStoreClosed = errors.New("store is closed")

// lockSet is the locks a Store holds. The zero value is ready to use.
type lockSet struct {
	mu     sync.Mutex
	held   map[string]*heldLock
	closed bool
}

// heldLock is one holding of a key: its PostgreSQL session, if any.
// Holdings are compared by identity, so that a stale unlock never
// releases a later holder of the same key.
type heldLock struct {
	conn *sql.Conn // nil on SQLite, and while the session lock is being taken
}

// reserve claims key in this process; false when it is held here already.
func (ls *lockSet) reserve(key string) (*heldLock, bool, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		return nil, false, errStoreClosed
	}
	if _, ok := ls.held[key]; ok {
		return nil, false, nil
	}
	if ls.held == nil {
		ls.held = map[string]*heldLock{}
	}
	h := &heldLock{}
	ls.held[key] = h
	return h, true, nil
}

// attach records the session holding h; false (and h dropped) when the
// Store was closed meanwhile, in which case the caller drops the session.
func (ls *lockSet) attach(key string, h *heldLock, c *sql.Conn) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed || ls.held[key] != h {
		return false
	}
	h.conn = c
	return true
}

// release forgets h and reports whether it was still held (it is not
// after an earlier release, or after closeAll).
func (ls *lockSet) release(key string, h *heldLock) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.held[key] != h {
		return false
	}
	delete(ls.held, key)
	return true
}

// closeAll forgets every holding, refuses new ones, and returns the
// sessions that held them.
func (ls *lockSet) closeAll() []*sql.Conn {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.closed = true
	var conns []*sql.Conn
	for _, h := range ls.held {
		if h.conn != nil {
			conns = append(conns, h.conn)
		}
	}
	ls.held = nil
	return conns
}

// dropConn closes a connection's session instead of returning it to the
// pool, which releases every session lock it holds.
func dropConn(c *sql.Conn) {
	_ = c.Raw(func(any) error { return driver.ErrBadConn })
	_ = c.Close() // ErrConnDone: Raw closed it
}

// TryLock takes the lock named key without waiting. ok is false, with no
// error, when another holder (in this process or, on PostgreSQL, in any
// process using the database) has it. unlock is idempotent, and Close
// releases the locks still held.
func (s *Store) TryLock(ctx context.Context, key string) (unlock func(), ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("locking %q: %w", key, err)
	}
	h, ok, err := s.locks.reserve(key)
	if err != nil || !ok {
		return nil, false, err
	}
	try, release := s.d.sessionLock()
	if try == "" {
		return func() { s.locks.release(key, h) }, true, nil
	}
	c, err := s.w.Conn(ctx)
	if err != nil {
		s.locks.release(key, h)
		return nil, false, fmt.Errorf("locking %q: %w", key, err)
	}
	name := lockKeyPrefix + key
	var got bool
	if err := c.QueryRowContext(ctx, sqlx.Rebind(s.d.bindType(), try), name).Scan(&got); err != nil {
		// The lock may have been taken before the error: drop the session.
		dropConn(c)
		s.locks.release(key, h)
		return nil, false, fmt.Errorf("locking %q: %w", key, err)
	}
	if !got {
		_ = c.Close()
		s.locks.release(key, h)
		return nil, false, nil
	}
	if !s.locks.attach(key, h, c) {
		dropConn(c)
		return nil, false, fmt.Errorf("locking %q: %w", key, errStoreClosed)
	}
	// The caller's ctx may be cancelled by the time it unlocks.
	uctx := context.WithoutCancel(ctx)
	return func() {
		if !s.locks.release(key, h) {
			return
		}
		ctx, cancel := context.WithTimeout(uctx, unlockTimeout)
		defer cancel()
		var released bool
		err := c.QueryRowContext(ctx, sqlx.Rebind(s.d.bindType(), release), name).Scan(&released)
		if err != nil || !released {
			// The session may still hold the lock: never pool it.
			dropConn(c)
			return
		}
		_ = c.Close()
	}, true, nil
}
