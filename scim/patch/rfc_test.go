package patch

import (
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// RFC 7644 §3.5.2 semantics, the examples of §3.5.2.1–3 included.
func TestRFC(t *testing.T) {
	u := func(rest string) string { return `{"schemas":["` + userURN + `"],"userName":"u"` + rest + `}` }
	emails := `,"emails":[{"value":"w@x","type":"work","primary":true},{"value":"h@x","type":"home"}]`
	runCases(t, []patchCase{{
		name: "§3.5.2.1 add to a multi-valued attribute appends",
		doc:  u(emails),
		body: ops(`{"op":"add","path":"emails","value":[{"value":"o@x","type":"other"}]}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":true},{"value":"h@x","type":"home"},{"value":"o@x","type":"other"}]`),
	}, {
		name: "§3.5.2.1 add of a present value changes nothing (compared case-insensitively)",
		doc:  u(emails),
		body: ops(`{"op":"add","path":"emails","value":[{"value":"W@X"}]}`),
		want: u(emails),
	}, {
		name: "§3.5.2.1 add without path: the value's attributes (example: emails and nickname)",
		doc:  u(emails),
		body: ops(`{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}`),
		want: u(`,"nickName":"Babs","emails":[{"value":"w@x","type":"work","primary":true},{"value":"h@x","type":"home"},{"value":"babs@jensen.org","type":"home"}]`),
	}, {
		name: "§3.5.2.1 add to a single-valued attribute overwrites (Q17)",
		doc:  u(`,"title":"Old"`),
		body: ops(`{"op":"add","path":"title","value":"New"}`),
		want: u(`,"title":"New"`),
	}, {
		name: "§3.5.2.1 add of a complex value merges sub-attributes",
		doc:  u(`,"name":{"givenName":"B","familyName":"J"}`),
		body: ops(`{"op":"add","path":"name","value":{"familyName":"Jensen","middleName":"J"}}`),
		want: u(`,"name":{"givenName":"B","familyName":"Jensen","middleName":"J"}`),
	}, {
		name: "§3.5.2.3 replace of a complex value leaves unnamed sub-attributes",
		doc:  u(`,"name":{"givenName":"B","familyName":"J"}`),
		body: ops(`{"op":"replace","value":{"name":{"familyName":"Jensen"},"name.givenName":"Barbara"}}`),
		want: u(`,"name":{"givenName":"Barbara","familyName":"Jensen"}`),
	}, {
		name: "§3.5.2.3 replace of a multi-valued attribute replaces all values",
		doc:  u(emails),
		body: ops(`{"op":"replace","path":"emails","value":[{"value":"n@x","type":"work"}]}`),
		want: u(`,"emails":[{"value":"n@x","type":"work"}]`),
	}, {
		name: "§3.5.2.3 replace of matching records with a whole element keeps the filter's eq values",
		doc:  u(emails),
		body: ops(`{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"h2@x"}}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":true},{"value":"h2@x","type":"home"}]`),
	}, {
		name: "§3.5.2.3 replace with a non-eq filter matching nothing is noTarget",
		doc:  u(emails),
		body: ops(`{"op":"replace","path":"emails[value co \"nomatch\"].type","value":"x"}`),
		err:  "noTarget",
	}, {
		name: "§3.5.2.3 replace of a sub-attribute of every element",
		doc:  u(emails),
		body: ops(`{"op":"replace","path":"emails.type","value":"other"}`),
		want: u(`,"emails":[{"value":"w@x","type":"other","primary":true},{"value":"h@x","type":"other"}]`),
	}, {
		name: "§3.5.2.2 remove a single-valued attribute; absent is a no-op",
		doc:  u(`,"title":"T"`),
		body: ops(`{"op":"remove","path":"title"}`, `{"op":"remove","path":"title"}`, `{"op":"remove","path":"nickName"}`),
		want: u(``),
	}, {
		name: "§3.5.2.2 remove a sub-attribute; an emptied complex attribute goes",
		doc:  u(`,"name":{"givenName":"B"}`),
		body: ops(`{"op":"remove","path":"name.givenName"}`),
		want: u(``),
	}, {
		name: "§3.5.2.2 remove matching records",
		doc:  u(emails),
		body: ops(`{"op":"remove","path":"emails[type eq \"work\" and value ew \"@x\"]"}`),
		want: u(`,"emails":[{"value":"h@x","type":"home"}]`),
	}, {
		name: "§3.5.2.2 remove the last record unassigns the attribute",
		doc:  u(`,"emails":[{"value":"w@x"}]`),
		body: ops(`{"op":"remove","path":"emails[value eq \"w@x\"]"}`),
		want: u(``),
	}, {
		name: "§3.5.2.2 remove a sub-attribute of matching records",
		doc:  u(emails),
		body: ops(`{"op":"remove","path":"emails[type eq \"work\"].primary"}`),
		want: u(`,"emails":[{"value":"w@x","type":"work"},{"value":"h@x","type":"home"}]`),
	}, {
		name: "§3.5.2.2 remove a multi-valued attribute whole",
		doc:  u(emails),
		body: ops(`{"op":"remove","path":"emails"}`),
		want: u(``),
	}, {
		name: "§3.5.2.2 remove with a value list removes those elements (Q7, any attribute)",
		doc:  u(emails),
		body: ops(`{"op":"remove","path":"emails","value":[{"value":"H@X"},{"value":"absent@x"}]}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":true}]`),
	}, {
		name: "§3.5.2.2 remove with a filter matching nothing is noTarget",
		doc:  u(emails),
		body: ops(`{"op":"remove","path":"emails[type eq \"other\"]"}`),
		err:  "noTarget",
	}, {
		name: "§3.5.2.2 remove without path is noTarget",
		doc:  u(``),
		body: ops(`{"op":"remove"}`),
		err:  "noTarget",
	}, {
		name: "extension: whole URN path with an object, then path-less whole extension",
		doc:  u(``),
		body: ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"Eng","manager":{"value":"m"}}}`,
			`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"costCenter":"42","nosuch":1}}}`),
		want: `{"schemas":["` + userURN + `","` + entURN + `"],"userName":"u","` + entURN + `":{"department":"Eng","costCenter":"42","manager":{"value":"m"}}}`,
	}, {
		name: "extension: remove of the whole extension",
		doc:  `{"userName":"u","` + entURN + `":{"department":"Eng"}}`,
		body: ops(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}`),
		want: u(``),
	}, {
		name: "core attributes nested under the core URN in a path-less value",
		doc:  u(``),
		body: ops(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"title":"T","name":{"givenName":"G"}}}}`),
		want: u(`,"title":"T","name":{"givenName":"G"}`),
	}, {
		name: "core-URN-qualified path",
		doc:  u(``),
		body: ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName","value":"F"}`),
		want: u(`,"name":{"familyName":"F"}`),
	}, {
		name: "a filtered path as a key of a path-less value",
		doc:  u(emails),
		body: ops(`{"op":"replace","value":{"emails[type eq \"home\"].value":"h2@x","addresses[type eq \"work\"].formatted":"F"}}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":true},{"value":"h2@x","type":"home"}],"addresses":[{"type":"work","formatted":"F"}]`),
	}, {
		name: "later path-less key for the same attribute wins deterministically",
		doc:  u(``),
		body: ops(`{"op":"replace","value":{"name.givenName":"Specific","name":{"givenName":"General","familyName":"F"}}}`),
		want: u(`,"name":{"givenName":"Specific","familyName":"F"}`),
	}})
}

