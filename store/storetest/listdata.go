package storetest

import (
	"testing"

	"github.com/scimd/scimd/store"
)

// enterprise is a schema URN used as a key: it has dots and colons, which a
// JSON path must quote.
const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// people is the List fixture: five live users created in this order
// (so their ids ascend in this order), plus rows that must never show up
// in a list of the organization's users.
type people struct {
	*fixture
	byName map[string]store.Resource
	group  store.Resource // a group titled "Engineer", created before any other group
}

// peopleOrder is the creation (and id) order of the fixture's users.
func peopleOrder() []string { return []string{"alice", "bob", "carol", "dave", "eve"} }

func seedPeople(t *testing.T, f *fixture) *people {
	t.Helper()
	p := &people{fixture: f, byName: map[string]store.Resource{}}
	attrs := map[string]func(r *store.Resource){
		"alice": func(r *store.Resource) {
			r.ExternalID, r.DisplayName = "EXT-1", "Alice Ärger"
			set(r, map[string]any{
				"title": "Engineer", "nickName": "", "loginCount": 42, "score": 3.5,
				"photo": "QUJDRA==", "profileUrl": "https://example.com/Alice",
				"hired": "2020-01-15T09:00:00Z", "verified": true,
				"emails": []any{
					map[string]any{"value": "alice@example.com", "type": "work", "primary": true},
					map[string]any{"value": "Alice@Home.example", "type": "home"},
				},
				"tags":     []any{"Blue", "green"},
				"name":     map[string]any{"givenName": "Alice", "familyName": "ärger"},
				enterprise: map[string]any{"department": "R&D"},
				"prefs":    map[string]any{},
			})
		},
		"bob": func(r *store.Resource) {
			set(r, map[string]any{
				"title": "engineer", "loginCount": 7, "score": 10.25,
				"hired": "2021-06-01T12:30:00+02:00", "verified": false,
				"emails":   []any{map[string]any{"value": "bob@example.org", "type": "work"}},
				"tags":     []any{},
				"name":     map[string]any{"givenName": "Bob", "familyName": "ÄRGER"},
				enterprise: map[string]any{"department": "Sales"},
			})
		},
		"carol": func(r *store.Resource) {
			r.DisplayName = "Carol"
			set(r, map[string]any{
				"title": "Manager", "nickName": "Caro", "note": "50%_off", "score": -1,
				"hired": "2019-12-31T23:59:59.5Z",
				"tags":  []any{"red"},
				"name":  map[string]any{"givenName": "Carol"},
				"prefs": map[string]any{"theme": "dark"},
			})
		},
		"dave": func(r *store.Resource) {
			r.Active, r.InactiveReason = false, "admin"
			set(r, map[string]any{
				"nickName": nil, "loginCount": "42", "score": 0, "hired": "not a date", "verified": "true",
				"emails": []any{
					map[string]any{"value": "dave@example.com", "type": "work"},
					map[string]any{"value": "d@example.com", "type": "other", "primary": false},
				},
				"tags": []any{"green", "Blue"},
			})
		},
		"eve": func(r *store.Resource) {
			r.ExternalID = "ext-1"
			set(r, map[string]any{
				"title": "ÉCLAIR", "loginCount": 1000, "hired": "2022-02-02T00:00:00Z", "verified": true,
				"emails": []any{map[string]any{"value": "eve@example.com", "type": "WORK", "primary": true}},
				"name":   map[string]any{"givenName": "Ève"},
			})
		},
	}
	for _, name := range peopleOrder() {
		p.byName[name] = f.user(name, attrs[name]) // ids are time-ordered: creation order is id order
	}
	// bob is updated once: version 2, modified after everyone's creation.
	p.byName["bob"] = f.update(store.KindUser, p.byName["bob"].ID, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs["touched"] = true
		return nil, nil
	})

	// Noise: an archived user, a group, and a user of another
	// organization, all titled like alice.
	zed := f.user("zed", func(r *store.Resource) { set(r, map[string]any{"title": "Engineer"}) })
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, zed.ID, nil); err != nil {
		t.Fatal(err)
	}
	p.group = f.create(f.org, store.KindGroup, "Engineer", nil, func(r *store.Resource) { set(r, map[string]any{"title": "Engineer"}) })
	f.create(f.newOrg("other"), store.KindUser, "alice", nil, func(r *store.Resource) { set(r, map[string]any{"title": "Engineer"}) })
	return p
}

func set(r *store.Resource, attrs map[string]any) {
	for k, v := range attrs {
		r.Attrs[k] = v
	}
}

// names maps the ids of a page back to names.
func (p *people) names(rs []store.Resource) []string {
	byID := map[string]string{}
	for n, r := range p.byName {
		byID[r.ID] = n
	}
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		n, ok := byID[r.ID]
		if !ok {
			n = "?" + r.Name
		}
		out = append(out, n)
	}
	return out
}

// Attr constructors for the tables.
func str(caseExact bool, path ...string) store.Attr {
	return store.Attr{Path: path, Type: store.TypeString, CaseExact: caseExact}
}
func typed(t store.Type, path ...string) store.Attr { return store.Attr{Path: path, Type: t} }
func col(c store.Column, caseExact bool) store.Attr {
	return store.Attr{Column: c, CaseExact: caseExact}
}
func cmp(a store.Attr, op store.Op, v any) store.Expr {
	return store.Compare{Attr: a, Op: op, Value: v}
}
