package console

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/sync/ldapsync"
	"github.com/scimd/scimd/userimport"
)

// TestClientText: a page shows a client error's own text, and of any
// other error only that the server failed; the cause goes to the log.
func TestClientText(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	r := httptest.NewRequest("POST", "/admin/import", nil)
	for _, err := range []error{
		&userimport.InputError{Msg: "the file has no userName column"},
		&directory.PolicyError{Type: directory.PolicySeatLimit, Msg: "seat limit reached: 3 of 3 seats are in use"},
		fmt.Errorf("running: %w", ldapsync.ErrLocked),
	} {
		if got := s.clientText(r, err); got != err.Error() {
			t.Errorf("clientText(%v) = %q; want the error's own text", err, got)
		}
	}
	internal := errors.New(`pq: relation "resources" does not exist`)
	got := s.clientText(r, internal)
	if strings.Contains(got, "resources") || !strings.Contains(got, "request id") {
		t.Errorf("clientText(internal) = %q; want no internal text, a request id", got)
	}
	if !strings.Contains(logs.String(), `relation \"resources\"`) {
		t.Errorf("the internal cause was not logged: %q", logs.String())
	}
}
