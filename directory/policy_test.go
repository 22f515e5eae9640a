package directory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/internal/teststore"
	"github.com/scimd/scimd/store"
)

// env is a directory over a real store with one organization.
type env struct {
	t   *testing.T
	ctx context.Context
	d   *directory.Service
	org string
	a   directory.Actor
}

func newEnv(t *testing.T, url string) *env {
	t.Helper()
	ctx := t.Context()
	st := teststore.Open(t, url)
	d := directory.New(st)
	o, err := d.CreateOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, d: d, org: o.ID,
		a: directory.Actor{OrgID: o.ID, Source: directory.SourceSCIM, Name: "okta", InactiveReason: directory.ReasonIdP}}
}

func (e *env) user(name string, attrs map[string]any) (store.Resource, error) {
	doc := map[string]any{"userName": name}
	for k, v := range attrs {
		doc[k] = v
	}
	return e.d.Create(e.ctx, e.a, store.Resource{Kind: store.KindUser, Attrs: doc}, nil)
}

func (e *env) mustUser(name string, attrs map[string]any) store.Resource {
	e.t.Helper()
	u, err := e.user(name, attrs)
	if err != nil {
		e.t.Fatalf("creating %s: %v", name, err)
	}
	return u
}

func (e *env) set(id string, attr string, v any) (store.Resource, error) {
	return e.d.Update(e.ctx, e.a, store.KindUser, id, func(r *store.Resource) (*store.MemberChange, error) {
		r.Attrs[attr] = v
		return nil, nil
	})
}

func (e *env) policy(p store.Policy) {
	e.t.Helper()
	if err := e.d.SetPolicy(e.ctx, e.org, p); err != nil {
		e.t.Fatalf("SetPolicy: %v", err)
	}
}

func policyErr(t *testing.T, err error, typ string) {
	t.Helper()
	var pe *directory.PolicyError
	if !errors.As(err, &pe) || pe.Type != typ {
		t.Fatalf("error %v; want a %s PolicyError", err, typ)
	}
}

func TestSeatLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.mustUser("before", nil) // counted by SetPolicy's recount
		e.policy(store.Policy{SeatLimit: 2, ExternalUserTypes: []string{"Contractor"}})
		b := e.mustUser("b", nil)
		_, err := e.user("c", nil)
		policyErr(t, err, directory.PolicySeatLimit)
		if !strings.Contains(err.Error(), "2 of 2") {
			t.Errorf("seat error %q does not say the count and the limit", err)
		}
		e.mustUser("contractor", map[string]any{"userType": "contractor"}) // external: no seat
		off := e.mustUser("off", map[string]any{"active": false})
		_, err = e.set(off.ID, "active", true)
		policyErr(t, err, directory.PolicySeatLimit)
		// Deactivating frees a seat; archiving does too.
		if _, err := e.set(b.ID, "active", false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.set(off.ID, "active", true); err != nil {
			t.Fatalf("activating after a seat was freed: %v", err)
		}
		if n, err := e.d.SeatsUsed(e.ctx, e.org); err != nil || n != 2 {
			t.Errorf("SeatsUsed = %d, %v; want 2", n, err)
		}
		if err := e.d.Archive(e.ctx, e.a, store.KindUser, off.ID, nil); err != nil {
			t.Fatal(err)
		}
		e.mustUser("c", nil)
		// Restoring an active user needs a seat.
		_, err = e.d.Restore(e.ctx, e.a, store.KindUser, off.ID)
		policyErr(t, err, directory.PolicySeatLimit)
		// Becoming internal takes a seat too.
		ext, _ := e.user("ext", map[string]any{"userType": "Contractor"})
		_, err = e.set(ext.ID, "userType", "Employee")
		policyErr(t, err, directory.PolicySeatLimit)
	})
}

func TestCatalogues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.policy(store.Policy{Roles: []store.CatalogEntry{{Value: "Admin"}, {Value: "Member"}},
			Entitlements: []store.CatalogEntry{{Value: "fleet:read"}}})
		_, err := e.user("a", map[string]any{"roles": []any{map[string]any{"value": "Root"}}})
		policyErr(t, err, directory.PolicyInvalidValue)
		if !strings.Contains(err.Error(), `"Admin", "Member"`) {
			t.Errorf("error %q does not name the allowed values", err)
		}
		u := e.mustUser("a", map[string]any{"roles": []any{map[string]any{"value": "admin"}}})
		if v := u.Attrs["roles"].([]any)[0].(map[string]any)["value"]; v != "Admin" {
			t.Errorf("role stored as %v; want the catalogue's spelling Admin", v)
		}
		_, err = e.d.Update(e.ctx, e.a, store.KindUser, u.ID, func(r *store.Resource) (*store.MemberChange, error) {
			r.Attrs["title"] = "Boss"
			r.Attrs["entitlements"] = []any{map[string]any{"value": "fleet:write"}}
			return nil, nil
		})
		policyErr(t, err, directory.PolicyInvalidValue)
		if got, _ := e.d.Store().Get(e.ctx, e.org, store.KindUser, u.ID); got.Attrs["title"] != nil {
			t.Errorf("a refused update applied its other changes: title %v", got.Attrs["title"])
		}
		// Narrowing the catalogue: former holders keep their value and can
		// still change otherwise (a leaver above all); nobody new gets it.
		e.policy(store.Policy{Roles: []store.CatalogEntry{{Value: "Member"}}})
		if _, err := e.set(u.ID, "active", false); err != nil {
			t.Errorf("deactivating a holder of a role no longer in the catalogue: %v", err)
		}
		_, err = e.user("b", map[string]any{"roles": []any{map[string]any{"value": "Admin"}}})
		policyErr(t, err, directory.PolicyInvalidValue)
	})
}

