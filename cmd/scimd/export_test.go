package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteOutput: an export to a file appears under its name only once
// complete; a failed one leaves neither it nor its temporary file; "-"
// and "" are standard output.
func TestWriteOutput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errBoom := errors.New("boom")
	err := writeOutput(path, nil, func(w io.Writer) error {
		io.WriteString(w, "half")
		return errBoom
	})
	if b, _ := os.ReadFile(path); !errors.Is(err, errBoom) || string(b) != "old\n" {
		t.Errorf("failed export: %v, the file holds %q", err, b)
	}
	if err := writeOutput(path, nil, func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("the file holds %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	for _, p := range []string{"", "-"} {
		var out strings.Builder
		if err := writeOutput(p, &out, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil || out.String() != "x" {
			t.Errorf("output %q: %v %q", p, err, out.String())
		}
	}
}
