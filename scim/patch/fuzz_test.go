package patch

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// fuzzUser is a stored user with a value in most kinds of attribute.
const fuzzUser = `{"schemas":["` + userURN + `","` + entURN + `"],
 "userName":"bjensen","externalId":"x1","active":true,"displayName":"Babs","title":"T",
 "name":{"givenName":"Barbara","familyName":"Jensen"},
 "emails":[{"value":"b@x.org","type":"work","primary":true},{"value":"h@x.org","type":"home"}],
 "phoneNumbers":[{"value":"+1 555","type":"mobile"}],
 "addresses":[{"type":"work","locality":"Hollywood","primary":true}],
 "roles":[{"value":"Admin","primary":true}],
 "` + entURN + `":{"employeeNumber":"7","manager":{"value":"m1"}}}`

// FuzzApply feeds arbitrary PATCH bodies to Decode and Apply. Apply must
// never panic, never modify its input, be deterministic, fail only with a
// 400 *scimerr.Error, and produce a document that JSON-encodes and that the
// schema package accepts as a document.
func FuzzApply(f *testing.F) {
	for _, seed := range []string{
		ops(`{"op":"replace","value":{"active":false}}`),
		ops(`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"n@x"}`),
		ops(`{"op":"add","path":"emails[type eq \"other\" and primary eq \"True\"].display","value":"O"}`),
		ops(`{"op":"remove","path":"emails[type eq \"home\"]"}`),
		ops(`{"op":"Add","path":"manager","value":[{"$ref":null,"value":"m2"}]}`),
		ops(`{"op":"replace","value":{"name.givenName":"G","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"D","id":"x"}}`),
		ops(`{"op":"remove","path":"members","value":[{"value":"a"}]}`, `{"op":"add","path":"members","value":["b",{"value":"c","type":"User"}]}`),
		ops(`{"op":"remove","path":"members[type eq \"Group\" or value sw \"a\"]"}`),
		ops(`{"op":"Add","path":"roles","value":[{"value":"{\"value\":\"25\",\"displayName\":\"R\"}"}]}`),
		ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"manager":""}}`),
		`{"Operations":[{"op":"replace","path":"addresses.primary","value":"true"},{"op":"remove","path":"name.givenName"}]}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, isGroup bool) {
		req, err := Decode(bytes.NewReader(body))
		if err != nil {
			if e, ok := scimerr.As(err); !ok || e.Status != 400 {
				t.Fatalf("Decode error %v is not a 400 SCIM error", err)
			}
			return
		}
		rt, opt, docText := schema.NewUserType(), Options{ID: uid}, fuzzUser
		if isGroup {
			rt, opt, docText = schema.NewGroupType(), Options{ID: gid, Detach: "members"}, group
		}
		doc := decodeJSON(t, docText).(map[string]any)
		before := mustJSON(t, doc)
		got, det, err := Apply(rt, doc, req.Operations, opt)
		if mustJSON(t, doc) != before {
			t.Fatalf("Apply modified its input")
		}
		if err != nil {
			e, ok := scimerr.As(err)
			if !ok || e.Status != 400 || e.Type == "" || e.Detail == "" {
				t.Fatalf("Apply error %#v is not a typed 400 SCIM error", err)
			}
			if got != nil || det != nil {
				t.Fatalf("Apply returned a result with an error")
			}
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
		out := mustJSON(t, got)
		again, det2, _ := Apply(rt, decodeJSON(t, docText).(map[string]any), req.Operations, opt)
		if mustJSON(t, again) != out || mustJSON(t, det) != mustJSON(t, det2) {
			t.Fatalf("Apply is not deterministic")
		}
		if det != nil {
			seen := map[string]bool{}
			for _, e := range det.Add {
				id, _ := e["value"].(string)
				if id == "" || seen[id] {
					t.Fatalf("bad or duplicate member in Add: %v", det.Add)
				}
				seen[id] = true
			}
		}
		if _, err := rt.Normalize(decodeJSON(t, out).(map[string]any)); err != nil {
			t.Fatalf("result %s fails schema Normalize: %v", out, err)
		}
	})
}
