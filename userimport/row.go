package userimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// rowError is a row the import refuses before writing anything.
type rowError struct{ msg string }

func (e *rowError) Error() string { return e.msg }

func rowErrorf(format string, args ...any) error { return &rowError{fmt.Sprintf(format, args...)} }

// row is one data row of the file, read.
type row struct {
	userName   string
	externalID string
	// part is the canonical stored form of the row's non-empty cells but
	// manager and teams ("schemas" dropped).
	part    map[string]any
	manager string     // the manager's userName, "" when the cell is empty
	teams   [][]string // team paths, each a list of names
}

// readRow turns a record into a row, or the reason it is refused. An
// empty record (every cell blank) returns ok false.
func readRow(h header, rec []string, base *schema.ResourceType) (r row, ok bool, err error) {
	blank := true
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	if blank {
		return r, false, nil
	}
	r.userName = h.cell(rec, ColUserName)
	r.externalID = h.cell(rec, ColExternalID)
	if len(rec) != h.n {
		return r, true, rowErrorf("the row has %d fields, the header %d", len(rec), h.n)
	}
	if h.cell(rec, ColArchived) != "" {
		return r, true, rowErrorf("an archived user is not imported (restore it with scimd users restore)")
	}
	if r.userName == "" {
		return r, true, rowErrorf("userName is empty")
	}
	doc := map[string]any{}
	for col, keys := range paths {
		if v := h.cell(rec, col); v != "" {
			setKeys(doc, keys, v)
		}
	}
	for col, attr := range lists {
		vals := SplitList(h.cell(rec, col))
		if len(vals) == 0 {
			continue
		}
		els := make([]any, len(vals))
		for i, v := range vals {
			el := map[string]any{"value": v}
			if col == ColEmail || col == ColPhone {
				el["type"], el["primary"] = "work", i == 0
			}
			els[i] = el
		}
		doc[attr] = els
	}
	if v := h.cell(rec, ColActive); v != "" {
		b, err := parseBool(v)
		if err != nil {
			return r, true, err
		}
		doc["active"] = b
	}
	part, err := base.Normalize(doc)
	if err != nil {
		return r, true, clientError(err)
	}
	delete(part, "schemas")
	r.part = part
	r.manager = h.cell(rec, ColManager)
	r.teams = splitTeams(h.cell(rec, ColTeams))
	return r, true, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "y", "1":
		return true, nil
	case "false", "no", "n", "0":
		return false, nil
	}
	return false, rowErrorf("active %q: want true or false", v)
}

// clientError makes a SCIM error's detail the row's reason.
func clientError(err error) error {
	if se, ok := scimerr.As(err); ok {
		return rowErrorf("%s", se.Detail)
	}
	return err
}

func setKeys(doc map[string]any, keys []string, v any) {
	m := doc
	for _, k := range keys[:len(keys)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	m[keys[len(keys)-1]] = v
}

// merge returns a copy of cur with the row's values applied: a complex
// singular value (name, the Enterprise extension) merges sub-attribute by
// sub-attribute; a multi-valued one is replaced only when its values
// differ (case-insensitively, in any order), so a user whose emails carry
// other types than "work" is left as it is when the addresses are the
// same. managerID, when not "", sets the manager.
func merge(cur, part map[string]any, managerID string) map[string]any {
	out := store.CloneAttrs(cur)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range part {
		switch pv := v.(type) {
		case map[string]any:
			m, _ := out[k].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			for sk, sv := range pv {
				m[sk] = sv
			}
			out[k] = m
		case []any:
			if !sameValues(out[k], pv) {
				out[k] = pv
			}
		default:
			out[k] = v
		}
	}
	if managerID != "" && ManagerID(out) != managerID {
		setKeys(out, []string{ent, "manager"}, map[string]any{"value": managerID})
	}
	return out
}

// sameValues compares the values of two multi-valued attributes as sets,
// case-insensitively.
func sameValues(a, b any) bool {
	va, vb := listValues(a), listValues(b)
	if len(va) != len(vb) {
		return false
	}
	seen := map[string]int{}
	for _, v := range va {
		seen[strings.ToLower(v)]++
	}
	for _, v := range vb {
		k := strings.ToLower(v)
		if seen[k] == 0 {
			return false
		}
		seen[k]--
	}
	return true
}

// sameDoc compares two documents as JSON.
func sameDoc(a, b map[string]any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// isRowError reports whether err is about the row's data or a rule the
// write broke, rather than the database or the process failing.
func isRowError(err error) bool {
	var re *rowError
	_, scim := scimerr.As(err)
	return errors.As(err, &re) || scim
}
