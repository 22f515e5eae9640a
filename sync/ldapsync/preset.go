package ldapsync

import (
	"maps"
	"strings"

	"github.com/scimd/scimd/scim/schema"
)

// preset is the defaults of one directory product.
type preset struct {
	idAttribute       string
	userFilter        string
	groupFilter       string
	pageSize          int
	disabledAttribute string
	userContainer     string // prefix of BaseDN for users ("cn=users,cn=accounts")
	groupContainer    string
	mapping           map[string]string
}

const enterprise = schema.EnterpriseUserURN + ":"

// commonMapping is what inetOrgPerson-based directories share.
func commonMapping() map[string]string {
	return map[string]string{
		"userName":                             "uid",
		"displayName":                          "displayName",
		"name.formatted":                       "cn",
		"name.givenName":                       "givenName",
		"name.familyName":                      "sn",
		`emails[type eq "work"].value`:         "mail",
		`phoneNumbers[type eq "work"].value`:   "telephoneNumber",
		`phoneNumbers[type eq "mobile"].value`: "mobile",
		"title":                                "title",
		"userType":                             "employeeType",
		"preferredLanguage":                    "preferredLanguage",
		enterprise + "employeeNumber":          "employeeNumber",
		enterprise + "department":              "departmentNumber",
		enterprise + "organization":            "o",
		enterprise + "manager":                 "manager",
	}
}

// presetFor returns the defaults of a preset ("" and unknown names: none).
func presetFor(name string) (preset, bool) {
	switch name {
	case PresetOpenLDAP:
		return preset{
			idAttribute: "entryUUID",
			userFilter:  "(objectClass=inetOrgPerson)",
			groupFilter: "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
			pageSize:    DefaultPageSize,
			mapping:     commonMapping(),
		}, true
	case PresetActiveDirectory:
		m := commonMapping()
		delete(m, "userType")
		delete(m, "preferredLanguage")
		m["userName"] = "sAMAccountName"
		m[enterprise+"employeeNumber"] = "employeeID"
		m[enterprise+"department"] = "department"
		m[enterprise+"organization"] = "company"
		return preset{
			idAttribute: "objectGUID",
			// Computer accounts are users too in AD; leave them out.
			userFilter:  "(&(objectClass=user)(!(objectClass=computer)))",
			groupFilter: "(objectClass=group)",
			pageSize:    ADMaxPageSize,
			mapping:     m,
		}, true
	case PresetFreeIPA:
		return preset{
			idAttribute:       "ipaUniqueID",
			userFilter:        "(objectClass=inetOrgPerson)",
			groupFilter:       "(|(objectClass=groupOfNames)(objectClass=posixGroup))",
			pageSize:          DefaultPageSize,
			disabledAttribute: "nsAccountLock",
			userContainer:     "cn=users,cn=accounts",
			groupContainer:    "cn=groups,cn=accounts",
			mapping:           commonMapping(),
		}, true
	}
	return preset{}, false
}

// ApplyPreset fills the fields left empty with the preset's defaults and
// the general ones (page size, group name and member attributes,
// thresholds, base DNs from BaseDN). The mapping becomes the preset's,
// overridden key by key by the configured one (an empty value removes a
// preset entry); keys are rewritten to their canonical spelling. It is
// idempotent and never modifies the configured mapping in place.
func (s *Source) ApplyPreset() {
	p, _ := presetFor(strings.ToLower(s.Preset))
	if p.idAttribute != "" {
		s.Preset = strings.ToLower(s.Preset)
	}
	fill(&s.IDAttribute, p.idAttribute)
	fill(&s.UserFilter, p.userFilter)
	fill(&s.GroupFilter, p.groupFilter)
	fill(&s.DisabledAttribute, p.disabledAttribute)
	if s.PageSize == 0 {
		s.PageSize = p.pageSize
		if s.PageSize == 0 {
			s.PageSize = DefaultPageSize
		}
	}
	if s.BaseDN != "" {
		fill(&s.UserBaseDN, under(p.userContainer, s.BaseDN))
		fill(&s.GroupBaseDN, under(p.groupContainer, s.BaseDN))
	}
	fill(&s.GroupNameAttribute, "cn")
	fill(&s.MemberAttribute, "member")
	s.Thresholds.fill()

	rt := schema.NewUserType()
	merged := canonicalMapping(rt, p.mapping)
	// An empty value stays as a tombstone, so that applying the preset
	// again does not bring the removed entry back.
	maps.Copy(merged, canonicalMapping(rt, s.Mapping))
	s.Mapping = merged
}

func (t *Thresholds) fill() {
	if t.MaxDeactivations == nil {
		t.MaxDeactivations = ptr(50)
	}
	if t.MaxDeactivationPercent == nil {
		t.MaxDeactivationPercent = ptr(10.0)
	}
	if t.MaxMembershipRemovals == nil {
		t.MaxMembershipRemovals = ptr(500)
	}
	if t.MaxMembershipRemovalPercent == nil {
		t.MaxMembershipRemovalPercent = ptr(20.0)
	}
}

func fill(field *string, def string) {
	if *field == "" {
		*field = def
	}
}

func under(container, base string) string {
	if container == "" {
		return base
	}
	return container + "," + base
}

func ptr[T any](v T) *T { return &v }
