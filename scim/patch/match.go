package patch

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
)

// Match reports whether elem, one element of the multi-valued attribute
// attr.Attr, satisfies the value filter f (RFC 7644 §3.4.2.2 and §3.5.2,
// valuePath "attr[filter]"). The filter's attribute names are relative to
// the element and compared case-insensitively; each comparison is typed by
// the sub-attribute's definition:
//
//   - strings honour caseExact (false: compared case-insensitively);
//   - booleans accept "True"/"false" strings on either side (Q2), and only
//     eq and ne apply;
//   - integers and decimals compare numerically;
//   - dateTimes compare as instants (RFC 3339), falling back to text when
//     either side does not parse;
//   - pr is true for a present, non-empty value; eq null matches an absent
//     value and ne null a present one; a comparison on an absent value is
//     false, except ne, which is true;
//   - a multi-valued sub-attribute matches when any of its values does.
//
// For a simple multi-valued attribute the element is {"value": x}. A nil
// filter matches everything. Match never panics, whatever elem holds; an
// unknown sub-attribute compares as a case-insensitive string. rt is the
// resource type attr was resolved against.
func Match(rt *schema.ResourceType, attr schema.Resolved, f filter.Expr, elem map[string]any) bool {
	_ = rt
	switch e := f.(type) {
	case nil:
		return true
	case *filter.And:
		return Match(rt, attr, e.L, elem) && Match(rt, attr, e.R, elem)
	case *filter.Or:
		return Match(rt, attr, e.L, elem) || Match(rt, attr, e.R, elem)
	case *filter.Not:
		return !Match(rt, attr, e.X, elem)
	case *filter.Compare:
		return compare(attr.Attr, e, elem)
	}
	return false
}

func compare(attr *schema.Attribute, c *filter.Compare, elem map[string]any) bool {
	if c.Path.URN != "" || c.Path.Sub != "" {
		return false
	}
	typ, caseExact := schema.String, false
	switch {
	case attr == nil:
	case attr.Type == schema.Complex:
		if sub := attr.Sub(c.Path.Name); sub != nil {
			typ, caseExact = sub.Type, sub.CaseExact
		}
	default:
		typ, caseExact = attr.Type, attr.CaseExact
	}
	v := getKey(elem, c.Path.Name)
	if c.Op == filter.Pr {
		return present(v)
	}
	if c.Value == nil {
		switch c.Op {
		case filter.Eq:
			return !present(v)
		case filter.Ne:
			return present(v)
		}
		return false
	}
	if !present(v) {
		return c.Op == filter.Ne
	}
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if compareValue(typ, caseExact, c.Op, x, c.Value) {
				return true
			}
		}
		return false
	}
	return compareValue(typ, caseExact, c.Op, v, c.Value)
}

// compareValue applies op to the element's value left and the filter's
// value right, both typed as typ.
func compareValue(typ schema.Type, caseExact bool, op filter.Op, left, right any) bool {
	switch typ {
	case schema.Boolean:
		l, ok1 := toBool(left)
		r, ok2 := toBool(right)
		if !ok1 || !ok2 {
			return op == filter.Ne
		}
		switch op {
		case filter.Eq:
			return l == r
		case filter.Ne:
			return l != r
		}
		return false
	case schema.Integer, schema.Decimal:
		l, ok1 := toNumberLoose(left)
		r, ok2 := toNumberLoose(right)
		if ok1 && ok2 {
			return ordered(op, l.Cmp(r))
		}
	case schema.DateTime:
		l, ok1 := toTime(left)
		r, ok2 := toTime(right)
		if ok1 && ok2 {
			return ordered(op, l.Compare(r))
		}
	}
	l, ok1 := toText(left)
	r, ok2 := toText(right)
	if !ok1 || !ok2 {
		return op == filter.Ne
	}
	if !caseExact {
		l, r = strings.ToLower(l), strings.ToLower(r)
	}
	switch op {
	case filter.Co:
		return strings.Contains(l, r)
	case filter.Sw:
		return strings.HasPrefix(l, r)
	case filter.Ew:
		return strings.HasSuffix(l, r)
	}
	return ordered(op, strings.Compare(l, r))
}

// ordered turns a three-way comparison into the result of op; co, sw and
// ew on non-strings are false.
func ordered(op filter.Op, c int) bool {
	switch op {
	case filter.Eq:
		return c == 0
	case filter.Ne:
		return c != 0
	case filter.Gt:
		return c > 0
	case filter.Ge:
		return c >= 0
	case filter.Lt:
		return c < 0
	case filter.Le:
		return c <= 0
	}
	return false
}

// toBool accepts JSON booleans and the strings "true"/"false" in any case
// (Entra sends "True", Q2).
func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// toNumberLoose is toNumber that also reads numbers written as strings.
func toNumberLoose(v any) (*big.Float, bool) {
	if s, ok := v.(string); ok {
		f, ok := new(big.Float).SetString(strings.TrimSpace(s))
		return f, ok
	}
	return toNumber(v)
}

func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(x))
		return t, err == nil
	}
	return time.Time{}, false
}

// toText renders scalars as the text a string comparison uses.
func toText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case time.Time:
		return x.Format(time.RFC3339Nano), true
	}
	return "", false
}
