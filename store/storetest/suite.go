package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// Run runs the conformance suite. open returns a migrated, empty store for
// one subtest and registers its own cleanup (closing the store); it is
// called once per subtest, so subtests never see each other's rows.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Orgs", testOrgs},
		{"Tokens", testTokens},
		{"CreateGet", testCreateGet},
		{"CreateRejects", testCreateRejects},
		{"Uniqueness", testUniqueness},
		{"UpdateVersions", testUpdateVersions},
		{"UpdateAborts", testUpdateAborts},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentCycle", testConcurrentCycle},
		{"Archive", testArchive},
		{"ArchiveGroup", testArchiveGroup},
		{"Membership", testMembership},
		{"MemberReferences", testMemberReferences},
		{"MemberCycles", testMemberCycles},
		{"MembersDisplay", testMembersDisplay},
		{"Groups", testGroups},
		{"Teams", testTeams},
		{"OrgSchemas", testOrgSchemas},
		{"OrgIsolation", testOrgIsolation},
		{"Events", testEvents},
		{"Seats", testSeats},
		{"RestorePurge", testRestorePurge},
		{"Policy", testPolicy},
		{"Admins", testAdmins},
		{"SyncRuns", testSyncRuns},
		{"SyncRunsOrder", testSyncRunsOrder},
		{"SyncRunsSupersede", testSyncRunsSupersede},
		{"SyncChanges", testSyncChanges},
		{"SyncSources", testSyncSources},
		{"SyncSourceState", testSyncSourceState},
		{"SyncSourceHashes", testSyncSourceHashes},
		{"SyncLock", testSyncLock},
		{"ListFilter", testListFilter},
		{"ListRelations", testListRelations},
		{"ListSort", testListSort},
		{"ListPaging", testListPaging},
		{"ListKeyset", testListKeyset}, {"ListKeysetEdges", testListKeysetEdges},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.fn(t, newFixture(t, s))
		})
	}
}

// fixture is one subtest's store with an organization.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	org string
}

func newFixture(t *testing.T, s store.Store) *fixture {
	f := &fixture{t: t, s: s, ctx: t.Context()}
	f.org = f.newOrg("acme")
	return f
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (f *fixture) newOrg(name string) string {
	f.t.Helper()
	id := newID()
	if err := f.s.CreateOrg(f.ctx, store.Org{ID: id, Name: name}); err != nil {
		f.t.Fatalf("CreateOrg(%q): %v", name, err)
	}
	return id
}

// user creates a user named name in the fixture's organization; opts
// adjust it before creation.
func (f *fixture) user(name string, opts ...func(*store.Resource)) store.Resource {
	f.t.Helper()
	return f.create(f.org, store.KindUser, name, nil, opts...)
}

// group creates a group with the given members.
func (f *fixture) group(name string, members ...string) store.Resource {
	f.t.Helper()
	return f.create(f.org, store.KindGroup, name, members)
}

func (f *fixture) create(org string, kind store.Kind, name string, members []string, opts ...func(*store.Resource)) store.Resource {
	f.t.Helper()
	r := store.Resource{
		OrgID: org, ID: newID(), Kind: kind, Name: name, Active: true, Source: "scim",
		Attrs: map[string]any{},
	}
	if kind == store.KindUser {
		r.Attrs["userName"] = name
	} else {
		r.Attrs["displayName"] = name
		r.DisplayName = name
	}
	for _, o := range opts {
		o(&r)
	}
	got, err := f.s.Create(f.ctx, r, members)
	if err != nil {
		f.t.Fatalf("Create(%s %q): %v", kind, name, err)
	}
	return got
}

func (f *fixture) get(kind store.Kind, id string) store.Resource {
	f.t.Helper()
	r, err := f.s.Get(f.ctx, f.org, kind, id)
	if err != nil {
		f.t.Fatalf("Get(%s): %v", id, err)
	}
	return r
}

// update runs Update and fails the test on error.
func (f *fixture) update(kind store.Kind, id string, fn store.UpdateFunc) store.Resource {
	f.t.Helper()
	r, err := f.s.Update(f.ctx, f.org, kind, id, fn)
	if err != nil {
		f.t.Fatalf("Update(%s): %v", id, err)
	}
	return r
}

// members changes a group's membership through Update.
func (f *fixture) members(groupID string, mc store.MemberChange) store.Resource {
	f.t.Helper()
	return f.update(store.KindGroup, groupID, func(*store.Resource) (*store.MemberChange, error) { return &mc, nil })
}

// memberIDs lists the ids of a group's live members, sorted.
func (f *fixture) memberIDs(groupID string) []string {
	f.t.Helper()
	m, err := f.s.Members(f.ctx, f.org, []string{groupID})
	if err != nil {
		f.t.Fatalf("Members(%s): %v", groupID, err)
	}
	var ids []string
	for _, x := range m[groupID] {
		ids = append(ids, x.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v; want %v", what, err, target)
	}
}

// sameResource compares two resources, times by instant.
func sameResource(t *testing.T, got, want store.Resource, what string) {
	t.Helper()
	if !got.Created.Equal(want.Created) || !got.Modified.Equal(want.Modified) {
		t.Errorf("%s: times created=%v modified=%v; want %v, %v", what, got.Created, got.Modified, want.Created, want.Modified)
	}
	if (got.Archived == nil) != (want.Archived == nil) {
		t.Errorf("%s: archived %v; want %v", what, got.Archived, want.Archived)
	}
	got.Created, got.Modified, got.Archived = time.Time{}, time.Time{}, nil
	want.Created, want.Modified, want.Archived = time.Time{}, time.Time{}, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}
