package adtest

import (
	"strconv"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// AD's extensible matching rules (MS-ADTS 3.1.1.3.4.4).
const (
	ruleBitAnd  = "1.2.840.113556.1.4.803"  // LDAP_MATCHING_RULE_BIT_AND
	ruleBitOr   = "1.2.840.113556.1.4.804"  // LDAP_MATCHING_RULE_BIT_OR
	ruleInChain = "1.2.840.113556.1.4.1941" // LDAP_MATCHING_RULE_TRANSITIVE_EVAL
)

// tri is RFC 4511 §4.5.1.7 three-valued filter logic.
type tri int8

const (
	triFalse tri = iota
	triTrue
	triUndefined
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// compileFilter turns the filter string gldap hands us (go-ldap's
// DecompileFilter of the wire filter, so binary values arrive \xx-escaped)
// back into the BER tree the client sent.
func compileFilter(s string) (*ber.Packet, error) {
	return ldap.CompileFilter(s)
}

// matches evaluates a compiled filter against e; only TRUE selects an entry.
// Caller holds t.mu.
func (t *tree) matches(e *entry, f *ber.Packet) bool {
	return t.eval(e, f) == triTrue
}

func (t *tree) eval(e *entry, f *ber.Packet) tri {
	switch f.Tag {
	case ldap.FilterAnd:
		res := triTrue
		for _, c := range f.Children {
			switch t.eval(e, c) {
			case triFalse:
				return triFalse
			case triUndefined:
				res = triUndefined
			}
		}
		return res
	case ldap.FilterOr:
		res := triFalse
		for _, c := range f.Children {
			switch t.eval(e, c) {
			case triTrue:
				return triTrue
			case triUndefined:
				res = triUndefined
			}
		}
		return res
	case ldap.FilterNot:
		if len(f.Children) != 1 {
			return triUndefined
		}
		switch t.eval(e, f.Children[0]) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triUndefined
	case ldap.FilterPresent:
		name := strings.ToLower(str(f))
		if name == "objectclass" {
			return triTrue
		}
		a := t.attr(e, name)
		return triOf(a != nil && len(a.vals) > 0)
	case ldap.FilterEqualityMatch, ldap.FilterApproxMatch:
		if len(f.Children) != 2 {
			return triUndefined
		}
		return t.equal(e, strings.ToLower(str(f.Children[0])), str(f.Children[1]))
	case ldap.FilterGreaterOrEqual, ldap.FilterLessOrEqual:
		if len(f.Children) != 2 {
			return triUndefined
		}
		return t.order(e, strings.ToLower(str(f.Children[0])), str(f.Children[1]), f.Tag == ldap.FilterGreaterOrEqual)
	case ldap.FilterSubstrings:
		if len(f.Children) != 2 {
			return triUndefined
		}
		return t.substrings(e, strings.ToLower(str(f.Children[0])), f.Children[1])
	case ldap.FilterExtensibleMatch:
		return t.extensible(e, f)
	}
	return triUndefined
}

func str(p *ber.Packet) string { return ber.DecodeString(p.Data.Bytes()) }

// assertionKey normalises an assertion value like the attribute's values.
// objectCategory also accepts a class's ldapDisplayName, which AD expands
// to that class's defaultObjectCategory ("person" and "user" both mean
// CN=Person,CN=Schema,…).
func (t *tree) assertionKey(lower, value string) string {
	if lower == "objectcategory" && !strings.Contains(value, "=") {
		category := map[string]string{
			"person": "Person", "user": "Person", "group": "Group",
			"organizationalunit": "Organizational-Unit", "container": "Container",
			"computer": "Computer", "domaindns": "Domain-DNS",
		}[strings.ToLower(value)]
		if category == "" {
			return "\x00unknown-category"
		}
		return normDN("CN=" + category + "," + t.schemaDN)
	}
	return matchKey(syntaxOf(lower), value)
}

func (t *tree) equal(e *entry, lower, value string) tri {
	a := t.attr(e, lower)
	if a == nil {
		return triFalse
	}
	want := t.assertionKey(lower, value)
	for _, k := range a.keys {
		if k == want {
			return triTrue
		}
	}
	return triFalse
}

func (t *tree) order(e *entry, lower, value string, greater bool) tri {
	a := t.attr(e, lower)
	if a == nil {
		return triFalse
	}
	syn := syntaxOf(lower)
	want := matchKey(syn, value)
	wantN, wantErr := strconv.ParseInt(want, 10, 64)
	for _, k := range a.keys {
		var cmp int
		if n, err := strconv.ParseInt(k, 10, 64); syn == synInt && err == nil && wantErr == nil {
			cmp = compareInt(n, wantN)
		} else {
			cmp = strings.Compare(k, want)
		}
		if (greater && cmp >= 0) || (!greater && cmp <= 0) {
			return triTrue
		}
	}
	return triFalse
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (t *tree) substrings(e *entry, lower string, parts *ber.Packet) tri {
	a := t.attr(e, lower)
	if a == nil {
		return triFalse
	}
	fold := syntaxOf(lower) != synBinary
	for _, v := range a.vals {
		if fold {
			v = strings.ToLower(v)
		}
		if substringMatch(v, parts, fold) {
			return triTrue
		}
	}
	return triFalse
}

func substringMatch(v string, parts *ber.Packet, fold bool) bool {
	pos := 0
	for i, p := range parts.Children {
		s := str(p)
		if fold {
			s = strings.ToLower(s)
		}
		switch p.Tag {
		case ldap.FilterSubstringsInitial:
			if i != 0 || !strings.HasPrefix(v, s) {
				return false
			}
			pos = len(s)
		case ldap.FilterSubstringsAny:
			idx := strings.Index(v[pos:], s)
			if idx < 0 {
				return false
			}
			pos += idx + len(s)
		case ldap.FilterSubstringsFinal:
			if len(v)-len(s) < pos || !strings.HasSuffix(v, s) {
				return false
			}
		}
	}
	return true
}

// extensible evaluates a MatchingRuleAssertion. AD's bit-AND, bit-OR and
// IN_CHAIN rules are implemented; an extensible match without a rule is an
// equality match; any other rule is Undefined (so it matches nothing, and
// neither does its negation). The :dn flag is ignored.
func (t *tree) extensible(e *entry, f *ber.Packet) tri {
	var rule, lower, value string
	for _, c := range f.Children {
		switch c.Tag {
		case ldap.MatchingRuleAssertionMatchingRule:
			rule = str(c)
		case ldap.MatchingRuleAssertionType:
			lower = strings.ToLower(str(c))
		case ldap.MatchingRuleAssertionMatchValue:
			value = str(c)
		}
	}
	if lower == "" {
		return triUndefined
	}
	switch rule {
	case "":
		return t.equal(e, lower, value)
	case ruleBitAnd, ruleBitOr:
		mask, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return triUndefined
		}
		a := t.attr(e, lower)
		if a == nil {
			return triFalse
		}
		for _, v := range a.vals {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				continue
			}
			if (rule == ruleBitAnd && n&mask == mask) || (rule == ruleBitOr && n&mask != 0) {
				return triTrue
			}
		}
		return triFalse
	case ruleInChain:
		if syntaxOf(lower) != synDN {
			return triUndefined
		}
		return triOf(t.inChain(e, lower, normDN(value)))
	}
	return triUndefined
}

// inChain walks the DN-valued attribute from e transitively (memberOf
// upwards, member downwards, manager up the reporting line) and reports
// whether target is reached. Every entry is visited once, so membership
// loops terminate, as MS-ADTS requires of TRANSITIVE_EVAL.
func (t *tree) inChain(e *entry, lower, target string) bool {
	visited := map[string]bool{e.key: true}
	queue := []*entry{e}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		a := t.attr(cur, lower)
		if a == nil {
			continue
		}
		for _, k := range a.keys {
			if k == target {
				return true
			}
			if visited[k] {
				continue
			}
			visited[k] = true
			if next, ok := t.entries[k]; ok {
				queue = append(queue, next)
			}
		}
	}
	return false
}
