package ldapsync

import (
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// CanonicalDN returns the form of a DN in which two spellings of the same
// DN are equal: attribute types and values lower-cased, no spaces around
// separators, multi-valued RDNs sorted, values escaped as RFC 4514 §2.4
// requires (non-ASCII kept as is). Directory DNs (member lists, manager,
// entry DNs) are compared in this form. A string that does not parse as a
// DN is lower-cased and trimmed.
func CanonicalDN(dn string) string {
	if s, ok := canonicalSimpleDN(dn); ok {
		return s
	}
	return slowCanonicalDN(dn)
}

// slowCanonicalDN is CanonicalDN parsing the DN.
func slowCanonicalDN(dn string) string {
	d, err := ldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(dn))
	}
	rdns := make([]string, len(d.RDNs))
	for i, r := range d.RDNs {
		avas := make([]string, len(r.Attributes))
		for j, a := range r.Attributes {
			avas[j] = strings.ToLower(a.Type) + "=" + escapeDNValue(strings.ToLower(a.Value))
		}
		slices.Sort(avas)
		rdns[i] = strings.Join(avas, "+")
	}
	return strings.Join(rdns, ",")
}

// escapeDNValue escapes an attribute value for a DN string (RFC 4514
// §2.4): the specials, a leading space or '#', a trailing space, NUL.
func escapeDNValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\' || c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
		case (c == ' ' || c == '#') && i == 0, c == ' ' && i == len(v)-1:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == 0:
			b.WriteString(`\00`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// OUPath returns the organizational units that contain the entry dn below
// base, top-down, as written in dn: for
// "uid=ann,ou=Backend,ou=Engineering,ou=people,dc=example,dc=org" below
// "ou=people,dc=example,dc=org" it is ["Engineering", "Backend"]. Other
// containers (cn=Users in AD) are skipped; the entry's own RDN is not
// included. It is nil when dn is not below base. The engine builds the
// optional OU team tree from it (Source.OUTeams).
func OUPath(dn, base string) []string {
	d, err := ldap.ParseDN(dn)
	if err != nil {
		return nil
	}
	b, err := ldap.ParseDN(base)
	if err != nil {
		return nil
	}
	n, m := len(d.RDNs), len(b.RDNs)
	if n <= m {
		return nil
	}
	for i := 1; i <= m; i++ {
		if !d.RDNs[n-i].EqualFold(b.RDNs[m-i]) {
			return nil
		}
	}
	var out []string
	for i := n - m - 1; i >= 1; i-- {
		r := d.RDNs[i]
		if len(r.Attributes) == 1 && strings.EqualFold(r.Attributes[0].Type, "ou") {
			out = append(out, r.Attributes[0].Value)
		}
	}
	return out
}
