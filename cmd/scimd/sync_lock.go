package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/scimd/scimd/store"
)

// Sync locks across processes on SQLite. The store's TryLock is an
// in-process lock there (one process owns the file), but "scimd sync run"
// or "sync approve" is another process beside "scimd serve": a lock file
// next to the database, taken with flock(2), keeps their runs of one
// source apart. The kernel releases it when the process dies. PostgreSQL
// needs none: its advisory lock spans processes and replicas.

// syncLocker returns the lock function of the sync engine for dbURL: the
// store's TryLock plus a lock file for a SQLite file; nil (the store's
// lock alone) otherwise.
func syncLocker(dbURL string, st store.Store) func(ctx context.Context, key string) (func(), bool, error) {
	path, ok := sqliteFile(dbURL)
	if !ok {
		return nil
	}
	return func(ctx context.Context, key string) (func(), bool, error) {
		unlock, ok, err := st.TryLock(ctx, key)
		if err != nil || !ok {
			return nil, ok, err
		}
		sum := sha256.Sum256([]byte(key))
		release, ok, err := tryFileLock(path + ".sync-" + hex.EncodeToString(sum[:8]) + ".lock")
		if err != nil || !ok {
			unlock()
			if err != nil {
				err = fmt.Errorf("locking %q: %w", key, err)
			}
			return nil, false, err
		}
		return func() { release(); unlock() }, true, nil
	}
}

// sqliteFile returns the file of a SQLite database URL ("" and false for
// PostgreSQL and in-memory databases).
func sqliteFile(dbURL string) (string, bool) {
	var path string
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		path = strings.TrimPrefix(dbURL, "sqlite://")
	case strings.HasPrefix(dbURL, "sqlite:"):
		path = strings.TrimPrefix(dbURL, "sqlite:")
	case strings.HasPrefix(dbURL, "file://"):
		path = strings.TrimPrefix(dbURL, "file://")
	case strings.HasPrefix(dbURL, "file:"):
		path = strings.TrimPrefix(dbURL, "file:")
	default:
		return "", false
	}
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if path == "" || path == ":memory:" {
		return "", false
	}
	return path, true
}
