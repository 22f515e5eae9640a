package adtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// syntax is how an attribute's values compare, a tiny stand-in for AD's schema.
type syntax int

const (
	synString syntax = iota // Unicode string, compared case-insensitively
	synDN                   // distinguished name, compared after RFC 4514 normalisation
	synInt                  // INTEGER / LargeInteger, compared numerically
	synBinary               // octet string, compared byte for byte
)

func syntaxOf(lowerName string) syntax {
	switch lowerName {
	case "member", "memberof", "manager", "directreports", "distinguishedname", "objectcategory":
		return synDN
	case "objectguid", "objectsid":
		return synBinary
	case "useraccountcontrol", "accountexpires", "usnchanged", "usncreated", "grouptype",
		"samaccounttype", "instancetype", "pwdlastset", "lastlogontimestamp", "primarygroupid":
		return synInt
	}
	return synString
}

// matchKey is the form a value is compared in.
func matchKey(syn syntax, v string) string {
	switch syn {
	case synDN:
		return normDN(v)
	case synInt:
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
		return v
	case synBinary:
		return v
	}
	return strings.ToLower(v)
}

// attribute is one stored attribute: the schema spelling of its name, its
// values (binary values are Go strings holding raw bytes) and their match keys.
type attribute struct {
	name string
	vals []string
	keys []string
}

// entry is one directory object.
type entry struct {
	dn        string // as the caller spelled it
	key       string // normDN(dn)
	parentKey string
	seq       int64 // creation order; searches return entries in this order
	attrs     map[string]*attribute
	order     []string // lower-case attribute names in insertion order
	password  string   // simple-bind password; "" means the entry cannot bind
}

// tree is the in-memory directory. All fields are guarded by mu.
type tree struct {
	mu       sync.RWMutex
	baseDN   string
	baseKey  string
	schemaDN string
	entries  map[string]*entry
	memberOf map[string][]string // member key -> keys of groups listing it in member
	guids    map[string]string   // raw objectGUID -> entry key
	usn      int64
	seq      int64
}

func newTree(baseDN string) *tree {
	return &tree{
		baseDN:   baseDN,
		baseKey:  normDN(baseDN),
		schemaDN: "CN=Schema,CN=Configuration," + baseDN,
		entries:  map[string]*entry{},
		memberOf: map[string][]string{},
		guids:    map[string]string{},
	}
}

// generalizedTime formats t the way AD formats whenCreated/whenChanged.
func generalizedTime(t time.Time) string {
	return t.UTC().Format("20060102150405") + ".0Z"
}

// set replaces an attribute's values; no values removes it. Caller holds mu.
func (e *entry) set(name string, vals ...string) {
	lower := strings.ToLower(name)
	if len(vals) == 0 {
		if _, ok := e.attrs[lower]; ok {
			delete(e.attrs, lower)
			for i, n := range e.order {
				if n == lower {
					e.order = append(e.order[:i], e.order[i+1:]...)
					break
				}
			}
		}
		return
	}
	syn := syntaxOf(lower)
	a := &attribute{name: name, vals: append([]string(nil), vals...), keys: make([]string, len(vals))}
	for i, v := range vals {
		a.keys[i] = matchKey(syn, v)
	}
	if old, ok := e.attrs[lower]; ok {
		a.name = old.name
	} else {
		e.order = append(e.order, lower)
	}
	e.attrs[lower] = a
}

func (e *entry) first(lower string) string {
	if a, ok := e.attrs[lower]; ok && len(a.vals) > 0 {
		return a.vals[0]
	}
	return ""
}

func (e *entry) hasClass(class string) bool {
	if a, ok := e.attrs["objectclass"]; ok {
		for _, k := range a.keys {
			if k == class {
				return true
			}
		}
	}
	return false
}

// attr returns an entry's attribute including the ones AD constructs:
// distinguishedName (always the current DN) and memberOf (the back-link of
// every group's member). Caller holds mu.
func (t *tree) attr(e *entry, lower string) *attribute {
	switch lower {
	case "distinguishedname":
		return &attribute{name: "distinguishedName", vals: []string{e.dn}, keys: []string{e.key}}
	case "memberof":
		groups := t.memberOf[e.key]
		if len(groups) == 0 {
			return nil
		}
		a := &attribute{name: "memberOf"}
		for _, gk := range groups {
			if g, ok := t.entries[gk]; ok {
				a.vals = append(a.vals, g.dn)
				a.keys = append(a.keys, g.key)
			}
		}
		return a
	}
	return e.attrs[lower]
}

