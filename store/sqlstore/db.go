package sqlstore

import "database/sql"

// DB returns the connection pool that runs writes, for pool metrics and
// operational tooling; application code goes through the Store methods.
func (s *Store) DB() *sql.DB { return s.w.DB }

// ReadDB returns the pool that runs reads (the same as DB on PostgreSQL).
func (s *Store) ReadDB() *sql.DB { return s.r.DB }
