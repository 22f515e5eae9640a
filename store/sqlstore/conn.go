package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// conn is the one chokepoint every statement goes through: queries are
// written with ? placeholders and rebound here for the dialect.
type conn struct {
	x sqlx.ExtContext // *sqlx.DB or *sqlx.Tx
	d dialect
}

func (c conn) get(ctx context.Context, dest any, query string, args ...any) error {
	return sqlx.GetContext(ctx, c.x, dest, sqlx.Rebind(c.d.bindType(), query), args...)
}

func (c conn) sel(ctx context.Context, dest any, query string, args ...any) error {
	return sqlx.SelectContext(ctx, c.x, dest, sqlx.Rebind(c.d.bindType(), query), args...)
}

func (c conn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.x.ExecContext(ctx, sqlx.Rebind(c.d.bindType(), query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	return c.x.QueryxContext(ctx, sqlx.Rebind(c.d.bindType(), query), args...)
}

// maxRetries bounds how often a write transaction is replayed after the
// database chose it as a deadlock victim.
const maxRetries = 8

// write runs fn in a write transaction and commits it. On SQLite the
// transaction holds the database's write lock from BEGIN; on PostgreSQL
// rows are locked as they are read, and a transaction the server aborts to
// break a deadlock is replayed from the start (so fn may run more than
// once).
func (s *Store) write(ctx context.Context, fn func(c conn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, fn)
		if err == nil || attempt >= maxRetries || !s.d.retryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(c conn) error) (err error) {
	tx, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := fn(conn{x: tx, d: s.d}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// read runs fn in a read-only transaction that sees one snapshot.
func (s *Store) read(ctx context.Context, fn func(c conn) error) (err error) {
	tx, err := s.r.BeginTxx(ctx, s.d.readTx())
	if err != nil {
		return fmt.Errorf("beginning read transaction: %w", err)
	}
	defer func() {
		// Read-only: there is nothing to commit, but committing releases
		// the snapshot the cheapest way on both dialects.
		if cerr := tx.Commit(); err == nil && cerr != nil && !errors.Is(cerr, sql.ErrTxDone) {
			err = fmt.Errorf("ending read transaction: %w", cerr)
		}
	}()
	return fn(conn{x: tx, d: s.d})
}

// reader is a connection for single-statement reads.
func (s *Store) reader() conn { return conn{x: s.r, d: s.d} }

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// chunk splits ids into slices of at most n, so that IN lists stay below
// the drivers' parameter limits.
func chunk(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