// Primary exclusivity (RFC 7643 §2.4).
func TestPrimary(t *testing.T) {
	u := func(rest string) string { return `{"schemas":["` + userURN + `"],"userName":"u"` + rest + `}` }
	emails := `,"emails":[{"value":"w@x","type":"work","primary":true},{"value":"h@x","type":"home"}]`
	runCases(t, []patchCase{{
		name: "add of a primary element clears the others",
		doc:  u(emails),
		body: ops(`{"op":"add","path":"emails","value":[{"value":"o@x","primary":true}]}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":false},{"value":"h@x","type":"home"},{"value":"o@x","primary":true}]`),
	}, {
		name: "primary set on an existing element by filter",
		doc:  u(emails),
		body: ops(`{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":false},{"value":"h@x","type":"home","primary":true}]`),
	}, {
		name: "re-adding an existing value as primary moves primary to it",
		doc:  u(emails),
		body: ops(`{"op":"add","path":"emails","value":{"value":"h@x","primary":"True"}}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":false},{"value":"h@x","type":"home","primary":true}]`),
	}, {
		name: "a replaced list with two primaries keeps the first",
		doc:  u(``),
		body: ops(`{"op":"replace","path":"emails","value":[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]}`),
		want: u(`,"emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":false}]`),
	}, {
		name: "setting primary false leaves the others alone",
		doc:  u(emails),
		body: ops(`{"op":"replace","path":"emails[type eq \"work\"].primary","value":false}`),
		want: u(`,"emails":[{"value":"w@x","type":"work","primary":false},{"value":"h@x","type":"home"}]`),
	}})
}

