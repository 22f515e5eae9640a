package userimport

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// The columns of the CSV form of a user, in template order. Header names
// are matched case-insensitively; a column may be left out (its attribute
// is then left as it is).
const (
	ColUserName       = "userName"       // required: the user's sign-in name
	ColExternalID     = "externalId"     // the identifier in the system of record
	ColGivenName      = "givenName"      // name.givenName
	ColFamilyName     = "familyName"     // name.familyName
	ColDisplayName    = "displayName"    //
	ColEmail          = "email"          // emails (type work; the first is primary); several separated by ';'
	ColPhone          = "phone"          // phoneNumbers (type work); several separated by ';'
	ColTitle          = "title"          //
	ColDepartment     = "department"     // Enterprise User department
	ColEmployeeNumber = "employeeNumber" // Enterprise User employeeNumber
	ColUserType       = "userType"       // decides internal or external (policy externalUserTypes)
	ColActive         = "active"         // true/false, yes/no, 1/0; a new user is active by default
	ColRoles          = "roles"          // role values separated by ';' (checked against the catalogue)
	ColEntitlements   = "entitlements"   // entitlement values separated by ';'
	ColManager        = "manager"        // the manager's userName
	ColTeams          = "teams"          // team paths separated by ';', e.g. Engineering/Platform;Sales
)

// The read-only columns export adds after the others. Import ignores id
// and source, and refuses rows whose archived cell is set (an archived
// user is restored, not imported).
const (
	ColID       = "id"
	ColSource   = "source"
	ColArchived = "archived"
)

var columns = []string{ColUserName, ColExternalID, ColGivenName, ColFamilyName, ColDisplayName, ColEmail, ColPhone,
	ColTitle, ColDepartment, ColEmployeeNumber, ColUserType, ColActive, ColRoles, ColEntitlements, ColManager, ColTeams}

var readOnlyColumns = []string{ColID, ColSource, ColArchived}

// Columns returns the importable columns in template order.
func Columns() []string { return slices.Clone(columns) }

// ExportColumns returns the columns export writes: the importable ones,
// then id, source and archived.
func ExportColumns() []string { return append(Columns(), readOnlyColumns...) }

// Template is the header line of an import file.
func Template() string { return strings.Join(columns, ",") + "\n" }

// ent is the Enterprise User extension's URN.
const ent = schema.EnterpriseUserURN

// paths are the stored-document keys of the simple columns.
var paths = map[string][]string{
	ColUserName:       {"userName"},
	ColExternalID:     {"externalId"},
	ColGivenName:      {"name", "givenName"},
	ColFamilyName:     {"name", "familyName"},
	ColDisplayName:    {"displayName"},
	ColTitle:          {"title"},
	ColDepartment:     {ent, "department"},
	ColEmployeeNumber: {ent, "employeeNumber"},
	ColUserType:       {"userType"},
}

// lists are the multi-valued columns and the attribute each fills.
var lists = map[string]string{ColEmail: "emails", ColPhone: "phoneNumbers", ColRoles: "roles", ColEntitlements: "entitlements"}

// header maps a file's header to column positions.
type header struct {
	idx map[string]int // canonical column name -> position
	n   int
}

func (h header) has(col string) bool { _, ok := h.idx[col]; return ok }

// cell returns a record's trimmed value of col ("" when absent).
func (h header) cell(rec []string, col string) string {
	i, ok := h.idx[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// parseHeader reads the header row, reporting every problem at once.
func parseHeader(rec []string, match Match) (header, error) {
	h := header{idx: map[string]int{}, n: len(rec)}
	known := append(Columns(), readOnlyColumns...)
	var problems []string
	for i, name := range rec {
		name = strings.TrimSpace(name)
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // a byte order mark (spreadsheet exports)
		}
		j := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, name) })
		switch {
		case j < 0:
			problems = append(problems, fmt.Sprintf("unknown column %q", name))
		case h.has(known[j]):
			problems = append(problems, fmt.Sprintf("column %q appears twice", known[j]))
		default:
			h.idx[known[j]] = i
		}
	}
	if !h.has(ColUserName) {
		problems = append(problems, "the userName column is required")
	}
	if match == MatchExternalID && !h.has(ColExternalID) {
		problems = append(problems, "matching by externalId needs an externalId column")
	}
	if len(problems) > 0 {
		return h, &InputError{Msg: fmt.Sprintf("header: %s (columns: %s)", strings.Join(problems, "; "), strings.Join(known, ", "))}
	}
	return h, nil
}

// SplitList splits a multi-valued cell at each ';' not escaped by a
// backslash, unescapes the parts ("\;" is a ';' and "\\" a backslash
// inside a value), trims them and drops empty ones.
func SplitList(cell string) []string { return splitUnescape(cell, ';') }

// JoinList is the inverse of SplitList.
func JoinList(vals []string) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = escape(v, ";")
	}
	return strings.Join(out, ";")
}

// SplitPath splits a team path ("Engineering/Platform") into team names,
// as SplitList does at '/': "\/" is a '/' inside a name.
func SplitPath(p string) []string { return splitUnescape(p, '/') }

// JoinPath is the inverse of SplitPath. It escapes ';' too, so paths
// joined with ';' make a teams cell as they are.
func JoinPath(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = escape(n, "/;")
	}
	return strings.Join(out, "/")
}

// splitRaw splits s at each sep not escaped, keeping escapes.
func splitRaw(s string, sep rune) []string {
	var out []string
	start, esc := 0, false
	for i, c := range s {
		switch {
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	esc := false
	for _, c := range s {
		if !esc && c == '\\' {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(c)
	}
	return b.String()
}

func splitUnescape(s string, sep rune) []string {
	var out []string
	for _, p := range splitRaw(s, sep) {
		if p = strings.TrimSpace(unescape(strings.TrimSpace(p))); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// escape backslash-escapes backslashes and the characters of specials.
func escape(s, specials string) string {
	if !strings.ContainsAny(s, `\`+specials) {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if c == '\\' || strings.ContainsRune(specials, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// splitTeams splits a teams cell into paths, each a list of team names.
func splitTeams(cell string) [][]string {
	var out [][]string
	for _, raw := range splitRaw(cell, ';') {
		if p := SplitPath(strings.TrimSpace(raw)); len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// EncodeUser is the row of r in Columns order: teams are the paths of
// its direct teams (see TeamPaths) and manager its manager's userName.
func EncodeUser(r store.Resource, teams []string, manager string) []string {
	row := make([]string, len(columns))
	for i, col := range columns {
		switch {
		case paths[col] != nil:
			row[i], _ = getKeys(r.Attrs, paths[col]).(string)
		case lists[col] != "":
			row[i] = JoinList(listValues(r.Attrs[lists[col]]))
		case col == ColActive:
			row[i] = fmt.Sprint(r.Active)
		case col == ColManager:
			row[i] = manager
		case col == ColTeams:
			row[i] = strings.Join(teams, ";")
		}
	}
	return row
}

// ManagerID returns the id in a user document's manager ("" when none).
func ManagerID(attrs map[string]any) string {
	m, _ := getKeys(attrs, []string{ent, "manager"}).(map[string]any)
	id, _ := m["value"].(string)
	return id
}

func getKeys(doc map[string]any, keys []string) any {
	var v any = doc
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// listValues returns the value of each element of a multi-valued
// attribute, primary first.
func listValues(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		s, _ := m["value"].(string)
		if s == "" {
			continue
		}
		if p, _ := m["primary"].(bool); p {
			out = append([]string{s}, out...)
		} else {
			out = append(out, s)
		}
	}
	return out
}