// attrNames lists an entry's attribute names (lower-case) in the order they
// are returned, constructed ones included. Caller holds mu.
func (t *tree) attrNames(e *entry) []string {
	names := append([]string(nil), e.order...)
	names = append(names, "distinguishedname")
	if len(t.memberOf[e.key]) > 0 {
		names = append(names, "memberof")
	}
	return names
}

// touch stamps a change: a new USN and whenChanged. Caller holds mu.
func (t *tree) touch(e *entry) {
	t.usn++
	e.set("uSNChanged", strconv.FormatInt(t.usn, 10))
	e.set("whenChanged", generalizedTime(time.Now()))
}

// insert adds an entry, creating missing parent containers below the base DN
// (OU=… parents become organizationalUnits, CN=… parents containers) the way
// a test author would have had to. Caller holds mu.
func (t *tree) insert(dn string, build func(e *entry)) (*entry, error) {
	dn = strings.TrimSpace(dn)
	if !validDN(dn) {
		return nil, fmt.Errorf("adtest: %q is not a valid DN", dn)
	}
	key := normDN(dn)
	if _, exists := t.entries[key]; exists {
		return nil, fmt.Errorf("adtest: entry %q already exists", dn)
	}
	if !under(key, t.baseKey) {
		return nil, fmt.Errorf("adtest: %q is not below the base DN %q", dn, t.baseDN)
	}
	_, parent := splitDN(dn)
	parentKey := normDN(parent)
	if key != t.baseKey {
		if _, ok := t.entries[parentKey]; !ok {
			if _, err := t.insertContainer(parent); err != nil {
				return nil, err
			}
		}
	} else {
		parentKey = ""
	}
	guid, err := newGUID()
	if err != nil {
		return nil, err
	}
	t.seq++
	t.usn++
	now := generalizedTime(time.Now())
	e := &entry{dn: dn, key: key, parentKey: parentKey, seq: t.seq, attrs: map[string]*attribute{}}
	e.set("objectGUID", string(guid[:]))
	build(e)
	if g, err := GUIDFromBytes([]byte(e.first("objectguid"))); err != nil || g.IsZero() {
		return nil, fmt.Errorf("adtest: entry %q has no valid objectGUID", dn)
	}
	if otherKey, dup := t.guids[e.first("objectguid")]; dup {
		return nil, fmt.Errorf("adtest: objectGUID of %q already used by %q", dn, t.entries[otherKey].dn)
	}
	e.set("instanceType", "4")
	e.set("whenCreated", now)
	e.set("whenChanged", now)
	e.set("uSNCreated", strconv.FormatInt(t.usn, 10))
	e.set("uSNChanged", strconv.FormatInt(t.usn, 10))
	t.entries[key] = e
	t.guids[e.first("objectguid")] = key
	return e, nil
}

// insertContainer creates an OU or container for a missing parent.
func (t *tree) insertContainer(dn string) (*entry, error) {
	switch rdnType(dn) {
	case "ou":
		return t.insert(dn, func(e *entry) { t.shapeOU(e) })
	case "cn":
		return t.insert(dn, func(e *entry) {
			e.set("objectClass", "top", "container")
			e.set("cn", rdnValue(dn))
			e.set("name", rdnValue(dn))
			e.set("objectCategory", "CN=Container,"+t.schemaDN)
		})
	}
	return nil, fmt.Errorf("adtest: cannot create missing parent %q (only OU= and CN= parents are created)", dn)
}

func (t *tree) shapeOU(e *entry) {
	e.set("objectClass", "top", "organizationalUnit")
	e.set("ou", rdnValue(e.dn))
	e.set("name", rdnValue(e.dn))
	e.set("objectCategory", "CN=Organizational-Unit,"+t.schemaDN)
}

// lookup finds an entry by DN. Caller holds mu.
func (t *tree) lookup(dn string) (*entry, error) {
	e, ok := t.entries[normDN(dn)]
	if !ok {
		return nil, fmt.Errorf("adtest: no entry %q", dn)
	}
	return e, nil
}

// reindex rebuilds the memberOf back-links from every group's member values.
// Caller holds mu for writing.
func (t *tree) reindex() {
	idx := map[string][]string{}
	for _, g := range t.sorted() {
		if a, ok := g.attrs["member"]; ok {
			for _, k := range a.keys {
				idx[k] = append(idx[k], g.key)
			}
		}
	}
	t.memberOf = idx
}

