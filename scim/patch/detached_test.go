package patch

import (
	"testing"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
)

// Operations on members accumulate so that applying Clear, RemoveWhere,
// Remove, Add in that order equals applying them one by one.
func TestDetachedAccumulation(t *testing.T) {
	runCases(t, []patchCase{{
		name: "add then remove cancels the add", group: true, doc: group, want: group,
		body: ops(`{"op":"add","path":"members","value":[{"value":"a"}]}`, `{"op":"remove","path":"members[value eq \"a\"]"}`),
		det:  `{"clear":false,"where":[],"remove":["a"],"add":[]}`,
	}, {
		name: "remove then add cancels the removal", group: true, doc: group, want: group,
		body: ops(`{"op":"remove","path":"members","value":[{"value":"a"}]}`, `{"op":"add","path":"members","value":[{"value":"a"}]}`),
		det:  `{"clear":false,"where":[],"remove":[],"add":[{"value":"a"}]}`,
	}, {
		name: "a non-value filter is kept and drops the pending adds it matches", group: true, doc: group, want: group,
		body: ops(`{"op":"add","path":"members","value":[{"value":"a","type":"User"},{"value":"b","type":"Group"}]}`,
			`{"op":"remove","path":"members[type eq \"Group\"]"}`),
		det: `{"clear":false,"where":["type eq \"Group\""],"remove":[],"add":[{"value":"a","type":"User"}]}`,
	}, {
		name: "or-ed value comparisons are ids", group: true, doc: group, want: group,
		body: ops(`{"op":"replace","path":"members","value":["a","b"]}`,
			`{"op":"remove","path":"members[value eq \"a\" or value eq \"c\"]"}`),
		det: `{"clear":true,"where":[],"remove":["a","c"],"add":[{"value":"b"}]}`,
	}, {
		name: "replace resets earlier removals and filters", group: true, doc: group, want: group,
		body: ops(`{"op":"remove","path":"members[display co \"x\"]"}`, `{"op":"remove","path":"members","value":["z"]}`,
			`{"op":"replace","path":"members","value":[{"value":"b"}]}`, `{"op":"add","path":"members","value":[{"value":"c"}]}`),
		det: `{"clear":true,"where":[],"remove":[],"add":[{"value":"b"},{"value":"c"}]}`,
	}, {
		name: "replace of a filtered member swaps it", group: true, doc: group, want: group,
		body: ops(`{"op":"replace","path":"members[value eq \"a\"]","value":{"value":"b"}}`),
		det:  `{"clear":false,"where":[],"remove":["a"],"add":[{"value":"b"}]}`,
	}, {
		name: "add with an eq filter and no value adds that member", group: true, doc: group, want: group,
		body: ops(`{"op":"add","path":"members[value eq \"z\"]"}`),
		det:  `{"clear":false,"where":[],"remove":[],"add":[{"value":"z"}]}`,
	}, {
		name: "path-less add of members", group: true, doc: group,
		body: ops(`{"op":"add","value":{"members":[{"value":"m","display":"M"}],"displayName":"N"}}`),
		want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"N","externalId":"8aa1a0c0"}`,
		det:  `{"clear":false,"where":[],"remove":[],"add":[{"value":"m"}]}`,
	}, {
		name: "remove of a non-member is not an error (Q8)", group: true, doc: group, want: group,
		body: ops(`{"op":"remove","path":"members[value eq \"never-a-member\"]"}`),
		det:  `{"clear":false,"where":[],"remove":["never-a-member"],"add":[]}`,
	}, {
		name: "later type wins for a pending add", group: true, doc: group, want: group,
		body: ops(`{"op":"add","path":"members","value":["a"]}`, `{"op":"add","path":"members","value":[{"value":"a","type":"Group"}]}`),
		det:  `{"clear":false,"where":[],"remove":[],"add":[{"value":"a","type":"Group"}]}`,
	}, {
		name: "without Detach, members on a user type do not exist", doc: `{"userName":"u"}`,
		body: ops(`{"op":"add","path":"members","value":["a"]}`), err: "invalidPath",
	}})
}

func TestDetachedSelects(t *testing.T) {
	rt := schema.NewGroupType()
	f, err := filter.Parse(`type eq "group" and not (display sw "Old")`)
	if err != nil {
		t.Fatal(err)
	}
	_, det, err := Apply(rt, map[string]any{"displayName": "g"}, []Operation{{Op: "remove", Path: "members[" + f.String() + "]"}}, Options{Detach: "members"})
	if err != nil || det == nil || len(det.RemoveWhere) != 1 {
		t.Fatalf("Apply = %v, %v", det, err)
	}
	for _, c := range []struct {
		elem map[string]any
		want bool
	}{
		{map[string]any{"value": "1", "type": "Group", "display": "Team"}, true},
		{map[string]any{"value": "2", "type": "Group", "display": "Old team"}, false},
		{map[string]any{"value": "3", "type": "User", "display": "Team"}, false},
		{map[string]any{"value": "4"}, false},
	} {
		if got := det.Selects(rt, c.elem); got != c.want {
			t.Errorf("Selects(%v) = %v, want %v", c.elem, got, c.want)
		}
	}
}

// Without Options.Detach, a group's members are an ordinary attribute of
// the document.
func TestMembersInDocument(t *testing.T) {
	rt := schema.NewGroupType()
	doc := map[string]any{"displayName": "g", "members": []any{map[string]any{"value": "a"}}}
	got, det, err := Apply(rt, doc, []Operation{
		{Op: "add", Path: "members", Value: []any{map[string]any{"value": "b", "type": "user"}}},
		{Op: "remove", Path: `members[value eq "a"]`},
	}, Options{})
	if err != nil || det != nil {
		t.Fatalf("Apply: %v %v", det, err)
	}
	assertJSON(t, "document", got, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"b","type":"User"}]}`)
}
