package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

func testListFilter(t *testing.T, f *fixture) {
	p := seedPeople(t, f)
	alice, bob, carol, eve := p.byName["alice"], p.byName["bob"], p.byName["carol"], p.byName["eve"]
	all := peopleOrder()
	title := func(ce bool) store.Attr { return str(ce, "title") }
	email := func(ce bool, sub string) store.Attr { return str(ce, sub) }
	tests := []struct {
		name   string
		filter store.Expr
		want   []string
	}{
		// Strings, case-insensitive (folded) and case-exact.
		{"eq ci", cmp(title(false), store.OpEq, "ENGINEER"), names("alice", "bob")},
		{"eq ce", cmp(title(true), store.OpEq, "Engineer"), names("alice")},
		{"eq ci non-ASCII", cmp(title(false), store.OpEq, "éclair"), names("eve")},
		{"eq ce non-ASCII", cmp(title(true), store.OpEq, "éclair"), nil},
		{"eq empty string", cmp(str(true, "nickName"), store.OpEq, ""), names("alice")},
		{"ne ci, missing included", cmp(title(false), store.OpNe, "Engineer"), names("carol", "dave", "eve")},
		{"ne ce", cmp(title(true), store.OpNe, "Engineer"), names("bob", "carol", "dave", "eve")},
		{"co ci", cmp(title(false), store.OpCo, "GIN"), names("alice", "bob")},
		{"co ce ignores other case", cmp(title(true), store.OpCo, "GIN"), nil},
		{"co ce", cmp(title(true), store.OpCo, "Eng"), names("alice")},
		{"co empty", cmp(title(false), store.OpCo, ""), names("alice", "bob", "carol", "eve")},
		{"co percent is literal", cmp(str(true, "note"), store.OpCo, "%"), names("carol")},
		{"co underscore is literal", cmp(str(true, "note"), store.OpCo, "_"), names("carol")},
		{"co percent matches nothing else", cmp(title(true), store.OpCo, "%"), nil},
		{"sw ci", cmp(title(false), store.OpSw, "eng"), names("alice", "bob")},
		{"sw ce", cmp(title(true), store.OpSw, "Eng"), names("alice")},
		{"sw wildcard-looking", cmp(str(true, "note"), store.OpSw, "50%_"), names("carol")},
		{"ew ce", cmp(title(true), store.OpEw, "CLAIR"), names("eve")},
		{"ew ci", cmp(title(false), store.OpEw, "clair"), names("eve")},
		{"ew ce other case", cmp(title(true), store.OpEw, "clair"), nil},
		{"ew longer than value", cmp(title(true), store.OpEw, "XEngineer"), nil},
		{"gt ce bytewise", cmp(title(true), store.OpGt, "Engineer"), names("bob", "carol", "eve")},
		{"ge ce", cmp(title(true), store.OpGe, "Engineer"), names("alice", "bob", "carol", "eve")},
		{"lt ce", cmp(title(true), store.OpLt, "Manager"), names("alice")},
		{"le ce", cmp(title(true), store.OpLe, "Manager"), names("alice", "carol")},
		{"gt ci non-ASCII last", cmp(title(false), store.OpGt, "manager"), names("eve")},
		{"lt ci", cmp(title(false), store.OpLt, "f"), names("alice", "bob")},

		// References compare like strings; binary values always exactly.
		{"reference ci", cmp(store.Attr{Path: []string{"profileUrl"}, Type: store.TypeReference}, store.OpEq,
			"HTTPS://EXAMPLE.COM/alice"), names("alice")},
		{"reference sw ce", cmp(store.Attr{Path: []string{"profileUrl"}, Type: store.TypeReference, CaseExact: true},
			store.OpSw, "https://example.com/A"), names("alice")},
		{"binary eq", cmp(typed(store.TypeBinary, "photo"), store.OpEq, "QUJDRA=="), names("alice")},
		{"binary is always case-exact", cmp(typed(store.TypeBinary, "photo"), store.OpEq, "qujdra=="), nil},

		// Presence: false for null, "", [] and {}.
		{"pr string", cmp(title(false), store.OpPresent, nil), names("alice", "bob", "carol", "eve")},
		{"pr skips empty and null", cmp(str(false, "nickName"), store.OpPresent, nil), names("carol")},
		{"pr skips empty array", cmp(str(false, "tags"), store.OpPresent, nil), names("alice", "carol", "dave")},
		{"pr skips empty object", cmp(str(false, "prefs"), store.OpPresent, nil), names("carol")},
		{"pr complex", cmp(str(false, "emails"), store.OpPresent, nil), names("alice", "bob", "dave", "eve")},
		{"pr missing", cmp(str(false, "nothing"), store.OpPresent, nil), nil},
		{"ne on missing is true", cmp(str(false, "nothing"), store.OpNe, "x"), all},

		// Booleans: a string "true" is not a boolean.
		{"bool eq true", cmp(typed(store.TypeBoolean, "verified"), store.OpEq, true), names("alice", "eve")},
		{"bool eq false", cmp(typed(store.TypeBoolean, "verified"), store.OpEq, false), names("bob")},
		{"bool ne true", cmp(typed(store.TypeBoolean, "verified"), store.OpNe, true), names("bob", "carol", "dave")},
		{"bool pr", cmp(typed(store.TypeBoolean, "verified"), store.OpPresent, nil), names("alice", "bob", "dave", "eve")},

		// Integers: a string "42" is not a number.
		{"int eq", cmp(typed(store.TypeInteger, "loginCount"), store.OpEq, int64(42)), names("alice")},
		{"int eq float value", cmp(typed(store.TypeInteger, "loginCount"), store.OpEq, 42.0), names("alice")},
		{"int ne", cmp(typed(store.TypeInteger, "loginCount"), store.OpNe, int64(42)), names("bob", "carol", "dave", "eve")},
		{"int gt", cmp(typed(store.TypeInteger, "loginCount"), store.OpGt, int64(7)), names("alice", "eve")},
		{"int ge", cmp(typed(store.TypeInteger, "loginCount"), store.OpGe, int64(7)), names("alice", "bob", "eve")},
		{"int lt", cmp(typed(store.TypeInteger, "loginCount"), store.OpLt, int64(42)), names("bob")},
		{"int le", cmp(typed(store.TypeInteger, "loginCount"), store.OpLe, int64(42)), names("alice", "bob")},
		{"int pr", cmp(typed(store.TypeInteger, "loginCount"), store.OpPresent, nil), names("alice", "bob", "dave", "eve")},

		// Decimals.
		{"dec eq", cmp(typed(store.TypeDecimal, "score"), store.OpEq, 10.25), names("bob")},
		{"dec eq zero", cmp(typed(store.TypeDecimal, "score"), store.OpEq, 0.0), names("dave")},
		{"dec gt", cmp(typed(store.TypeDecimal, "score"), store.OpGt, 0.0), names("alice", "bob")},
		{"dec ge", cmp(typed(store.TypeDecimal, "score"), store.OpGe, 3.5), names("alice", "bob")},
		{"dec lt", cmp(typed(store.TypeDecimal, "score"), store.OpLt, 0.0), names("carol")},
		{"dec le", cmp(typed(store.TypeDecimal, "score"), store.OpLe, 3.5), names("alice", "carol", "dave")},
		{"dec ne", cmp(typed(store.TypeDecimal, "score"), store.OpNe, 3.5), names("bob", "carol", "dave", "eve")},
		{"dec pr", cmp(typed(store.TypeDecimal, "score"), store.OpPresent, nil), names("alice", "bob", "carol", "dave")},

		// DateTimes compare as instants; a malformed one matches nothing.
		{"time eq other offset", cmp(typed(store.TypeDateTime, "hired"), store.OpEq, "2021-06-01T10:30:00Z"), names("bob")},
		{"time gt", cmp(typed(store.TypeDateTime, "hired"), store.OpGt, "2020-01-01T00:00:00Z"), names("alice", "bob", "eve")},
		{"time gt sub-second", cmp(typed(store.TypeDateTime, "hired"), store.OpGt, "2019-12-31T23:59:59Z"),
			names("alice", "bob", "carol", "eve")},
		{"time ge", cmp(typed(store.TypeDateTime, "hired"), store.OpGe, "2020-01-15T09:00:00Z"), names("alice", "bob", "eve")},
		{"time lt", cmp(typed(store.TypeDateTime, "hired"), store.OpLt, "2020-01-01T00:00:00Z"), names("carol")},
		{"time le offset", cmp(typed(store.TypeDateTime, "hired"), store.OpLe, "2020-01-15T10:00:00+01:00"), names("alice", "carol")},
		{"time ne", cmp(typed(store.TypeDateTime, "hired"), store.OpNe, "2020-01-15T09:00:00Z"), names("bob", "carol", "dave", "eve")},
		{"time pr", cmp(typed(store.TypeDateTime, "hired"), store.OpPresent, nil), all},
		{"time sw as text", cmp(typed(store.TypeDateTime, "hired"), store.OpSw, "2021-"), names("bob")},

		// Paths into single-valued complex attributes.
		{"sub-attribute sw", cmp(str(false, "name", "givenName"), store.OpSw, "a"), names("alice")},
		{"sub-attribute ci", cmp(str(false, "name", "familyName"), store.OpEq, "Ärger"), names("alice", "bob")},
		{"sub-attribute ce", cmp(str(true, "name", "familyName"), store.OpEq, "ÄRGER"), names("bob")},
		{"sub-attribute non-ASCII", cmp(str(false, "name", "givenName"), store.OpEq, "ève"), names("eve")},
		{"extension key with dots", cmp(str(false, enterprise, "department"), store.OpEq, "r&d"), names("alice")},

		// Multi-valued: one element must satisfy the whole condition.
		{"any compound ci", store.Any{Path: []string{"emails"}, Cond: store.And{
			L: cmp(email(false, "type"), store.OpEq, "work"), R: cmp(email(false, "value"), store.OpEw, "example.com")}},
			names("alice", "dave", "eve")},
		{"any ce", store.Any{Path: []string{"emails"}, Cond: cmp(email(true, "type"), store.OpEq, "work")},
			names("alice", "bob", "dave")},
		{"any bool", store.Any{Path: []string{"emails"}, Cond: store.And{
			L: cmp(email(false, "type"), store.OpEq, "work"), R: cmp(typed(store.TypeBoolean, "primary"), store.OpEq, true)}},
			names("alice", "eve")},
		{"any ci value", store.Any{Path: []string{"emails"}, Cond: cmp(email(false, "value"), store.OpEq, "ALICE@HOME.EXAMPLE")},
			names("alice")},
		{"any same element", store.Any{Path: []string{"emails"}, Cond: store.And{
			L: cmp(email(false, "type"), store.OpEq, "home"), R: cmp(email(false, "value"), store.OpSw, "alice@example")}},
			nil},
		{"any pr", store.Any{Path: []string{"emails"}, Cond: cmp(typed(store.TypeBoolean, "primary"), store.OpPresent, nil)},
			names("alice", "dave", "eve")},
		{"any with not", store.Any{Path: []string{"emails"}, Cond: store.And{
			L: cmp(email(false, "value"), store.OpCo, "@"), R: store.Not{X: cmp(email(false, "type"), store.OpEq, "work")}}},
			names("alice", "dave")},
		{"not any", store.Not{X: store.Any{Path: []string{"emails"}, Cond: cmp(email(true, "type"), store.OpEq, "work")}},
			names("carol", "eve")},
		{"any simple values ci", store.Any{Path: []string{"tags"}, Cond: cmp(str(false), store.OpEq, "blue")}, names("alice", "dave")},
		{"any simple values ce", store.Any{Path: []string{"tags"}, Cond: cmp(str(true), store.OpEq, "Blue")}, names("alice", "dave")},
		{"any simple values ce miss", store.Any{Path: []string{"tags"}, Cond: cmp(str(true), store.OpEq, "blue")}, nil},
		{"any simple values sw", store.Any{Path: []string{"tags"}, Cond: cmp(str(true), store.OpSw, "gr")}, names("alice", "dave")},
		{"any over a non-array", store.Any{Path: []string{"title"}, Cond: cmp(str(false), store.OpEq, "engineer")}, nil},

		// Columns.
		{"id eq", cmp(col(store.ColID, true), store.OpEq, carol.ID), names("carol")},
		{"id ne", cmp(col(store.ColID, true), store.OpNe, carol.ID), names("alice", "bob", "dave", "eve")},
		{"externalId is case-exact", cmp(col(store.ColExternalID, true), store.OpEq, "EXT-1"), names("alice")},
		{"externalId sw", cmp(col(store.ColExternalID, true), store.OpSw, "ext"), names("eve")},
		{"externalId pr", cmp(col(store.ColExternalID, true), store.OpPresent, nil), names("alice", "eve")},
		{"userName ci", cmp(col(store.ColName, false), store.OpEq, "ALICE"), names("alice")},
		{"userName ce", cmp(col(store.ColName, true), store.OpEq, "ALICE"), nil},
		{"userName sw", cmp(col(store.ColName, false), store.OpSw, "C"), names("carol")},
		{"userName gt", cmp(col(store.ColName, false), store.OpGt, "carol"), names("dave", "eve")},
		{"displayName ci", cmp(col(store.ColDisplayName, false), store.OpEq, "ALICE ÄRGER"), names("alice")},
		{"displayName ce", cmp(col(store.ColDisplayName, true), store.OpEq, "alice ärger"), nil},
		{"displayName pr", cmp(col(store.ColDisplayName, false), store.OpPresent, nil), names("alice", "carol")},
		{"active eq false", cmp(col(store.ColActive, true), store.OpEq, false), names("dave")},
		{"active ne false", cmp(col(store.ColActive, true), store.OpNe, false), names("alice", "bob", "carol", "eve")},
		{"version gt", cmp(col(store.ColVersion, true), store.OpGt, int64(1)), names("bob")},
		{"version eq", cmp(col(store.ColVersion, true), store.OpEq, int64(1)), names("alice", "carol", "dave", "eve")},
		{"version gt fraction", cmp(col(store.ColVersion, true), store.OpGt, 1.5), names("bob")},
		{"created gt", cmp(col(store.ColCreated, true), store.OpGt, rfc(carol.Created)), names("dave", "eve")},
		{"created le", cmp(col(store.ColCreated, true), store.OpLe, rfc(carol.Created)), names("alice", "bob", "carol")},
		{"created eq", cmp(col(store.ColCreated, true), store.OpEq, rfc(alice.Created)), names("alice")},
		{"modified gt", cmp(col(store.ColModified, true), store.OpGt, rfc(eve.Modified)), names("bob")},
		{"modified ge", cmp(col(store.ColModified, true), store.OpGe, rfc(bob.Modified)), names("bob")},

		// Logic.
		{"or", store.Or{L: cmp(title(true), store.OpEq, "Manager"), R: cmp(col(store.ColActive, true), store.OpEq, false)},
			names("carol", "dave")},
		{"and", store.And{L: cmp(title(false), store.OpEq, "engineer"), R: cmp(typed(store.TypeInteger, "loginCount"), store.OpGt, int64(10))},
			names("alice")},
		{"not or", store.Not{X: store.Or{L: cmp(title(true), store.OpEq, "Manager"), R: cmp(col(store.ColActive, true), store.OpEq, false)}},
			names("alice", "bob", "eve")},
		{"not pr", store.Not{X: cmp(title(false), store.OpPresent, nil)}, names("dave")},
		{"not not", store.Not{X: store.Not{X: cmp(title(true), store.OpEq, "Engineer")}}, names("alice")},
		{"not on a type mismatch", store.Not{X: cmp(typed(store.TypeInteger, "title"), store.OpGt, int64(1))}, all},
		{"pointer forms", &store.And{L: &store.Compare{Attr: title(false), Op: store.OpEq, Value: "engineer"},
			R: &store.Not{X: &store.Compare{Attr: col(store.ColName, false), Op: store.OpEq, Value: "bob"}}}, names("alice")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Filter: tc.filter, Count: 100})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			got := p.names(page.Resources)
			if !slices.Equal(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
				t.Fatalf("List = %v; want %v", got, tc.want)
			}
			if page.Total != len(tc.want) {
				t.Fatalf("Total = %d; want %d", page.Total, len(tc.want))
			}
		})
	}

	bad := []struct {
		name   string
		filter store.Expr
	}{
		{"string attribute, number value", cmp(title(false), store.OpEq, int64(1))},
		{"co on a number", cmp(typed(store.TypeInteger, "loginCount"), store.OpCo, int64(1))},
		{"gt on a boolean", cmp(typed(store.TypeBoolean, "verified"), store.OpGt, true)},
		{"gt on members", cmp(col(store.ColMember, true), store.OpGt, "x")},
		{"unknown column", cmp(col("nope", true), store.OpEq, "x")},
		{"quote in a key", cmp(str(false, `ti"tle`), store.OpEq, "x")},
		{"bad dateTime", cmp(typed(store.TypeDateTime, "hired"), store.OpGt, "yesterday")},
		{"no attribute", cmp(store.Attr{Type: store.TypeString}, store.OpEq, "x")},
		{"nil expression", store.And{L: nil, R: nil}},
	}
	for _, tc := range bad {
		if _, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Filter: tc.filter, Count: 10}); err == nil {
			t.Errorf("%s: List succeeded; want an error", tc.name)
		}
	}
}

