package schema

// TeamURN is scimd's team extension of Group: read-only values the server
// computes from the membership graph (a Group is a team; a Group that is a
// member of another is its sub-team).
const TeamURN = "urn:scimd:params:scim:schemas:extension:team:1.0:Group"

// computed marks an attribute whose value the server computes on output;
// it is never stored, so it can be neither filtered nor sorted on.
func computed(a *Attribute) { a.computed = true; a.Mutability = ReadOnly }

func request(a *Attribute) { a.Returned = Request }

// Team returns the team extension schema.
func Team() *Schema {
	ref := func(what, refType string, typeValues ...string) []*Attribute {
		subs := []*Attribute{
			attr("value", String, "The id of the "+what+".", computed, caseExact),
			attr("$ref", Reference, "The URI of the "+what+".", computed, refTypes(refType)),
			attr("display", String, "The display name of the "+what+".", computed),
		}
		if len(typeValues) > 0 {
			subs = append(subs, attr("type", String, "direct, or indirect through a sub-team.", computed, canonical(typeValues...)))
		}
		return subs
	}
	return &Schema{
		ID:          TeamURN,
		Name:        "Team",
		Description: "Team structure of a Group: the teams it is a sub-team of, its size, and its users through sub-teams.",
		Attributes: []*Attribute{
			attr("parentTeams", Complex, "The teams this team is a sub-team of, directly or through other sub-teams.",
				multi, computed, subs(ref("parent team", "Group", "direct", "indirect")...)),
			attr("memberCount", Integer, "The number of direct members (users and sub-teams).", computed),
			attr("transitiveMembers", Complex, "Every user of the team, directly or through sub-teams, once. Returned only when requested.",
				multi, computed, request, subs(ref("user", "User")...)),
		},
	}
}
