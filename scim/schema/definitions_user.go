package schema

// User returns the core User schema (RFC 7643 §4.1, characteristics of
// §8.7.1), preceded by the common attributes of §3.1. Deliberate choices:
// userName is caseExact=false with server uniqueness; the type
// sub-attributes of emails, phoneNumbers, ims, photos and addresses list
// canonicalValues (Entra's gallery validation flattens /Schemas by them);
// addresses has primary (§4.1.2); emails.display is accepted, stored and
// returned but not advertised (see Attribute.hidden).
func User() *Schema {
	attrs := commonAttributes()
	attrs = append(attrs,
		attr("userName", String, "Unique identifier for the User, typically used to sign in. REQUIRED.",
			required, uniqueServer),
		attr("name", Complex, "The components of the user's real name.", subs(
			attr("formatted", String, "The full name, formatted for display."),
			attr("familyName", String, "The family (last) name."),
			attr("givenName", String, "The given (first) name."),
			attr("middleName", String, "The middle name(s)."),
			attr("honorificPrefix", String, "The honorific prefix(es), e.g. 'Ms.'."),
			attr("honorificSuffix", String, "The honorific suffix(es), e.g. 'III'."),
		)),
		attr("displayName", String, "The name of the User, suitable for display to end-users."),
		attr("nickName", String, "The casual way to address the user."),
		attr("profileUrl", Reference, "A URL of a page representing the User's online profile.",
			refTypes("external")),
		attr("title", String, "The user's title, such as 'Vice President'."),
		attr("userType", String, "The relationship between the organization and the user, e.g. 'Employee'."),
		attr("preferredLanguage", String, "The User's preferred written or spoken language, e.g. 'en-US'."),
		attr("locale", String, "The User's default location for localization, e.g. 'en-US'."),
		attr("timezone", String, "The User's time zone in IANA format, e.g. 'America/Los_Angeles'."),
		attr("active", Boolean, "The User's administrative status."),
		attr("password", String, "The User's cleartext password; write-only, never returned.",
			writeOnly, never),
		attr("emails", Complex, "Email addresses for the User.", multi,
			subs(plural("email address", String, []string{"work", "home", "other"}, []opt{hidden})...)),
		attr("phoneNumbers", Complex, "Phone numbers for the User.", multi,
			subs(plural("phone number", String, []string{"work", "home", "mobile", "fax", "pager", "other"}, nil)...)),
		attr("ims", Complex, "Instant messaging addresses for the User.", multi,
			subs(plural("instant messaging address", String,
				[]string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}, nil)...)),
		attr("photos", Complex, "URLs of photos of the User.", multi,
			subs(plural("photo", Reference, []string{"photo", "thumbnail"}, nil, refTypes("external"))...)),
		attr("addresses", Complex, "Physical mailing addresses for the User.", multi, subs(
			attr("formatted", String, "The full mailing address, formatted for display."),
			attr("streetAddress", String, "The full street address component."),
			attr("locality", String, "The city or locality component."),
			attr("region", String, "The state or region component."),
			attr("postalCode", String, "The zip code or postal code component."),
			attr("country", String, "The country name component."),
			attr("type", String, "A label indicating the address's function.", canonical("work", "home", "other")),
			attr("primary", Boolean, "Whether this is the primary address; true appears at most once."),
		)),
		attr("groups", Complex, "The groups the User belongs to, directly or through nested groups.",
			multi, readOnly, subs(
				attr("value", String, "The identifier of the group.", readOnly),
				attr("$ref", Reference, "The URI of the group.", readOnly, refTypes("User", "Group")),
				attr("display", String, "The display name of the group.", readOnly),
				attr("type", String, "How the User is a member: 'direct' or 'indirect'.", readOnly,
					canonical("direct", "indirect")),
			)),
		attr("entitlements", Complex, "Things the User has.", multi,
			subs(plural("entitlement", String, nil, nil)...)),
		attr("roles", Complex, "Roles of the User, e.g. 'Student', 'Faculty'.", multi,
			subs(plural("role", String, nil, nil)...)),
		attr("x509Certificates", Complex, "Certificates issued to the User.", multi,
			subs(plural("certificate", Binary, nil, nil)...)),
	)
	return &Schema{ID: UserURN, Name: "User", Description: "User Account", Attributes: attrs}
}

// EnterpriseUser returns the Enterprise User extension (RFC 7643 §4.3,
// characteristics of §8.7.1).
func EnterpriseUser() *Schema {
	return &Schema{
		ID:          EnterpriseUserURN,
		Name:        "EnterpriseUser",
		Description: "Enterprise User",
		Attributes: []*Attribute{
			attr("employeeNumber", String, "Numeric or alphanumeric identifier assigned to a person by the organization."),
			attr("costCenter", String, "Identifies the name of a cost center."),
			attr("organization", String, "Identifies the name of an organization."),
			attr("division", String, "Identifies the name of a division."),
			attr("department", String, "Identifies the name of a department."),
			attr("manager", Complex, "The User's manager.", subs(
				attr("value", String, "The id of the SCIM resource representing the User's manager."),
				attr("$ref", Reference, "The URI of the manager's SCIM resource.", refTypes("User")),
				attr("displayName", String, "The display name of the manager.", readOnly),
			)),
		},
	}
}

// NewUserType returns the User resource type (RFC 7643 §6) with the
// optional Enterprise User extension.
func NewUserType() *ResourceType {
	return &ResourceType{
		ID:          "User",
		Name:        "User",
		Endpoint:    "/Users",
		Description: "User Account",
		Schema:      User(),
		Extensions:  []Extension{{Schema: EnterpriseUser(), Required: false}},
	}
}
