package api

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/scimd/scimd/userimport"
)

// brokenClient is a response whose body cannot be written (the client
// went away).
type brokenClient struct{ *httptest.ResponseRecorder }

var errGone = errors.New("connection reset")

func (brokenClient) Write([]byte) (int, error) { return 0, errGone }

// TestDownload: the headers go with the first bytes; an export failing
// before them is an ordinary error, after them a cut connection, and a
// client gone away ends the response quietly.
func TestDownload(t *testing.T) {
	errBoom := errors.New("boom")

	rec := httptest.NewRecorder()
	d := &download{w: rec, name: "teams", format: userimport.FormatJSON}
	if err := d.end(nil); err != nil || rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="teams.json"` || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("empty download: %v %d %v", err, rec.Code, rec.Header())
	}

	rec = httptest.NewRecorder()
	d = &download{w: rec, name: "users", format: userimport.FormatCSV}
	if err := d.end(errBoom); err != errBoom || rec.Header().Get("Content-Type") != "" {
		t.Errorf("failing before any byte: %v, headers %v", err, rec.Header())
	}

	rec = httptest.NewRecorder()
	d = &download{w: rec, name: "users", format: userimport.FormatCSV}
	if _, err := d.Write([]byte("userName\n")); err != nil {
		t.Fatal(err)
	}
	if err := d.end(errBoom); !errors.Is(err, errAborted) || !errors.Is(err, errBoom) ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="users.csv"` || rec.Body.String() != "userName\n" {
		t.Errorf("failing after the first bytes: %v, %v %q", err, rec.Header(), rec.Body)
	}

	d = &download{w: brokenClient{httptest.NewRecorder()}, name: "users", format: userimport.FormatCSV}
	_, werr := d.Write([]byte("userName\n"))
	if err := d.end(werr); !errors.Is(err, errWritten) || errors.Is(err, errAborted) || !errors.Is(err, errGone) {
		t.Errorf("client gone: %v", err)
	}
}
