package scim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
)

// A replay file (testdata/replay/*.json) is a list of steps, each a request
// shaped after an identity provider's published traffic and what the
// response must hold. Values saved from one response ({{name}}) are
// substituted into later paths, headers, bodies and expectations.
type step struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	Path    string            `json:"path"` // relative to the SCIM base, query included
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
	RawBody *string           `json:"rawBody"` // sent verbatim (malformed JSON cases)
	Status  int               `json:"status"`
	// Expect is matched as a subset of the response body: every key given
	// must be there with an equal value; arrays must have the same length
	// unless their first element is "...", in which case every other
	// element must match some element of the actual array.
	Expect json.RawMessage `json:"expect"`
	// Absent lists "/"-separated paths that must not be in the response.
	Absent []string `json:"absent"`
	// Save maps a variable name to a "/"-separated path in the response.
	Save map[string]string `json:"save"`
	// ExpectHeaders are response headers that must equal (after
	// substitution), or with a "~" prefix, contain the given text.
	ExpectHeaders map[string]string `json:"expectHeaders"`
}

// runReplay plays a replay file against a server.
func runReplay(t *testing.T, env *testEnv, file string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var steps []step
	if err := json.Unmarshal(raw, &steps); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	vars := map[string]string{"token": env.token}
	sub := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{{"+k+"}}", v)
		}
		return s
	}
	for i, st := range steps {
		name := fmt.Sprintf("%02d %s", i+1, st.Name)
		var body io.Reader
		switch {
		case st.RawBody != nil:
			body = strings.NewReader(sub(*st.RawBody))
		case len(st.Body) > 0:
			body = strings.NewReader(sub(string(st.Body)))
		}
		req, err := http.NewRequest(st.Method, env.base+sub(st.Path), body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		req.Header.Set("Authorization", "Bearer "+env.token)
		if body != nil {
			req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
		}
		for k, v := range st.Headers {
			req.Header.Set(k, sub(v))
		}
		resp, err := env.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != st.Status {
			t.Fatalf("%s: %s %s: status %d, want %d; body: %s", name, st.Method, sub(st.Path), resp.StatusCode, st.Status, got)
		}
		for h, want := range st.ExpectHeaders {
			want = sub(want)
			have := resp.Header.Get(h)
			if c, ok := strings.CutPrefix(want, "~"); ok {
				if !strings.Contains(have, c) {
					t.Errorf("%s: header %s = %q, want it to contain %q", name, h, have, c)
				}
			} else if have != want {
				t.Errorf("%s: header %s = %q, want %q", name, h, have, want)
			}
		}
		var doc any
		if len(got) > 0 {
			checkWire(t, name, resp, got)
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("%s: response is not JSON: %v: %s", name, err, got)
			}
		}
		if len(st.Expect) > 0 {
			var want any
			dec := json.NewDecoder(strings.NewReader(sub(string(st.Expect))))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("%s: bad expect: %v", name, err)
			}
			if msg := subset(want, doc, ""); msg != "" {
				t.Fatalf("%s: %s\nresponse: %s", name, msg, got)
			}
		}
		for _, p := range st.Absent {
			if _, ok := lookup(doc, sub(p)); ok {
				t.Errorf("%s: %s should be absent\nresponse: %s", name, p, got)
			}
		}
		for k, p := range st.Save {
			v, ok := lookup(doc, p)
			if !ok {
				t.Fatalf("%s: nothing at %s to save as %s\nresponse: %s", name, p, k, got)
			}
			vars[k] = fmt.Sprint(v)
		}
	}
}

// checkWire asserts what every SCIM response must be, whatever the step:
// the SCIM media type, errors in RFC 7644 §3.12 form with a string status,
// list counters as integers.
func checkWire(t *testing.T, name string, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Errorf("%s: Content-Type %q", name, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: body is not a JSON object: %s", name, body)
	}
	if resp.StatusCode >= 400 {
		if s, ok := m["status"].(string); !ok || s != strconv.Itoa(resp.StatusCode) {
			t.Errorf("%s: error status %#v, want the string %q", name, m["status"], strconv.Itoa(resp.StatusCode))
		}
		if !reflect.DeepEqual(m["schemas"], []any{"urn:ietf:params:scim:api:messages:2.0:Error"}) {
			t.Errorf("%s: error schemas %v", name, m["schemas"])
		}
		if d, _ := m["detail"].(string); d == "" {
			t.Errorf("%s: error without detail", name)
		}
	}
	if _, ok := m["totalResults"]; ok {
		for _, k := range []string{"totalResults", "startIndex", "itemsPerPage"} {
			if f, ok := m[k].(float64); !ok || f != float64(int(f)) {
				t.Errorf("%s: %s = %#v, want an integer", name, k, m[k])
			}
		}
		if _, ok := m["Resources"].([]any); !ok {
			t.Errorf("%s: list response without a Resources array", name)
		}
	}
}

// subset reports how want is not a subset of have ("" when it is).
func subset(want, have any, at string) string {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return fmt.Sprintf("at %q: want an object, have %v", at, have)
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok {
				return fmt.Sprintf("at %q: missing key %q", at, k)
			}
			if msg := subset(wv, hv, at+"/"+k); msg != "" {
				return msg
			}
		}
		return ""
	case []any:
		h, ok := have.([]any)
		if !ok {
			return fmt.Sprintf("at %q: want an array, have %v", at, have)
		}
		if len(w) > 0 && w[0] == "..." {
			for i, wv := range w[1:] {
				found := false
				for _, hv := range h {
					if subset(wv, hv, "") == "" {
						found = true
						break
					}
				}
				if !found {
					return fmt.Sprintf("at %q: no element matches expected #%d %v", at, i+1, wv)
				}
			}
			return ""
		}
		if len(w) != len(h) {
			return fmt.Sprintf("at %q: %d elements, want %d", at, len(h), len(w))
		}
		for i := range w {
			if msg := subset(w[i], h[i], at+"/"+strconv.Itoa(i)); msg != "" {
				return msg
			}
		}
		return ""
	case json.Number:
		if h, ok := have.(json.Number); ok && h.String() == w.String() {
			return ""
		}
		return fmt.Sprintf("at %q: have %v, want %v", at, have, want)
	default:
		if reflect.DeepEqual(want, have) {
			return ""
		}
		return fmt.Sprintf("at %q: have %#v, want %#v", at, have, want)
	}
}

// lookup follows a "/"-separated path through objects and arrays.
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, "/") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// TestReplay plays every replay file on every available database.
func TestReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/replay/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no replay files: %v", err)
	}
	for _, db := range []struct {
		name  string
		fresh func(testing.TB) string
	}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			for _, f := range files {
				t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
					runReplay(t, newEnv(t, db.fresh(t)), f)
				})
			}
		})
	}
}
