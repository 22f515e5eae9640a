// Package testproc helps the test harnesses that run server processes
// (internal/testdb's PostgreSQL, internal/ldaptest's slapd): a free
// loopback port to give them, and the last lines they wrote, to explain
// why they failed.
package testproc

import (
	"errors"
	"net"
	"strings"
	"sync"
)

// FreePort returns a TCP port that is free on 127.0.0.1 now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("unexpected listener address")
	}
	return addr.Port, nil
}

// Tail keeps the last 40 lines added; it is safe for concurrent use.
type Tail struct {
	mu    sync.Mutex
	lines []string
}

// Add appends a line, dropping the oldest beyond 40.
func (t *Tail) Add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 40 {
		t.lines = t.lines[1:]
	}
}

// String returns the kept lines.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