// sorted returns every entry in creation order. Caller holds mu.
func (t *tree) sorted() []*entry {
	out := make([]*entry, 0, len(t.entries))
	for _, e := range t.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// checkRefs verifies that every DN exists, as AD's referential integrity
// demands for linked attributes (member, manager). Caller holds mu.
func (t *tree) checkRefs(attr string, dns []string) error {
	for _, dn := range dns {
		if _, ok := t.entries[normDN(dn)]; !ok {
			return fmt.Errorf("adtest: %s value %q names no entry", attr, dn)
		}
	}
	return nil
}

// remove deletes an entry and everything below it (AD's tree-delete), and
// drops every member/manager value that pointed into the deleted subtree, as
// AD does for linked attributes. Caller holds mu for writing.
func (t *tree) remove(dn string) error {
	top, err := t.lookup(dn)
	if err != nil {
		return err
	}
	if top.key == t.baseKey {
		return fmt.Errorf("adtest: cannot remove the base DN")
	}
	gone := map[string]bool{}
	for k := range t.entries {
		if under(k, top.key) {
			gone[k] = true
		}
	}
	for k := range gone {
		delete(t.guids, t.entries[k].first("objectguid"))
		delete(t.entries, k)
	}
	for _, e := range t.entries {
		for _, name := range []string{"member", "manager"} {
			a, ok := e.attrs[name]
			if !ok {
				continue
			}
			var keep []string
			for i, k := range a.keys {
				if !gone[k] {
					keep = append(keep, a.vals[i])
				}
			}
			if len(keep) != len(a.vals) {
				e.set(a.name, keep...)
				t.touch(e)
			}
		}
	}
	t.usn++
	t.reindex()
	return nil
}

// move renames an entry (and its subtree) keeping every objectGUID, and
// rewrites member/manager values that named a moved entry. Caller holds mu
// for writing.
func (t *tree) move(oldDN, newDN string) error {
	top, err := t.lookup(oldDN)
	if err != nil {
		return err
	}
	newDN = strings.TrimSpace(newDN)
	if !validDN(newDN) {
		return fmt.Errorf("adtest: %q is not a valid DN", newDN)
	}
	newKey := normDN(newDN)
	if top.key == t.baseKey {
		return fmt.Errorf("adtest: cannot move the base DN")
	}
	if !under(newKey, t.baseKey) || newKey == t.baseKey {
		return fmt.Errorf("adtest: %q is not below the base DN %q", newDN, t.baseDN)
	}
	if under(newKey, top.key) {
		return fmt.Errorf("adtest: cannot move %q below itself", oldDN)
	}
	if _, exists := t.entries[newKey]; exists {
		return fmt.Errorf("adtest: entry %q already exists", newDN)
	}
	_, newParent := splitDN(newDN)
	if _, ok := t.entries[normDN(newParent)]; !ok {
		if _, err := t.insertContainer(newParent); err != nil {
			return err
		}
	}
	oldKey := top.key
	var subtree []*entry
	for k, e := range t.entries {
		if under(k, oldKey) {
			subtree = append(subtree, e)
		}
	}
	renamed := map[string]*entry{} // old key -> entry with its new DN
	for _, e := range subtree {
		delete(t.entries, e.key)
		renamed[e.key] = e
		prefix := relativePrefix(e.dn, oldKey)
		e.dn = newDN
		if prefix != "" {
			e.dn = prefix + "," + newDN
		}
		e.key = normDN(e.dn)
		_, p := splitDN(e.dn)
		e.parentKey = normDN(p)
		t.touch(e)
	}
	for _, e := range subtree {
		t.entries[e.key] = e
		t.guids[e.first("objectguid")] = e.key
	}
	if rdnType(newDN) == "cn" {
		top.set("cn", rdnValue(newDN))
	}
	if rdnType(newDN) == "ou" {
		top.set("ou", rdnValue(newDN))
	}
	top.set("name", rdnValue(newDN))
	for _, e := range t.entries {
		for _, name := range []string{"member", "manager"} {
			a, ok := e.attrs[name]
			if !ok {
				continue
			}
			changed := false
			vals := append([]string(nil), a.vals...)
			for i, k := range a.keys {
				if m, ok := renamed[k]; ok {
					vals[i] = m.dn
					changed = true
				}
			}
			if changed {
				e.set(a.name, vals...)
			}
		}
	}
	t.reindex()
	return nil
}

// relativePrefix returns the RDNs of dn above the ancestor with key
// ancestorKey ("CN=a,OU=b" for "CN=a,OU=b,OU=top,DC=x" below "ou=top,dc=x"),
// or "" when dn is the ancestor itself.
func relativePrefix(dn, ancestorKey string) string {
	var rdns []string
	for cur := dn; cur != "" && normDN(cur) != ancestorKey; {
		rdn, parent := splitDN(cur)
		rdns = append(rdns, rdn)
		cur = parent
	}
	return strings.Join(rdns, ",")
}
