package patch_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scimd/scimd/scim/patch"
	"github.com/scimd/scimd/scim/schema"
)

// Entra ID's aadOptscim062020 update: a filtered path, then a path-less
// replace whose keys are dotted and URN-qualified paths.
func ExampleApply() {
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	 "Operations":[
	  {"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"},
	  {"op":"replace","value":{"name.givenName":"Barbara",
	    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"701984",
	    "active":"False"}}]}`
	req, err := patch.Decode(strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	stored := map[string]any{"userName": "bjensen", "active": true}
	doc, _, err := patch.Apply(schema.NewUserType(), stored, req.Operations, patch.Options{ID: "2819c223"})
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(doc)
	fmt.Println(string(out))
	// Output:
	// {"active":false,"emails":[{"type":"work","value":"new@example.com"}],"name":{"givenName":"Barbara"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984"},"userName":"bjensen"}
}

// Okta's group push: members never enter the document; they come back as
// a Detached change for the caller to apply.
func ExampleDetached() {
	ops := []patch.Operation{
		{Op: "remove", Path: `members[value eq "89bb1940"]`},
		{Op: "add", Path: "members", Value: []any{map[string]any{"value": "23a35c27", "display": "test.user@okta.local"}}},
	}
	_, det, err := patch.Apply(schema.NewGroupType(), map[string]any{"displayName": "Eng"}, ops, patch.Options{ID: "abf4dd94", Detach: "members"})
	if err != nil {
		panic(err)
	}
	fmt.Println(det.Clear, det.Remove, det.Add)
	// Output:
	// false [89bb1940] [map[value:23a35c27]]
}