// Errors: every one is a 400 *scimerr.Error with the right scimType.
func TestErrors(t *testing.T) {
	u := `{"userName":"u","emails":[{"value":"w@x","type":"work"}]}`
	runCases(t, []patchCase{
		{name: "unknown op", doc: u, body: ops(`{"op":"merge","path":"title","value":"x"}`), err: "invalidSyntax"},
		{name: "malformed path", doc: u, body: ops(`{"op":"add","path":"emails[type eq","value":"x"}`), err: "invalidPath"},
		{name: "unknown attribute", doc: u, body: ops(`{"op":"add","path":"nosuch","value":"x"}`), err: "invalidPath"},
		{name: "unknown sub-attribute", doc: u, body: ops(`{"op":"add","path":"name.nosuch","value":"x"}`), err: "invalidPath"},
		{name: "unknown sub-attribute in a filter", doc: u, body: ops(`{"op":"replace","path":"emails[nosuch eq \"x\"].value","value":"x"}`), err: "invalidPath"},
		{name: "filter on a single-valued attribute", doc: u, body: ops(`{"op":"replace","path":"name[givenName eq \"x\"]","value":"x"}`), err: "invalidPath"},
		{name: "unknown extension", doc: u, body: ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:Custom:2.0:User:tag","value":"x"}`), err: "invalidPath"},
		{name: "wrong value type for a boolean", doc: u, body: ops(`{"op":"replace","path":"active","value":"maybe"}`), err: "invalidValue"},
		{name: "object for a string", doc: u, body: ops(`{"op":"replace","path":"title","value":{"a":1}}`), err: "invalidValue"},
		{name: "path-less value not an object", doc: u, body: ops(`{"op":"replace","value":"x"}`), err: "invalidValue"},
		{name: "path-less value null", doc: u, body: ops(`{"op":"add"}`), err: "invalidValue"},
		{name: "replace userName with null", doc: u, body: ops(`{"op":"replace","path":"userName","value":null}`), err: "mutability"},
		{name: "path-less userName \"\"", doc: u, body: ops(`{"op":"replace","value":{"userName":""}}`), err: "mutability"},
		{name: "readOnly attribute with a path", doc: u, body: ops(`{"op":"add","path":"groups","value":[{"value":"g"}]}`), err: "mutability"},
		{name: "readOnly sub-attribute with a path", doc: u, body: ops(`{"op":"add","path":"manager.displayName","value":"x"}`), err: "mutability"},
		{name: "meta with a path", doc: u, body: ops(`{"op":"replace","path":"meta.lastModified","value":"2020-01-01T00:00:00Z"}`), err: "mutability"},
		{name: "id changed with a path", doc: u, body: ops(`{"op":"replace","path":"id","value":"other"}`), err: "mutability"},
		{name: "id removed", doc: u, body: ops(`{"op":"remove","path":"id"}`), err: "mutability"},
		{name: "an error in a later op discards earlier ones", doc: u, body: ops(`{"op":"replace","path":"title","value":"x"}`, `{"op":"bogus"}`), err: "invalidSyntax"},
		{name: "members sub-attribute on a group", group: true, doc: group, body: ops(`{"op":"replace","path":"members[value eq \"x\"].display","value":"y"}`), err: "invalidPath"},
	})
}

// Okta's id and the schemas/meta keys that are not attributes.
func TestIDAndSchemas(t *testing.T) {
	u := `{"schemas":["` + userURN + `"],"userName":"u"}`
	runCases(t, []patchCase{
		{name: "replace id with its own value", doc: u, body: ops(`{"op":"replace","path":"id","value":"` + uid + `"}`), want: u},
		{name: "schemas path is ignored", doc: u, body: ops(`{"op":"add","path":"schemas","value":["urn:x"]}`), want: u},
		{name: "stale schemas are recomputed", doc: `{"schemas":["urn:x","` + entURN + `"],"userName":"u"}`, body: ops(), want: u},
	})
}

// An error names the operation that failed, for Entra's provisioning logs.
func TestErrorDetail(t *testing.T) {
	_, _, err := Apply(schema.NewUserType(), map[string]any{"userName": "u"}, []Operation{
		{Op: "replace", Path: "title", Value: "x"},
		{Op: "Replace", Path: "active", Value: "maybe"},
	}, Options{})
	e, ok := scimerr.As(err)
	if !ok || e.Type != scimerr.InvalidValue || !strings.HasPrefix(e.Detail, "operation 2 (Replace active): ") {
		t.Fatalf("error = %v", err)
	}
}
