package patch

import "testing"

// Okta's PATCH traffic (idp-traffic.md §1, O-7 … O-13).
func TestOkta(t *testing.T) {
	runCases(t, []patchCase{{
		name: "O-7 deactivate: path-less replace active false (Q14)",
		doc:  oktaUser,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		 "Operations":[{"op":"replace","value":{"active":false}}]}`,
		want: `{"schemas":["` + userURN + `"],"userName":"test.user@okta.local",
		 "name":{"givenName":"Test","familyName":"User"},
		 "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
		 "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","active":false}`,
	}, {
		name: "O-8 reactivate",
		doc:  `{"userName":"u","active":false}`,
		body: ops(`{"op":"replace","value":{"active":true}}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","active":true}`,
	}, {
		name: "O-9 password sync: writeOnly password kept for the caller",
		doc:  `{"userName":"u"}`,
		body: ops(`{"op":"replace","value":{"password":"1mz050nq"}}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","password":"1mz050nq"}`,
	}, {
		name:  "O-12 incremental membership: filtered remove then add without type",
		group: true,
		doc:   group,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		 "Operations":[
		   {"op":"remove","path":"members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"},
		   {"op":"add","path":"members","value":[{"value":"23a35c27-23d3-4c03-b4c5-6443c09e7173","display":"test.user@okta.local"}]}]}`,
		want: group,
		det: `{"clear":false,"where":[],"remove":["89bb1940-b905-4575-9e7f-6f887cfb368e"],
		 "add":[{"value":"23a35c27-23d3-4c03-b4c5-6443c09e7173"}]}`,
	}, {
		name:  "O-12 full push replaces the member list (Q10)",
		group: true,
		doc:   group,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		 "Operations":[{"op":"replace","path":"members","value":[
		   {"value":"23a35c27-23d3-4c03-b4c5-6443c09e7173","display":"test.user@okta.local"},
		   {"value":"89bb1940-b905-4575-9e7f-6f887cfb368e","display":"test.user@okta.local"}]}]}`,
		want: group,
		det: `{"clear":true,"where":[],"remove":[],"add":[
		 {"value":"23a35c27-23d3-4c03-b4c5-6443c09e7173"},{"value":"89bb1940-b905-4575-9e7f-6f887cfb368e"}]}`,
	}, {
		name:  "O-12 replace members with [] empties the group",
		group: true,
		doc:   group,
		body:  ops(`{"op":"replace","path":"members","value":[]}`),
		want:  group,
		det:   `{"clear":true,"where":[],"remove":[],"add":[]}`,
	}, {
		name:  "O-12 path-less variant with members [] and id",
		group: true,
		doc:   group,
		body:  ops(`{"op":"replace","value":{"members":[],"id":"` + gid + `","displayName":"Renamed"}}`),
		want:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Renamed","externalId":"8aa1a0c0"}`,
		det:   `{"clear":true,"where":[],"remove":[],"add":[]}`,
	}, {
		name:  "O-13 rename with the group's own id leaves members alone (Q11)",
		group: true,
		doc:   group,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		 "Operations":[{"op":"replace","value":{"id":"abf4dd94-a4c0-4f67-89c9-76b03340cb9b","displayName":"Test SCIMv2 renamed"}}]}`,
		want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2 renamed","externalId":"8aa1a0c0"}`,
	}, {
		name:  "O-13 rename with another id is a mutability error",
		group: true,
		doc:   group,
		body:  ops(`{"op":"replace","value":{"id":"something-else","displayName":"x"}}`),
		err:   "mutability",
	}, {
		name: "O-6 style read-only values in a path-less value are ignored",
		doc:  `{"userName":"u"}`,
		body: ops(`{"op":"replace","value":{"id":"` + uid + `","meta":{"resourceType":"User"},"schemas":["x"],"groups":[],"title":"T","nosuch":1}}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","title":"T"}`,
	}})
}