// names is a readable []string literal.
func names(n ...string) []string { return n }

func rfc(t time.Time) string { return t.Format(time.RFC3339Nano) }

func testListRelations(t *testing.T, f *fixture) {
	p := seedPeople(t, f)
	alice, bob, carol, dave := p.byName["alice"].ID, p.byName["bob"].ID, p.byName["carol"].ID, p.byName["dave"].ID
	eng := f.group("Engineering", alice, bob)
	plat := f.group("Platform", carol)
	f.members(eng.ID, store.MemberChange{Add: []string{plat.ID}})
	empty := f.group("Empty")
	old := f.group("Old", dave)
	if err := f.s.Archive(f.ctx, f.org, store.KindGroup, old.ID, nil); err != nil {
		t.Fatal(err)
	}
	ghostMember := f.user("ghost")
	ghost := f.group("Ghost", ghostMember.ID)
	if err := f.s.Archive(f.ctx, f.org, store.KindUser, ghostMember.ID, nil); err != nil {
		t.Fatal(err)
	}
	groupNames := map[string]string{p.group.ID: "Engineer", eng.ID: "Engineering", plat.ID: "Platform", empty.ID: "Empty", ghost.ID: "Ghost"}
	member := col(store.ColMember, true)
	inGroup := col(store.ColGroup, true)

	groupTests := []struct {
		name   string
		filter store.Expr
		want   []string
	}{
		{"member eq user", cmp(member, store.OpEq, alice), names("Engineering")},
		{"member eq sub-group", cmp(member, store.OpEq, plat.ID), names("Engineering")},
		{"member eq indirect user", cmp(member, store.OpEq, carol), names("Platform")},
		{"member pr skips archived members", cmp(member, store.OpPresent, nil), names("Engineering", "Platform")},
		{"member ne", cmp(member, store.OpNe, alice), names("Engineer", "Platform", "Empty", "Ghost")},
		{"displayName ci", cmp(col(store.ColName, false), store.OpEq, "engineering"), names("Engineering")},
		{"not member pr", store.Not{X: cmp(member, store.OpPresent, nil)}, names("Engineer", "Empty", "Ghost")},
	}
	for _, tc := range groupTests {
		page, err := f.s.List(f.ctx, f.org, store.KindGroup, store.Query{Filter: tc.filter, Count: 100})
		if err != nil {
			t.Fatalf("%s: List(groups): %v", tc.name, err)
		}
		var got []string
		for _, r := range page.Resources {
			n, ok := groupNames[r.ID]
			if !ok {
				n = "?" + r.Name
			}
			got = append(got, n)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: groups %v; want %v", tc.name, got, tc.want)
		}
	}

	userTests := []struct {
		name   string
		filter store.Expr
		want   []string
	}{
		{"group eq, direct and through sub-groups", cmp(inGroup, store.OpEq, eng.ID), names("alice", "bob", "carol")},
		{"group eq sub-group", cmp(inGroup, store.OpEq, plat.ID), names("carol")},
		{"group eq archived group", cmp(inGroup, store.OpEq, old.ID), nil},
		{"group pr", cmp(inGroup, store.OpPresent, nil), names("alice", "bob", "carol")},
		{"group ne", cmp(inGroup, store.OpNe, eng.ID), names("dave", "eve")},
		{"group or name", store.Or{L: cmp(inGroup, store.OpEq, plat.ID), R: cmp(col(store.ColName, false), store.OpEq, "EVE")},
			names("carol", "eve")},
	}
	for _, tc := range userTests {
		page, err := f.s.List(f.ctx, f.org, store.KindUser, store.Query{Filter: tc.filter, Count: 100})
		if err != nil {
			t.Fatalf("%s: List(users): %v", tc.name, err)
		}
		if got := p.names(page.Resources); !slices.Equal(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
			t.Errorf("%s: users %v; want %v", tc.name, got, tc.want)
		}
	}
}
