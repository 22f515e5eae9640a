package storetest

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// Users returns n synthetic users of one organization, for seeding
// benchmarks and load tests: user i has userName "user%07d@example.com",
// a display name, a name, two emails and an enterprise department; ids are
// time-ordered UUIDs, ascending with i.
func Users(orgID string, n int) []store.Resource {
	out := make([]store.Resource, n)
	for i := range out {
		name := fmt.Sprintf("user%07d@example.com", i)
		out[i] = store.Resource{
			OrgID: orgID, ID: uuid.Must(uuid.NewV7()).String(), Kind: store.KindUser, Name: name,
			ExternalID: fmt.Sprintf("ext-%07d", i), DisplayName: fmt.Sprintf("User %d", i), Active: true,
			Source: "scim",
			Attrs: map[string]any{
				"userName":    name,
				"displayName": fmt.Sprintf("User %d", i),
				"name":        map[string]any{"givenName": "User", "familyName": fmt.Sprintf("Number%d", i)},
				"emails": []any{
					map[string]any{"value": name, "type": "work", "primary": true},
					map[string]any{"value": fmt.Sprintf("u%d@home.example", i), "type": "home"},
				},
				"active":   true,
				enterprise: map[string]any{"department": fmt.Sprintf("Dept %d", i%50)},
			},
		}
	}
	return out
}