func TestImmutable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.policy(store.Policy{Immutable: []string{"userType", "employeeNumber"}})
		const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		u := e.mustUser("a", map[string]any{"userType": "Employee"})
		_, err := e.set(u.ID, "userType", "Contractor")
		policyErr(t, err, directory.PolicyMutability)
		if _, err := e.set(u.ID, ent, map[string]any{"employeeNumber": "42"}); err != nil {
			t.Fatalf("setting an immutable attribute that was empty: %v", err)
		}
		_, err = e.set(u.ID, ent, map[string]any{"employeeNumber": "43"})
		policyErr(t, err, directory.PolicyMutability)
		if _, err := e.set(u.ID, "title", "Boss"); err != nil {
			t.Errorf("changing a mutable attribute: %v", err)
		}
	})
}

func TestDeleteModeAndPurge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.policy(store.Policy{DeleteMode: directory.DeleteDeactivate})
		u := e.mustUser("a", nil)
		if err := e.d.Delete(e.ctx, e.a, store.KindUser, u.ID, nil); err != nil {
			t.Fatal(err)
		}
		got, err := e.d.Store().Get(e.ctx, e.org, store.KindUser, u.ID)
		if err != nil || got.Active {
			t.Fatalf("after DELETE under deactivate: %+v, %v; want the user kept, inactive", got, err)
		}
		if err := e.d.Purge(e.ctx, e.a, store.KindUser, u.ID, time.Now()); !errors.Is(err, directory.ErrStillActive) {
			t.Errorf("Purge(not archived) = %v; want ErrStillActive", err)
		}
		if err := e.d.Archive(e.ctx, e.a, store.KindUser, u.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.d.Purge(e.ctx, e.a, store.KindUser, u.ID, time.Now().Add(-time.Hour)); err == nil {
			t.Errorf("Purge inside the retention period succeeded")
		}
		if n, err := e.d.PurgeArchived(e.ctx, e.a, time.Now().Add(time.Second)); err != nil || n != 1 {
			t.Errorf("PurgeArchived = %d, %v; want 1", n, err)
		}
	})
}

func TestPolicyValidation(t *testing.T) {
	err := directory.ValidatePolicy(store.Policy{SeatLimit: -1, DeleteMode: "shred",
		Roles: []store.CatalogEntry{{Value: "A"}, {Value: "a"}, {Value: " "}}})
	for _, want := range []string{"seatLimit", "deleteMode", "listed twice", "empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidatePolicy error %v does not report %q", err, want)
		}
	}
}

// TestJoinerMoverLeaver follows one user through its lifecycle and checks
// the meaning of every event.
func TestJoinerMoverLeaver(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		u := e.mustUser("a", map[string]any{"active": false})          // created inactive: no joiner
		_, _ = e.set(u.ID, "active", true)                             // first time active: joiner
		_, _ = e.set(u.ID, ent, map[string]any{"department": "Sales"}) // mover
		_, _ = e.set(u.ID, "nickName", "al")                           // plain update
		_, _ = e.set(u.ID, "active", false)                            // leaver
		_, _ = e.set(u.ID, "active", true)                             // reactivated: not a joiner again
		g, err := e.d.Create(e.ctx, e.a, store.Resource{Kind: store.KindGroup,
			Attrs: map[string]any{"displayName": "Team"}}, []string{u.ID}) // team membership: mover
		if err != nil {
			t.Fatal(err)
		}
		if err := e.d.Archive(e.ctx, e.a, store.KindUser, u.ID, nil); err != nil { // leaver
			t.Fatal(err)
		}
		evs, err := e.d.Store().Events(e.ctx, e.org, store.EventQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range evs {
			got = append(got, fmt.Sprintf("%s/%s", ev.Type, ev.Meaning))
			if ev.Actor != "token:okta" {
				t.Errorf("event %s actor %q; want token:okta", ev.Type, ev.Actor)
			}
		}
		want := []string{"user.created/", "user.activated/joiner", "user.updated/mover", "user.updated/",
			"user.deactivated/leaver", "user.activated/", "group.created/", "user.teams_changed/mover",
			"user.archived/leaver"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("events:\n got  %v\n want %v", got, want)
		}
		var d directory.EventData
		if err := json.Unmarshal(evs[2].Data, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Changes) != 1 || d.Changes[0].Attr != ent+":department" || d.Changes[0].New != "Sales" {
			t.Errorf("mover changes = %+v; want the department", d.Changes)
		}
		if err := json.Unmarshal(evs[4].Data, &d); err != nil || d.Reason != directory.ReasonIdP {
			t.Errorf("leaver reason = %q, %v; want %q", d.Reason, err, directory.ReasonIdP)
		}
		if evs[6].Txn == "" || evs[7].Txn != evs[6].Txn || evs[5].Txn == evs[6].Txn {
			t.Errorf("txn of the team's creation %q, of its member's event %q, of the write before %q; want the first two equal, the third not",
				evs[6].Txn, evs[7].Txn, evs[5].Txn)
		}
		if evs[7].ResourceID != u.ID || !strings.Contains(string(evs[7].Data), g.ID) {
			t.Errorf("team event %+v does not name the user and the team", evs[7])
		}
	})
}
