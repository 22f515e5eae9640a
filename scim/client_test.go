package scim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// call makes one SCIM request with the given token and decodes the JSON
// response (nil for an empty body).
func (e *testEnv) call(t testing.TB, token, method, path, body string, headers ...string) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: response is not a JSON object: %s", method, path, raw)
		}
	}
	return resp.StatusCode, m, resp.Header
}

// do is call with the environment's own token.
func (e *testEnv) do(t testing.TB, method, path, body string, headers ...string) (int, map[string]any, http.Header) {
	t.Helper()
	return e.call(t, e.token, method, path, body, headers...)
}

// mustCreate creates a resource and returns its id.
func (e *testEnv) mustCreate(t testing.TB, endpoint, body string) string {
	t.Helper()
	code, m, _ := e.do(t, http.MethodPost, endpoint, body)
	if code != http.StatusCreated {
		t.Fatalf("POST %s: %d %v", endpoint, code, m)
	}
	return m["id"].(string)
}
