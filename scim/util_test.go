package scim_test

import (
	"bytes"
	"net/url"
	"sync"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
)

func queryEscape(s string) string { return url.QueryEscape(s) }

func sqliteURL(t testing.TB) string { return testdb.SQLite(t) }

// syncBuffer is a bytes.Buffer safe for a server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
