// Package proclog keeps the last lines a helper process (a test database
// or directory server) wrote, to explain why it failed. It is for the test
// harnesses in internal/testdb and internal/ldaptest.
package proclog

import (
	"strings"
	"sync"
)

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
