package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/scimd/scimd/store/sqlstore"

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
	path, ok := sqlstore.SQLiteFile(dbURL)
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
