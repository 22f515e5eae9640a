package patch

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

const (
	userURN = schema.UserURN
	entURN  = schema.EnterpriseUserURN
	uid     = "23a35c27-23d3-4c03-b4c5-6443c09e7173"
	gid     = "abf4dd94-a4c0-4f67-89c9-76b03340cb9b"
)

// oktaUser is the user of Okta's O-4 create, as stored.
const oktaUser = `{"schemas":["` + userURN + `"],
 "userName":"test.user@okta.local",
 "name":{"givenName":"Test","familyName":"User"},
 "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
 "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","active":true}`

// group is a stored Group (members live outside the document).
const group = `{"schemas":["` + schema.GroupURN + `"],"displayName":"Test SCIMv2","externalId":"8aa1a0c0"}`

// patchCase is one PATCH replayed against a stored document. body is a
// whole PatchOp request; want is the resulting document, det the detached
// change (see detJSON), err the expected scimType ("" for success).
type patchCase struct {
	name  string
	group bool
	doc   string
	body  string
	want  string
	det   string
	err   string
}

func runCases(t *testing.T, cases []patchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Helper()
			rt, opt := schema.NewUserType(), Options{ID: uid}
			if tc.group {
				rt, opt = schema.NewGroupType(), Options{ID: gid, Detach: "members"}
			}
			doc := decodeJSON(t, tc.doc).(map[string]any)
			before := mustJSON(t, doc)
			req, err := Decode(strings.NewReader(tc.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, det, err := Apply(rt, doc, req.Operations, opt)
			if after := mustJSON(t, doc); after != before {
				t.Fatalf("Apply modified its input:\nbefore %s\nafter  %s", before, after)
			}
			if tc.err != "" {
				e, ok := scimerr.As(err)
				if !ok || e.Type != tc.err || e.Status != 400 {
					t.Fatalf("error = %v, want 400 %s", err, tc.err)
				}
				if got != nil || det != nil {
					t.Fatalf("error with a result: %v %v", got, det)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			assertJSON(t, "document", got, tc.want)
			if tc.det == "" {
				if det != nil {
					t.Fatalf("detached = %s, want none", mustJSON(t, detJSON(det)))
				}
				return
			}
			if det == nil {
				t.Fatalf("detached = nil, want %s", tc.det)
			}
			assertJSON(t, "detached", detJSON(det), tc.det)
		})
	}
}

// detJSON renders a Detached for comparison, filters as strings.
func detJSON(d *Detached) map[string]any {
	where := []any{}
	for _, f := range d.RemoveWhere {
		where = append(where, f.String())
	}
	add := []any{}
	for _, e := range d.Add {
		add = append(add, e)
	}
	remove := []any{}
	for _, id := range d.Remove {
		remove = append(remove, id)
	}
	return map[string]any{"clear": d.Clear, "where": where, "remove": remove, "add": add}
}

func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %q: %v", s, err)
	}
	return v
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return strings.TrimSpace(b.String())
}

// assertJSON compares got with the JSON want, both in canonical form.
func assertJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	g := decodeJSON(t, mustJSON(t, got))
	w := decodeJSON(t, want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\ngot  %s\nwant %s", what, mustJSON(t, g), mustJSON(t, w))
	}
}

// ops wraps operations in a PatchOp body.
func ops(list ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(list, ",") + `]}`
}
