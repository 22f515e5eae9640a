package patch

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/scimerr"
)

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       []Operation
	}{
		{"RFC form", ops(`{"op":"add","path":"title","value":"x"}`), []Operation{{Op: "add", Path: "title", Value: "x"}}},
		{"lower-case operations key, capitalised member names", `{"operations":[{"OP":"Replace","Path":"active","Value":"False"}]}`,
			[]Operation{{Op: "Replace", Path: "active", Value: "False"}}},
		{"no schemas, numbers kept as json.Number, null path", `{"Operations":[{"op":"add","path":null,"value":{"n":1.50}}]}`,
			[]Operation{{Op: "add", Value: map[string]any{"n": json.Number("1.50")}}}},
		{"empty Operations (Q26)", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`, []Operation{}},
		{"schemas in another case", `{"schemas":["URN:IETF:params:scim:api:messages:2.0:patchop"],"Operations":[]}`, []Operation{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := Decode(strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(req.Operations, c.want) {
				t.Fatalf("Operations = %#v, want %#v", req.Operations, c.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"empty body", ``},
		{"not JSON", `{"Operations":[}`},
		{"truncated", `{"Operations":[`},
		{"an array", `[]`},
		{"null", `null`},
		{"two objects", `{"Operations":[]} {}`},
		{"no Operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
		{"Operations not an array", `{"Operations":{}}`},
		{"wrong schemas", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[]}`},
		{"schemas not strings", `{"schemas":[1],"Operations":[]}`},
		{"operation not an object", `{"Operations":["add"]}`},
		{"op missing", `{"Operations":[{"path":"title"}]}`},
		{"op not a string", `{"Operations":[{"op":1}]}`},
		{"path not a string", `{"Operations":[{"op":"add","path":1}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(c.body))
			if e, ok := scimerr.As(err); !ok || e.Status != 400 || e.Type != scimerr.InvalidSyntax {
				t.Fatalf("error = %v, want 400 invalidSyntax", err)
			}
		})
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// A reader's own error (http.MaxBytesError, a reset connection) is passed
// on wrapped, not turned into a SCIM syntax error.
func TestDecodeReaderError(t *testing.T) {
	boom := errors.New("body too large")
	_, err := Decode(io.MultiReader(strings.NewReader(`{"Operations":[`), failingReader{boom}))
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want it to wrap %v", err, boom)
	}
	if _, ok := scimerr.As(err); ok {
		t.Fatalf("error %v must not be a SCIM error", err)
	}
}
