package userimport

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// The checks a dry run makes in place of the writes: the same rules
// package directory enforces on a write (role and entitlement catalogues,
// immutable attributes, the seat limit), on the row's document. A real
// run leaves them to directory.

// check tests a user's next document against the policy; before is the
// stored user (nil for a new one). It counts the seat the user would take.
func (im *importer) check(before *store.Resource, doc map[string]any) error {
	for _, c := range []struct {
		attr string
		cat  []store.CatalogEntry
	}{{"roles", im.pol.Roles}, {"entitlements", im.pol.Entitlements}} {
		var held []string
		if before != nil {
			held = listValues(before.Attrs[c.attr])
		}
		if err := checkCatalogue(c.attr, c.cat, doc, held); err != nil {
			return err
		}
	}
	if before != nil {
		for _, name := range im.pol.Immutable {
			old := lookup(before.Attrs, name)
			if isEmpty(old) || sameJSON(old, lookup(doc, name)) {
				continue
			}
			return &directory.PolicyError{Type: directory.PolicyMutability, Msg: fmt.Sprintf(
				"attribute %q cannot change once set (this organization declares it immutable)", name)}
		}
	}
	after := &store.Resource{Kind: store.KindUser, Attrs: doc}
	after.Active, _ = doc["active"].(bool)
	delta := im.seat(after) - im.seat(before)
	if delta > 0 && im.pol.SeatLimit > 0 && im.seats+delta > im.pol.SeatLimit {
		return &directory.PolicyError{Type: directory.PolicySeatLimit, Msg: fmt.Sprintf(
			"seat limit reached: %d of %d seats are in use; deactivate a user or raise the limit", im.seats, im.pol.SeatLimit)}
	}
	im.seats += delta
	return nil
}

// seat is 1 when r takes a seat: an active internal user.
func (im *importer) seat(r *store.Resource) int {
	if r == nil || !r.Active || directory.External(im.pol, r) {
		return 0
	}
	return 1
}

// checkCatalogue refuses a value outside a non-empty catalogue, unless
// the user held it before (as directory does: narrowing a catalogue does
// not lock its former holders out of other changes).
func checkCatalogue(attr string, cat []store.CatalogEntry, doc map[string]any, held []string) error {
	if len(cat) == 0 {
		return nil
	}
	for _, v := range listValues(doc[attr]) {
		ok := slices.Contains(held, v)
		for _, e := range cat {
			ok = ok || strings.EqualFold(e.Value, v)
		}
		if !ok {
			allowed := make([]string, len(cat))
			for i, e := range cat {
				allowed[i] = fmt.Sprintf("%q", e.Value)
			}
			return &directory.PolicyError{Type: directory.PolicyInvalidValue, Msg: fmt.Sprintf(
				"%s value %q is not in this organization's catalogue; allowed: %s", attr, v, strings.Join(allowed, ", "))}
		}
	}
	return nil
}

// lookup finds an attribute by name as the policy names it, case-
// insensitively: "userType", "name.givenName", an extension attribute by
// its bare name ("employeeNumber") or its full URN path.
func lookup(doc map[string]any, name string) any {
	if i := strings.LastIndex(name, ":"); i >= 0 {
		ext, _ := getFold(doc, name[:i]).(map[string]any)
		return getPath(ext, name[i+1:])
	}
	if v := getPath(doc, name); v != nil {
		return v
	}
	for k, v := range doc {
		if m, ok := v.(map[string]any); ok && strings.HasPrefix(strings.ToLower(k), "urn:") {
			if v := getPath(m, name); v != nil {
				return v
			}
		}
	}
	return nil
}

// getPath follows a dotted path of keys, case-insensitively.
func getPath(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = getFold(mm, k)
	}
	return v
}

func getFold(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

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

func sameJSON(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	return sameDoc(map[string]any{"v": a}, map[string]any{"v": b})
}

// planned is what a dry run remembers of a user an earlier row would
// write, so that a later row of the same user is checked against it
// rather than the database: the parts of its document the policy looks
// at (active, userType, the attributes holding immutable ones).
type planned struct {
	id   string // "" for a user the dry run would create
	line int
	doc  map[string]any
}

// key is the row's match key.
func (im *importer) key(r row) string {
	if im.opt.Match == MatchExternalID {
		return "x:" + r.externalID
	}
	return "u:" + fold(r.userName)
}

// plan remembers, in a dry run, the user a row would write.
func (im *importer) plan(r row, res *Result, doc map[string]any) {
	keep := map[string]any{}
	for k, v := range doc {
		switch {
		case k == "active" || k == "userType":
			keep[k] = v
		default:
			for _, name := range im.pol.Immutable {
				if lookup(map[string]any{k: v}, name) != nil {
					keep[k] = v
				}
			}
		}
	}
	im.planned[im.key(r)] = &planned{id: res.ID, line: res.Line, doc: keep}
}

// replay checks a row of a user an earlier row of a dry run would write.
// It cannot tell "unchanged" from "updated": it says updated.
func (im *importer) replay(r row, p *planned, managerID string, res *Result) error {
	next := merge(p.doc, r.part, managerID)
	before := &store.Resource{Kind: store.KindUser, Attrs: p.doc}
	before.Active, _ = p.doc["active"].(bool)
	if err := im.check(before, next); err != nil {
		return err
	}
	res.ID, res.Status = p.id, Updated
	res.Notes = append(res.Notes, fmt.Sprintf("line %d writes the user too", p.line))
	im.plan(r, res, next)
	return nil
}
