package scim

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

// fakeClock is a settable clock for the type cache.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestTypeCacheExpiresAndSweeps(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := typeCache{now: clk.now}
	u, g := schema.NewUserType(), schema.NewGroupType()
	if _, ok := c.get("o1"); ok {
		t.Fatal("empty cache hit")
	}
	c.put("o1", u, g)
	clk.t = clk.t.Add(orgTypesTTL - time.Nanosecond)
	if got, ok := c.get("o1"); !ok || got.users != u || got.groups != g {
		t.Fatalf("get before expiry = %+v, %v", got, ok)
	}
	clk.t = clk.t.Add(time.Nanosecond)
	if _, ok := c.get("o1"); ok {
		t.Fatal("get at expiry hit")
	}
	for i := range orgTypesSweep {
		c.put("old"+string(rune('a'+i%26))+strings.Repeat("x", i/26), u, g)
	}
	clk.t = clk.t.Add(orgTypesTTL)
	c.put("fresh", u, g)
	if n := len(c.m); n != 1 {
		t.Errorf("after a sweep the cache holds %d entries, want only the fresh one", n)
	}
}

// TestTypesForReadsTheStore: an organization's types follow its stored
// schemas within the TTL, and the shared types are never changed.
func TestTypesForReadsTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := directory.New(st)
	org, err := dir.CreateOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{}, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	clk := &fakeClock{t: time.Now()}
	s.orgTypes.now = clk.now
	baseExts := len(s.users.Extensions)

	users, groups, err := s.typesFor(ctx, org.ID)
	if err != nil || users != s.users || groups != s.groups {
		t.Fatalf("without schemas typesFor = %p %p, %v; want the shared types", users, groups, err)
	}
	const urn = "urn:example:acme:2.0:User"
	if err := st.PutOrgSchema(ctx, store.OrgSchema{OrgID: org.ID, URN: urn, Kind: store.KindUser,
		Definition: json.RawMessage(`{"id":"` + urn + `","attributes":[{"name":"tag"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if users, _, _ := s.typesFor(ctx, org.ID); users != s.users {
		t.Error("the cached types were not reused within the TTL")
	}
	clk.t = clk.t.Add(orgTypesTTL)
	users, groups, err = s.typesFor(ctx, org.ID)
	if err != nil || len(users.Extensions) != baseExts+1 || users.Extensions[baseExts].Schema.ID != urn || groups != s.groups {
		t.Fatalf("after the TTL: %+v, %v", users, err)
	}
	if len(s.users.Extensions) != baseExts {
		t.Error("the shared User type was modified")
	}

	if err := st.DeleteOrgSchema(ctx, org.ID, urn); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(orgTypesTTL)
	if users, _, _ := s.typesFor(ctx, org.ID); users != s.users {
		t.Error("a removed schema is still served after the TTL")
	}
}

func TestExtendTypesRefusesBadDefinitions(t *testing.T) {
	u, g := schema.NewUserType(), schema.NewGroupType()
	def := func(urn, kind string) store.OrgSchema {
		return store.OrgSchema{URN: urn, Kind: store.Kind(kind),
			Definition: json.RawMessage(`{"id":"` + urn + `","attributes":[{"name":"a"}]}`)}
	}
	tests := []struct {
		name    string
		defs    []store.OrgSchema
		mention string
	}{
		{"invalid definition", []store.OrgSchema{{URN: "urn:x:y", Kind: store.KindUser, Definition: json.RawMessage(`{"id":"urn:x:y"}`)}}, "attributes is required"},
		{"id differs from the stored URN", []store.OrgSchema{{URN: "urn:x:Other", Kind: store.KindUser,
			Definition: def("urn:x:y", "User").Definition}}, `has id "urn:x:y"`},
		{"two overlapping URNs", []store.OrgSchema{def("urn:x:a", "User"), def("urn:x:a:b", "Group")}, "clashes"},
		{"same URN in another case", []store.OrgSchema{def("urn:x:a", "User"), def("URN:X:A", "User")}, "clashes"},
		{"unknown kind", []store.OrgSchema{def("urn:x:a", "Device")}, "unknown resource type"},
	}
	for _, tt := range tests {
		_, _, err := extendTypes(u, g, tt.defs)
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: %v; want an error mentioning %q", tt.name, err, tt.mention)
		}
	}
	users, groups, err := extendTypes(u, g, []store.OrgSchema{def("urn:x:Group", "Group"), def("urn:x:User", "User")})
	if err != nil || len(users.Extensions) != len(u.Extensions)+1 || len(groups.Extensions) != len(g.Extensions)+1 {
		t.Errorf("one extension each: %v", err)
	}
}
