package adtest

import (
	"fmt"
	"strconv"
	"strings"
)

// rangeSpec is a parsed "range=low-high" attribute option (MS-ADTS
// 3.1.1.3.1.3.3); high < 0 stands for "*".
type rangeSpec struct {
	low, high int
}

// selection is a search request's attribute list, parsed.
type selection struct {
	all    bool                  // "*" or an empty list: every attribute
	names  map[string]*rangeSpec // lower-case name -> explicit range or nil
	ranged bool                  // some attribute carries a range option
	low    int                   // the highest low bound requested, for range faults
}

// parseSelection parses requested attributes. "1.1" alone asks for no
// attributes; "+" is ignored (AD has no such shorthand); options other than
// range (e.g. ";binary") are dropped.
func parseSelection(attrs []string) (selection, error) {
	sel := selection{names: map[string]*rangeSpec{}, low: -1}
	if len(attrs) == 0 {
		sel.all = true
		return sel, nil
	}
	for _, a := range attrs {
		a = strings.TrimSpace(a)
		switch a {
		case "*":
			sel.all = true
			continue
		case "1.1", "+", "":
			continue
		}
		parts := strings.Split(a, ";")
		name := strings.ToLower(parts[0])
		var spec *rangeSpec
		for _, opt := range parts[1:] {
			if !strings.HasPrefix(strings.ToLower(opt), "range=") {
				continue
			}
			r, err := parseRange(opt[len("range="):])
			if err != nil {
				return sel, fmt.Errorf("attribute %q: %w", a, err)
			}
			spec = &r
			sel.ranged = true
			sel.low = max(sel.low, r.low)
		}
		sel.names[name] = spec
	}
	return sel, nil
}

func parseRange(s string) (rangeSpec, error) {
	lowS, highS, ok := strings.Cut(s, "-")
	if !ok {
		return rangeSpec{}, fmt.Errorf("range %q has no '-'", s)
	}
	low, err := strconv.Atoi(lowS)
	if err != nil || low < 0 {
		return rangeSpec{}, fmt.Errorf("range %q has a bad low bound", s)
	}
	if highS == "*" {
		return rangeSpec{low: low, high: -1}, nil
	}
	high, err := strconv.Atoi(highS)
	if err != nil || high < low {
		return rangeSpec{}, fmt.Errorf("range %q has a bad high bound", s)
	}
	return rangeSpec{low: low, high: high}, nil
}

// outAttr is one attribute of an entry as it goes on the wire.
type outAttr struct {
	name string
	vals []string
}

// result is one entry as it goes on the wire.
type result struct {
	dn    string
	attrs []outAttr
}

// errRangeLow is returned when a range's low bound is at or past the number
// of values: AD answers operationsError for linked attributes unless the
// LDAP_SERVER_RANGE_RETRIEVAL_NOERR control was sent (MS-ADTS 3.1.1.3.4.1.22).
type errRangeLow struct {
	attr       string
	low, count int
}

func (e errRangeLow) Error() string {
	return fmt.Sprintf("range low bound %d of %s is past its %d values", e.low, e.attr, e.count)
}

// project builds what a search returns for e: the selected attributes, each
// multi-valued attribute with more than maxValRange values cut to a
// "name;range=0-(maxValRange-1)" chunk, and explicit range requests answered
// with "name;range=low-high" or, for the chunk holding the last value,
// "name;range=low-*". Caller holds t.mu.
func (t *tree) project(e *entry, sel selection, typesOnly, noErr bool, maxValRange int) (result, error) {
	res := result{dn: e.dn}
	for _, lower := range t.attrNames(e) {
		spec, named := sel.names[lower]
		if !sel.all && !named {
			continue
		}
		a := t.attr(e, lower)
		if a == nil || len(a.vals) == 0 {
			continue
		}
		out := outAttr{name: a.name, vals: a.vals}
		n := len(a.vals)
		switch {
		case spec != nil:
			if spec.low >= n && spec.low > 0 {
				if noErr {
					continue
				}
				return result{}, errRangeLow{attr: a.name, low: spec.low, count: n}
			}
			high := n - 1
			if spec.high >= 0 && spec.high < high {
				high = spec.high
			}
			if high-spec.low+1 > maxValRange {
				high = spec.low + maxValRange - 1
			}
			out = outAttr{name: rangedName(a.name, spec.low, high, n), vals: a.vals[spec.low : high+1]}
		case n > maxValRange:
			out = outAttr{name: rangedName(a.name, 0, maxValRange-1, n), vals: a.vals[:maxValRange]}
		}
		if typesOnly {
			out.vals = nil
		}
		res.attrs = append(res.attrs, out)
	}
	return res, nil
}

func rangedName(name string, low, high, count int) string {
	if high >= count-1 {
		return fmt.Sprintf("%s;range=%d-*", name, low)
	}
	return fmt.Sprintf("%s;range=%d-%d", name, low, high)
}
