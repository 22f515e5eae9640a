package schema

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file coerces single simple values to their canonical stored form
// (RFC 7643 §2.3). The functions report ok=false on a value that cannot
// be coerced; callers turn that into the error their context needs.

// coerceScalar converts v to the canonical form of type t:
// string/reference/binary → string, boolean → bool, integer → int64,
// decimal → float64, dateTime → UTC RFC 3339 string.
func coerceScalar(t Type, v any) (any, bool) {
	switch t {
	case String:
		return coerceString(v)
	case Reference:
		s, ok := v.(string)
		return s, ok
	case Boolean:
		return coerceBool(v)
	case Integer:
		return coerceInt(v)
	case Decimal:
		return coerceDecimal(v)
	case DateTime:
		return coerceDateTime(v)
	case Binary:
		return coerceBinary(v)
	}
	return nil, false
}

// coerceString accepts a string, or a number (written as the client wrote
// it: an employeeNumber sent as 701984 is the string "701984").
func coerceString(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	}
	return nil, false
}

// coerceBool accepts a JSON boolean or the strings "true"/"false" in any
// case (Entra sends "True"/"False", idp-traffic Q2).
func coerceBool(v any) (any, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch s := strings.TrimSpace(x); {
		case strings.EqualFold(s, "true"):
			return true, true
		case strings.EqualFold(s, "false"):
			return false, true
		}
	}
	return nil, false
}

func coerceInt(v any) (any, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return nil, false
		}
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return nil, false
}

func coerceDecimal(v any) (any, bool) {
	var f float64
	var err error
	switch x := v.(type) {
	case json.Number:
		f, err = strconv.ParseFloat(string(x), 64)
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
	case float64:
		f = x
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	default:
		return nil, false
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return f, true
}

// coerceDateTime parses an RFC 3339 dateTime (RFC 7643 §2.3.5) and
// re-formats it in UTC, so that equal instants are equal strings. The
// fraction is kept when non-zero (RFC3339Nano, trailing zeros trimmed).
func coerceDateTime(v any) (any, bool) {
	var t time.Time
	switch x := v.(type) {
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(x)); err != nil {
			return nil, false
		}
	case time.Time:
		t = x
	default:
		return nil, false
	}
	return FormatTime(t), true
}

// FormatTime renders t the way dateTime values are stored and returned:
// RFC 3339 in UTC, with fractional seconds only when non-zero.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// coerceBinary accepts base64 (RFC 4648 §4, as RFC 7643 §2.3.6 requires;
// padding optional) and keeps the text as sent.
func coerceBinary(v any) (any, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return s, true
	}
	if _, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return s, true
	}
	return nil, false
}

// isEmpty reports whether v means "no value": null, "", an empty list or
// an empty object (RFC 7643 §2.5, idp-traffic Q18).
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
