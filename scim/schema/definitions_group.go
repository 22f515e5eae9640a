package schema

// Group returns the core Group schema (RFC 7643 §4.2, characteristics of
// §8.7.1), preceded by the common attributes of §3.1. Deliberate choices:
// displayName is required (§4.2) with server uniqueness (Entra requires
// unique group names); members carries a read-only display, which the
// server fills from the member's current name.
func Group() *Schema {
	attrs := commonAttributes()
	attrs = append(attrs,
		attr("displayName", String, "A human-readable name for the Group. REQUIRED.", required, uniqueServer),
		attr("members", Complex, "A list of members of the Group.", multi, memberRefs, subs(
			attr("value", String, "Identifier of the member of this Group.", immutable),
			attr("$ref", Reference, "The URI of the member resource.", immutable, refTypes("User", "Group")),
			attr("type", String, "The type of the member: 'User' or 'Group'.", immutable, canonical("User", "Group")),
			attr("display", String, "The display name of the member.", readOnly),
		)),
	)
	return &Schema{ID: GroupURN, Name: "Group", Description: "Group", Attributes: attrs}
}

// NewGroupType returns the Group resource type (RFC 7643 §6).
func NewGroupType() *ResourceType {
	return &ResourceType{
		ID:          "Group",
		Name:        "Group",
		Endpoint:    "/Groups",
		Description: "Group",
		Schema:      Group(),
		Extensions:  []Extension{{Schema: Team()}},
	}
}
