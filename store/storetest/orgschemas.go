package storetest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// testOrgSchemas covers store.SchemaStore: insert, list by URN, replace by
// URN (kind and definition), delete, not-found, JSON equivalence of the
// stored definition, rejected input and organization isolation.
func testOrgSchemas(t *testing.T, f *fixture) {
	const (
		tagURN  = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
		teamURN = "urn:example:team:Group"
	)
	if got, err := f.s.OrgSchemas(f.ctx, f.org); err != nil || len(got) != 0 {
		t.Fatalf("OrgSchemas of a new organization = %v, %v; want none", got, err)
	}
	updated := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
	tagDef := `{"id":"` + tagURN + `","attributes":[{"name":"tag","type":"string"},{"name":"level","type":"integer"}]}`
	put := func(sch store.OrgSchema) {
		t.Helper()
		if err := f.s.PutOrgSchema(f.ctx, sch); err != nil {
			t.Fatalf("PutOrgSchema(%s): %v", sch.URN, err)
		}
	}
	put(store.OrgSchema{OrgID: f.org, URN: tagURN, Kind: store.KindUser, Definition: json.RawMessage(tagDef), Updated: updated})
	before := time.Now().Add(-time.Second)
	put(store.OrgSchema{OrgID: f.org, URN: teamURN, Kind: store.KindGroup, Definition: json.RawMessage(`{"id":"` + teamURN + `"}`)})

	got, err := f.s.OrgSchemas(f.ctx, f.org)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].URN != teamURN || got[1].URN != tagURN {
		t.Fatalf("OrgSchemas = %v; want %s then %s (by URN, bytewise)", urns(got), teamURN, tagURN)
	}
	tag, team := got[1], got[0]
	if tag.OrgID != f.org || tag.Kind != store.KindUser || !tag.Updated.Equal(updated) || tag.Updated.Location() != time.UTC {
		t.Errorf("stored tag schema = %+v; want org %s, kind User, updated %v UTC", tag, f.org, updated)
	}
	sameJSON(t, tag.Definition, tagDef, "tag definition")
	if team.Kind != store.KindGroup || team.Updated.Before(before) || team.Updated.After(time.Now().Add(time.Second)) {
		t.Errorf("stored team schema = %+v; want kind Group, updated now", team)
	}

	// Replacing by URN changes kind and definition and keeps one row.
	newDef := `{"id":"` + tagURN + `","attributes":[{"name":"badge","type":"string","multiValued":true}]}`
	put(store.OrgSchema{OrgID: f.org, URN: tagURN, Kind: store.KindGroup, Definition: json.RawMessage(newDef)})
	got, _ = f.s.OrgSchemas(f.ctx, f.org)
	if len(got) != 2 || got[1].URN != tagURN || got[1].Kind != store.KindGroup || !got[1].Updated.After(updated) {
		t.Fatalf("after replace: %+v; want 2 schemas, %s now a Group schema updated later", got, tagURN)
	}
	sameJSON(t, got[1].Definition, newDef, "replaced definition")

	// Another organization neither sees nor removes them, and has its own.
	other := f.newOrg("other")
	if theirs, err := f.s.OrgSchemas(f.ctx, other); err != nil || len(theirs) != 0 {
		t.Errorf("OrgSchemas(other) = %v, %v; want none", urns(theirs), err)
	}
	wantErr(t, f.s.DeleteOrgSchema(f.ctx, other, tagURN), store.ErrNotFound, "DeleteOrgSchema from another organization")
	put(store.OrgSchema{OrgID: other, URN: tagURN, Kind: store.KindUser, Definition: json.RawMessage(tagDef)})
	if mine, _ := f.s.OrgSchemas(f.ctx, f.org); len(mine) != 2 || mine[1].Kind != store.KindGroup {
		t.Errorf("another organization's Put changed ours: %+v", mine)
	}

	// Delete, then delete again.
	if err := f.s.DeleteOrgSchema(f.ctx, f.org, teamURN); err != nil {
		t.Fatalf("DeleteOrgSchema: %v", err)
	}
	wantErr(t, f.s.DeleteOrgSchema(f.ctx, f.org, teamURN), store.ErrNotFound, "DeleteOrgSchema twice")
	wantErr(t, f.s.DeleteOrgSchema(f.ctx, f.org, "URN:EXAMPLE:TEAM:GROUP"), store.ErrNotFound, "DeleteOrgSchema with another case")
	if got, _ := f.s.OrgSchemas(f.ctx, f.org); !reflect.DeepEqual(urns(got), []string{tagURN}) {
		t.Errorf("after delete: %v; want only %s", urns(got), tagURN)
	}
	if theirs, _ := f.s.OrgSchemas(f.ctx, other); len(theirs) != 1 {
		t.Errorf("deleting ours removed theirs: %v", urns(theirs))
	}

	// Rejected input.
	bad := []struct {
		name string
		sch  store.OrgSchema
	}{
		{"unknown organization", store.OrgSchema{OrgID: newID(), URN: tagURN, Kind: store.KindUser, Definition: json.RawMessage(`{}`)}},
		{"no URN", store.OrgSchema{OrgID: f.org, Kind: store.KindUser, Definition: json.RawMessage(`{}`)}},
		{"no organization", store.OrgSchema{URN: tagURN, Kind: store.KindUser, Definition: json.RawMessage(`{}`)}},
		{"unknown kind", store.OrgSchema{OrgID: f.org, URN: "urn:x:y", Kind: "Device", Definition: json.RawMessage(`{}`)}},
		{"invalid JSON", store.OrgSchema{OrgID: f.org, URN: "urn:x:y", Kind: store.KindUser, Definition: json.RawMessage(`{"id":`)}},
		{"no definition", store.OrgSchema{OrgID: f.org, URN: "urn:x:y", Kind: store.KindUser}},
	}
	for _, b := range bad {
		if err := f.s.PutOrgSchema(f.ctx, b.sch); err == nil {
			t.Errorf("PutOrgSchema with %s succeeded", b.name)
		}
	}
	wantErr(t, f.s.PutOrgSchema(f.ctx, bad[0].sch), store.ErrNotFound, "PutOrgSchema for an unknown organization")
	if got, _ := f.s.OrgSchemas(f.ctx, f.org); len(got) != 1 {
		t.Errorf("rejected writes left %v", urns(got))
	}
}

func urns(list []store.OrgSchema) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.URN)
	}
	return out
}

// sameJSON compares JSON texts by value (PostgreSQL's jsonb does not keep
// the bytes).
func sameJSON(t *testing.T, got json.RawMessage, want, what string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: stored definition is not JSON: %v (%s)", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad test JSON: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s; want %s", what, got, want)
	}
}
