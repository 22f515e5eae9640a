package ldapsync

import "strings"

// canonicalSimpleDN is CanonicalDN of a DN written plainly, as
// directories write nearly all of them: single-valued RDNs of ASCII
// letters, digits and a few punctuation marks, no escapes, no quotes, no
// spaces around separators. Their canonical form is the DN lower-cased,
// got without parsing (the same string when it is lower-case already).
// ok is false for any other DN, which CanonicalDN parses.
func canonicalSimpleDN(dn string) (canonical string, ok bool) {
	if dn == "" {
		return "", false
	}
	upper := false
	inType, start := true, 0 // in an attribute type; where the type or value began
	for i := 0; i < len(dn); i++ {
		c := dn[i]
		switch {
		case c == '=':
			if !inType || i == start {
				return "", false
			}
			inType, start = false, i+1
		case c == ',':
			if inType || i == start || dn[i-1] == ' ' {
				return "", false
			}
			inType, start = true, i+1
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.':
		case 'A' <= c && c <= 'Z':
			upper = true
		case inType:
			return "", false
		case c == ' ':
			if i == start {
				return "", false
			}
		case strings.IndexByte("_@:/()&'!*%$~", c) >= 0:
		default:
			return "", false
		}
	}
	if inType || start == len(dn) || dn[len(dn)-1] == ' ' {
		return "", false
	}
	if !upper {
		return dn, true
	}
	return strings.ToLower(dn), true
}
