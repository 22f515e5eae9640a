package patch

import "testing"

// entraUser is the user of Entra's E-4 create, as stored.
const entraUser = `{"schemas":["` + userURN + `","` + entURN + `"],
 "externalId":"0a21f0f2","userName":"Test_User_00aa","active":true,"displayName":"Test User",
 "emails":[{"primary":true,"type":"work","value":"Test_User@testuser.com"}],
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "title":"Engineer",
 "` + entURN + `":{"employeeNumber":"701984","department":"Eng"}}`

// Microsoft Entra ID's PATCH traffic (idp-traffic.md §2, E-5 … E-13).
func TestEntraUser(t *testing.T) {
	bare := `{"schemas":["` + userURN + `"],"userName":"u"}`
	withManager := func(m string) string {
		return `{"schemas":["` + userURN + `","` + entURN + `"],"userName":"u","` + entURN + `":{"manager":` + m + `}}`
	}
	runCases(t, []patchCase{{
		name: "E-5 manager as a one-element array with $ref, unqualified path",
		doc:  bare,
		body: ops(`{"op":"Add","path":"manager","value":[{"$ref":"http://x/scim/Users/00aa","value":"00aa"}]}`),
		want: withManager(`{"$ref":"http://x/scim/Users/00aa","value":"00aa"}`),
	}, {
		name: "E-5 manager as {value}, URN path (validator)",
		doc:  bare,
		body: ops(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"AXTKDLNRKMKT"}}`),
		want: withManager(`{"value":"AXTKDLNRKMKT"}`),
	}, {
		name: "E-5 manager as a bare string (Logic App)",
		doc:  bare,
		body: ops(`{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"mgr-1"}`),
		want: withManager(`{"value":"mgr-1"}`),
	}, {
		name: "E-5 manager change drops the old $ref",
		doc:  withManager(`{"$ref":"http://x/scim/Users/00aa","value":"00aa"}`),
		body: ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"00bb"}`),
		want: withManager(`{"value":"00bb"}`),
	}, {
		name: "E-5 manager removal with remove; the empty extension goes",
		doc:  withManager(`{"value":"00aa"}`),
		body: ops(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}`),
		want: bare,
	}, {
		name: "E-5 manager removal with replace \"\"",
		doc:  withManager(`{"value":"00aa"}`),
		body: ops(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":""}`),
		want: bare,
	}, {
		name: "E-6 default job: one capitalised op per attribute, valuePath creates addresses",
		doc:  entraUser,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		 "Operations":[
		  {"op":"Replace","path":"displayName","value":"Pvlo"},
		  {"op":"Replace","path":"emails[type eq \"work\"].value","value":"TestBcwqnm@test.microsoft.com"},
		  {"op":"Replace","path":"name.givenName","value":"Gtfd"},
		  {"op":"Replace","path":"name.familyName","value":"Pkqf"},
		  {"op":"Replace","path":"externalId","value":"Eqpj"},
		  {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"},
		  {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail"},
		  {"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"18/2111"}]}`,
		want: `{"schemas":["` + userURN + `","` + entURN + `"],
		 "externalId":"Eqpj","userName":"Test_User_00aa","active":true,"displayName":"Pvlo",
		 "emails":[{"primary":true,"type":"work","value":"TestBcwqnm@test.microsoft.com"}],
		 "name":{"formatted":"givenName familyName","familyName":"Pkqf","givenName":"Gtfd"},
		 "title":"Engineer",
		 "addresses":[{"type":"work","formatted":"18/2111"}],
		 "` + entURN + `":{"employeeNumber":"Eqpj","department":"Retail"}}`,
	}, {
		name: "E-6 aadOptscim062020: filtered path plus path-less dotted and URN keys",
		doc:  entraUser,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		 "Operations":[
		  {"op":"replace","path":"emails[type eq \"work\"].value","value":"TestMhvaes@test.microsoft.com"},
		  {"op":"replace","value":{
		     "displayName":"Bjfe",
		     "name.givenName":"Kkom",
		     "name.familyName":"Unua",
		     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}`,
		want: `{"schemas":["` + userURN + `","` + entURN + `"],
		 "externalId":"0a21f0f2","userName":"Test_User_00aa","active":true,"displayName":"Bjfe",
		 "emails":[{"primary":true,"type":"work","value":"TestMhvaes@test.microsoft.com"}],
		 "name":{"formatted":"givenName familyName","familyName":"Unua","givenName":"Kkom"},
		 "title":"Engineer",
		 "` + entURN + `":{"employeeNumber":"Aklq","department":"Eng"}}`,
	}, {
		name: "E-6 path-less add with dotted keys (scimitar#123)",
		doc:  bare,
		body: ops(`{"op":"add","value":{"displayName":"D","title":"T","name.givenName":"G","name.familyName":"F","name.formatted":"G F"}}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","displayName":"D","title":"T",
		 "name":{"givenName":"G","familyName":"F","formatted":"G F"}}`,
	}, {
		name: "E-6 userName change",
		doc:  bare,
		body: ops(`{"op":"Replace","path":"userName","value":"5b50@testuser.com"}`),
		want: `{"schemas":["` + userURN + `"],"userName":"5b50@testuser.com"}`,
	}, {
		name: "E-7 default job: \"False\" string (Q2)",
		doc:  `{"userName":"u","active":true}`,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		want: `{"schemas":["` + userURN + `"],"userName":"u","active":false}`,
	}, {
		name: "E-7 flag: boolean false, schemas after Operations",
		doc:  `{"userName":"u","active":true}`,
		body: `{"Operations":[{"op":"Replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`,
		want: `{"schemas":["` + userURN + `"],"userName":"u","active":false}`,
	}, {
		name: "E-7 lowercase \"false\"",
		doc:  `{"userName":"u","active":true}`,
		body: ops(`{"op":"replace","path":"active","value":"false"}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","active":false}`,
	}, {
		name: "E-8 re-enable with \"True\", and a periodic no-change true",
		doc:  `{"userName":"u","active":false}`,
		body: ops(`{"op":"Replace","path":"active","value":"True"}`, `{"op":"replace","path":"active","value":true}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","active":true}`,
	}, {
		name: "E-13 validator: add attributes to a user lacking them",
		doc:  bare,
		body: ops(`{"op":"add","path":"name.givenName","value":"G"}`, `{"op":"add","path":"name.familyName","value":"F"}`,
			`{"op":"add","path":"emails[type eq \"work\"].value","value":"w@x.com"}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","name":{"givenName":"G","familyName":"F"},
		 "emails":[{"type":"work","value":"w@x.com"}]}`,
	}, {
		name: "E-13 validator: replace valuePaths creating missing elements (Q4)",
		doc:  bare,
		body: `{"Operations":[
		 {"op":"replace","path":"emails[type eq \"work\"].value","value":"lilian.graham@millszboncak.ca"},
		 {"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"07-272-0828"},
		 {"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"2809 Johns Walk"},
		 {"op":"replace","path":"addresses[type eq \"work\"].locality","value":"KMYVNUJVVZWC"}],
		 "schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`,
		want: `{"schemas":["` + userURN + `"],"userName":"u",
		 "emails":[{"type":"work","value":"lilian.graham@millszboncak.ca"}],
		 "phoneNumbers":[{"type":"work","value":"07-272-0828"}],
		 "addresses":[{"type":"work","streetAddress":"2809 Johns Walk","locality":"KMYVNUJVVZWC"}]}`,
	}, {
		name: "E-13 richer validator: display and \"True\" primary of home/other emails",
		doc:  entraUser,
		body: ops(`{"op":"replace","path":"emails[type eq \"home\"].value","value":"h@x.com"}`,
			`{"op":"replace","path":"emails[type eq \"home\"].display","value":"Home"}`,
			`{"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}`,
			`{"op":"add","path":"emails[type eq \"other\"].value","value":"o@x.com"}`),
		want: `{"schemas":["` + userURN + `","` + entURN + `"],
		 "externalId":"0a21f0f2","userName":"Test_User_00aa","active":true,"displayName":"Test User",
		 "emails":[{"primary":false,"type":"work","value":"Test_User@testuser.com"},
		           {"primary":true,"type":"home","value":"h@x.com","display":"Home"},
		           {"type":"other","value":"o@x.com"}],
		 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
		 "title":"Engineer",
		 "` + entURN + `":{"employeeNumber":"701984","department":"Eng"}}`,
	}, {
		name: "E-13 conjunction filter creates an element with both constraints (Q4)",
		doc:  bare,
		body: ops(`{"op":"add","path":"emails[type eq \"work\" and primary eq true].value","value":"w@x.com"}`,
			`{"op":"replace","path":"roles[primary eq \"True\"].value","value":"Admin"}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u",
		 "emails":[{"type":"work","primary":true,"value":"w@x.com"}],
		 "roles":[{"primary":true,"value":"Admin"}]}`,
	}, {
		name: "E-13 path-less userName replace",
		doc:  bare,
		body: ops(`{"op":"replace","value":{"userName":"emilio@hermann.uk"}}`),
		want: `{"schemas":["` + userURN + `"],"userName":"emilio@hermann.uk"}`,
	}, {
		name: "E-13 null update with \"\" (path and path-less, filtered path kept separate)",
		doc:  entraUser,
		body: ops(`{"op":"replace","path":"title","value":""}`,
			`{"op":"replace","value":{"displayName":"","name.givenName":"","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":""}}`,
			`{"op":"replace","path":"emails[type eq \"work\"].value","value":""}`),
		want: `{"schemas":["` + userURN + `","` + entURN + `"],
		 "externalId":"0a21f0f2","userName":"Test_User_00aa","active":true,
		 "name":{"formatted":"givenName familyName","familyName":"familyName"},
		 "` + entURN + `":{"employeeNumber":"701984"}}`,
	}, {
		name: "E-13 null update with null, twice (already absent is fine)",
		doc:  entraUser,
		body: ops(`{"op":"replace","path":"title","value":null}`, `{"op":"replace","path":"title","value":null}`,
			`{"op":"replace","path":"emails[type eq \"home\"].value","value":null}`,
			`{"op":"replace","value":{"name":null,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":null,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":null}}`),
		want: `{"schemas":["` + userURN + `"],
		 "externalId":"0a21f0f2","userName":"Test_User_00aa","active":true,"displayName":"Test User",
		 "emails":[{"primary":true,"type":"work","value":"Test_User@testuser.com"}]}`,
	}, {
		name: "E-13 empty Operations is a no-op (Q26)",
		doc:  entraUser,
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`,
		want: entraUser,
	}, {
		name: "E-13 the validator's remove of a required attribute fails",
		doc:  bare,
		body: ops(`{"op":"remove","path":"userName"}`),
		err:  "mutability",
	}, {
		name: "Q25 role mapping: JSON document inside a string",
		doc:  bare,
		body: ops(`{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b0\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","roles":[{"value":"25","display":"Role1234"}]}`,
	}, {
		name: "Q25 add on roles never removes; Q17 re-adding the same value merges",
		doc:  `{"userName":"u","roles":[{"value":"24","primary":true}]}`,
		body: ops(`{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"x\",\"value\":\"25\",\"displayName\":\"R\"}"}]}`,
			`{"op":"add","path":"roles","value":{"value":"24","type":"WindowsAzureActiveDirectoryRole"}}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","roles":[
		 {"value":"24","primary":true,"type":"WindowsAzureActiveDirectoryRole"},{"value":"25","display":"R"}]}`,
	}, {
		name: "Q2 roles primary sent as \"True\" on add",
		doc:  bare,
		body: ops(`{"op":"add","path":"roles","value":[{"primary":"True","type":"WindowsAzureActiveDirectoryRole","value":"Admin"}]}`),
		want: `{"schemas":["` + userURN + `"],"userName":"u","roles":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Admin"}]}`,
	}, {
		name: "Q27 mixed-case attribute names, sub-attributes and URN",
		doc:  bare,
		body: ops(`{"op":"add","path":"URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:Department","value":"Eng"}`,
			`{"op":"add","path":"Name.GivenName","value":"G"}`,
			`{"op":"add","path":"Emails","value":[{"Value":"a@x","Primary":"true","Type":"work"}]}`),
		want: `{"schemas":["` + userURN + `","` + entURN + `"],"userName":"u","name":{"givenName":"G"},
		 "emails":[{"value":"a@x","primary":true,"type":"work"}],"` + entURN + `":{"department":"Eng"}}`,
	}})
}

// Entra's group traffic (E-12) and Microsoft's Postman collection.
func TestEntraGroup(t *testing.T) {
	renamed := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"1879db59updatedDisplayName","externalId":"8aa1a0c0"}`
	runCases(t, []patchCase{{
		name:  "E-12 default rename",
		group: true,
		doc:   group,
		body:  ops(`{"op":"Replace","path":"displayName","value":"1879db59updatedDisplayName"}`),
		want:  renamed,
	}, {
		name:  "E-12 validator path-less rename and externalId",
		group: true,
		doc:   group,
		body:  ops(`{"op":"replace","value":{"displayName":"MSADPJJZWBUS"}}`, `{"op":"replace","value":{"externalId":"c3b97a69"}}`),
		want:  `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"MSADPJJZWBUS","externalId":"c3b97a69"}`,
	}, {
		name:  "E-12 add two members with $ref null, one of them twice",
		group: true,
		doc:   group,
		body: ops(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"},{"$ref":null,"value":"a0b1c2d3e4f5a6b7c8d9"}]}`,
			`{"op":"Add","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]}`),
		want: group,
		det:  `{"clear":false,"where":[],"remove":[],"add":[{"value":"f648f8d5ea4e4cd38e9c"},{"value":"a0b1c2d3e4f5a6b7c8d9"}]}`,
	}, {
		name:  "E-12 default job: Remove with a value list removes only those (Q7)",
		group: true,
		doc:   group,
		body:  ops(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]}`),
		want:  group,
		det:   `{"clear":false,"where":[],"remove":["f648f8d5ea4e4cd38e9c"],"add":[]}`,
	}, {
		name:  "E-12 aadOptscim062020: filtered remove (Q8)",
		group: true,
		doc:   group,
		body:  ops(`{"op":"remove","path":"members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]"}`),
		want:  group,
		det:   `{"clear":false,"where":[],"remove":["7f4bc1a3-285e-48ae-8202-5accb43efb0e"],"add":[]}`,
	}, {
		name:  "E-12 nested group id as member, type given in any case",
		group: true,
		doc:   group,
		body:  ops(`{"op":"add","path":"members","value":[{"value":"g2","type":"group"}]}`),
		want:  group,
		det:   `{"clear":false,"where":[],"remove":[],"add":[{"value":"g2","type":"Group"}]}`,
	}, {
		name:  "Postman: member value as a bare string, and as a list of strings (Q9)",
		group: true,
		doc:   group,
		body:  ops(`{"op":"add","path":"members","value":"string id 1"}`, `{"op":"add","path":"members","value":["id2","id3"]}`),
		want:  group,
		det:   `{"clear":false,"where":[],"remove":[],"add":[{"value":"string id 1"},{"value":"id2"},{"value":"id3"}]}`,
	}, {
		name:  "Postman: remove members without value clears the group",
		group: true,
		doc:   group,
		body:  ops(`{"op":"add","path":"members","value":["id1"]}`, `{"op":"remove","path":"members"}`),
		want:  group,
		det:   `{"clear":true,"where":[],"remove":[],"add":[]}`,
	}, {
		name:  "a member without value is invalidValue",
		group: true,
		doc:   group,
		body:  ops(`{"op":"add","path":"members","value":[{"display":"x"}]}`),
		err:   "invalidValue",
	}, {
		name:  "group displayName cannot be cleared",
		group: true,
		doc:   group,
		body:  ops(`{"op":"replace","path":"displayName","value":""}`),
		err:   "mutability",
	}})
}
