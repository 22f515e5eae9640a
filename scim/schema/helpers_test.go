package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/scimerr"
)

// decode decodes a JSON object the way handlers do (UseNumber).
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

// decodeValue decodes any JSON value (UseNumber).
func decodeValue(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// canon renders v as JSON with sorted keys.
func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	return string(b)
}

// canonJSON re-renders a JSON text canonically.
func canonJSON(t *testing.T, s string) string {
	t.Helper()
	return canon(t, decodeValue(t, s))
}

// errType returns the scimType and status of err ("" and 0 for nil).
func errType(t *testing.T, err error) (string, int) {
	t.Helper()
	if err == nil {
		return "", 0
	}
	e, ok := scimerr.As(err)
	if !ok {
		t.Fatalf("error %v is not a *scimerr.Error", err)
	}
	return e.Type, e.Status
}
