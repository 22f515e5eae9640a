package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReplace(t *testing.T) {
	// A custom extension exercises immutable and read-only attributes,
	// which User and Group keep out of the stored document.
	ext := &Schema{ID: "urn:example:ext:1.0:User", Name: "Ext", Attributes: []*Attribute{
		attr("badge", String, "", immutable, caseExact),
		attr("site", String, "", immutable),
		attr("score", Integer, "", readOnly),
		attr("seq", Integer, "", immutable),
		attr("sponsor", Complex, "", subs(
			attr("value", String, ""),
			attr("displayName", String, "", readOnly),
			attr("since", String, "", immutable),
		)),
	}}
	rt := &ResourceType{ID: "User", Schema: User(), Extensions: []Extension{{Schema: EnterpriseUser()}, {Schema: ext}}}
	const x = `"urn:example:ext:1.0:User"`
	tests := []struct {
		name      string
		old, next string
		want      string
		errText   string // want 400 mutability mentioning it
		raw       bool   // pass next as decoded, not normalized
	}{
		{
			name: "readWrite replaced, absent ones cleared",
			old:  `{"userName":"a","title":"T","name":{"givenName":"G"},"active":true}`,
			next: `{"userName":"b","active":false}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","active":false}`,
		},
		{
			name: "extension dropped from schemas when cleared",
			old:  `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Eng"}}`,
			next: `{"userName":"a"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`,
		},
		{
			name: "read-only values of old kept, next's ignored",
			old:  `{"userName":"a",` + x + `:{"score":7}}`,
			next: `{"userName":"a",` + x + `:{"score":9}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"score":7}}`,
			raw:  true,
		},
		{
			name: "immutable equal: accepted",
			old:  `{"userName":"a",` + x + `:{"badge":"B1"}}`,
			next: `{"userName":"a",` + x + `:{"badge":"B1"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"badge":"B1"}}`,
		},
		{
			name: "immutable omitted: old kept",
			old:  `{"userName":"a",` + x + `:{"badge":"B1"}}`,
			next: `{"userName":"a"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"badge":"B1"}}`,
		},
		{
			name: "immutable unset in old: set",
			old:  `{"userName":"a"}`,
			next: `{"userName":"a",` + x + `:{"badge":"B1"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"badge":"B1"}}`,
		},
		{
			name:    "immutable changed: mutability",
			old:     `{"userName":"a",` + x + `:{"badge":"B1"}}`,
			next:    `{"userName":"a",` + x + `:{"badge":"B2"}}`,
			errText: "badge",
		},
		{
			name:    "immutable caseExact: case change is a change",
			old:     `{"userName":"a",` + x + `:{"badge":"b1"}}`,
			next:    `{"userName":"a",` + x + `:{"badge":"B1"}}`,
			errText: "badge",
		},
		{
			name: "immutable caseExact=false: case change is no change",
			old:  `{"userName":"a",` + x + `:{"site":"Paris"}}`,
			next: `{"userName":"a",` + x + `:{"site":"PARIS"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"site":"PARIS"}}`,
		},
		{
			name: "read-only sub kept while value unchanged",
			old:  `{"userName":"a",` + x + `:{"sponsor":{"value":"m1","displayName":"Boss","since":"2020"}}}`,
			next: `{"userName":"a",` + x + `:{"sponsor":{"value":"m1"}}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"sponsor":{"value":"m1","displayName":"Boss","since":"2020"}}}`,
		},
		{
			name: "read-only sub dropped when value changes",
			old:  `{"userName":"a",` + x + `:{"sponsor":{"value":"m1","displayName":"Boss"}}}`,
			next: `{"userName":"a",` + x + `:{"sponsor":{"value":"m2"}}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"sponsor":{"value":"m2"}}}`,
		},
		{
			name:    "immutable sub changed: mutability",
			old:     `{"userName":"a",` + x + `:{"sponsor":{"value":"m1","since":"2020"}}}`,
			next:    `{"userName":"a",` + x + `:{"sponsor":{"value":"m1","since":"2021"}}}`,
			errText: "sponsor.since",
		},
		{
			name: "immutable integer from storage (float64) equals normalized int64",
			old:  `{"userName":"a",` + x + `:{"seq":7}}`,
			next: `{"userName":"a",` + x + `:{"seq":"7"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + x + `],"userName":"a",` + x + `:{"seq":7}}`,
		},
		{
			name:    "immutable integer changed",
			old:     `{"userName":"a",` + x + `:{"seq":7}}`,
			next:    `{"userName":"a",` + x + `:{"seq":8}}`,
			errText: "seq",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var old map[string]any // as read back from storage: numbers are float64
			if err := json.Unmarshal([]byte(tt.old), &old); err != nil {
				t.Fatal(err)
			}
			next, err := rt.Normalize(decode(t, tt.next))
			if err != nil {
				t.Fatalf("Normalize(next): %v", err)
			}
			if tt.raw {
				next = decode(t, tt.next) // as if a caller left read-only values in
			}
			before := canon(t, next)
			got, err := rt.Replace(old, next)
			if tt.errText != "" {
				typ, status := errType(t, err)
				if typ != "mutability" || status != 400 || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Replace = %v, %v; want 400 mutability naming %s", got, err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Replace: %v", err)
			}
			if g, w := canon(t, got), canonJSON(t, tt.want); g != w {
				t.Errorf("Replace\n got  %s\n want %s", g, w)
			}
			if canon(t, next) != before {
				t.Errorf("Replace modified its next argument")
			}
		})
	}
}

// TestReplaceMembers: members' immutable sub-attributes don't
// make a PUT of a new member list an error (elements are replaced whole).
func TestReplaceMembers(t *testing.T) {
	rt := NewGroupType()
	old := decode(t, `{"displayName":"G","members":[{"value":"a"}]}`)
	next, err := rt.Normalize(decode(t, `{"displayName":"G","members":[{"value":"b"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := rt.Replace(old, next)
	if err != nil {
		t.Fatalf("Replace: %v", err)
	}
	if g := canon(t, got["members"]); g != `[{"value":"b"}]` {
		t.Errorf("members = %s", g)
	}
}
