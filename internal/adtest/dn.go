package adtest

import (
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// normDN returns the comparison key of a DN: RFC 4514 parsed, re-encoded and
// lower-cased, so "CN=Alice,  OU=People,DC=Corp" and "cn=alice,ou=people,dc=corp"
// share a key. AD compares DNs case-insensitively. An unparsable DN keys as its
// trimmed lower-case text, so it can still be compared but never matches a
// real entry by accident.
func normDN(dn string) string {
	dn = strings.TrimSpace(dn)
	if dn == "" {
		return ""
	}
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return "\x00" + strings.ToLower(dn)
	}
	return strings.ToLower(parsed.String())
}

// validDN reports whether dn parses as a non-empty RFC 4514 DN.
func validDN(dn string) bool {
	parsed, err := ldap.ParseDN(dn)
	return err == nil && len(parsed.RDNs) > 0
}

// splitDN splits a DN at its first unescaped comma into the leading RDN and
// the parent DN, keeping the caller's spelling. The parent of a one-RDN DN is "".
func splitDN(dn string) (rdn, parent string) {
	dn = strings.TrimSpace(dn)
	inQuotes := false
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++ // skip the escaped character (or the first hex digit)
		case '"':
			inQuotes = !inQuotes
		case ',':
			if !inQuotes {
				return strings.TrimSpace(dn[:i]), strings.TrimSpace(dn[i+1:])
			}
		}
	}
	return dn, ""
}

// rdnValue returns the value of the first attribute of a DN's leading RDN,
// unescaped ("CN=Smith\, Alice,OU=x" gives "Smith, Alice").
func rdnValue(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) == 0 {
		return ""
	}
	return parsed.RDNs[0].Attributes[0].Value
}

// rdnType returns the lower-cased attribute type of a DN's leading RDN.
func rdnType(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) == 0 {
		return ""
	}
	return strings.ToLower(parsed.RDNs[0].Attributes[0].Type)
}

// under reports whether key names baseKey itself or an entry below it.
func under(key, baseKey string) bool {
	if baseKey == "" {
		return true
	}
	return key == baseKey || strings.HasSuffix(key, ","+baseKey)
}

// domainOf turns "DC=corp,DC=example,DC=com" into "corp.example.com"; other
// RDN types are skipped.
func domainOf(baseDN string) string {
	parsed, err := ldap.ParseDN(baseDN)
	if err != nil {
		return ""
	}
	var labels []string
	for _, rdn := range parsed.RDNs {
		for _, a := range rdn.Attributes {
			if strings.EqualFold(a.Type, "dc") {
				labels = append(labels, a.Value)
			}
		}
	}
	return strings.ToLower(strings.Join(labels, "."))
}
