package ldapsync

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

// TestEnginePolicies: the directory sync is held to the organization's
// policy like every other writer. A refused change is recorded as not
// applied with the policy's reason, and the run goes on with the others.
func TestEnginePolicies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		s := ldaptest.Start(t)
		base := s.NewOU(t)
		users := ldaptest.GenUsers("p", 6)
		users[0].EmployeeType = "Contractor"     // external: takes no seat
		users[1].DepartmentNumber = "Accounting" // a role outside the catalogue
		users[2].DepartmentNumber = "it"         // a role in the catalogue, other case
		for i := range users {
			users[i].EmployeeNumber = fmt.Sprintf("%d", 1000+i)
		}
		dns := s.AddUsers(t, base, users...)
		env := newEngEnvURL(t, url)
		if err := env.dir.SetPolicy(env.ctx, env.org.ID, store.Policy{
			SeatLimit: 3, ExternalUserTypes: []string{"contractor"},
			Roles:     []store.CatalogEntry{{Value: "IT"}, {Value: "Fleet management"}},
			Immutable: []string{"employeeNumber"},
		}); err != nil {
			t.Fatal(err)
		}
		src := slapdSource(s, base)
		src.GroupBaseDN = ""
		src.Mapping = map[string]string{"roles.value": "departmentNumber"}

		run := env.run(src, Options{Trigger: "manual"}, store.SyncSucceeded)
		got := env.users(src)
		// p00001 is external; p00002 is refused for its role before it
		// takes a seat; three of the other four internal users fit (which
		// three depends on the order the directory returns them in).
		if len(got) != 4 {
			t.Fatalf("created %d users (%v); want 4: the contractor and three internal users", len(got), keys(got))
		}
		if _, ok := got["p00001"]; !ok {
			t.Errorf("the external user p00001 was not created")
		}
		if _, ok := got["p00002"]; ok {
			t.Errorf("p00002 with a role outside the catalogue was created")
		}
		if r, ok := got["p00003"]; ok && (r.Attrs["roles"] == nil || r.Attrs["roles"].([]any)[0].(map[string]any)["value"] != "IT") {
			t.Errorf("p00003 roles = %v; want IT in the catalogue's spelling", r.Attrs["roles"])
		}
		var refused []string
		for _, c := range env.changes(run.ID) {
			if c.State == store.ChangeSkipped {
				refused = append(refused, c.Name+": "+string(c.Detail))
			}
		}
		joined := strings.Join(refused, "\n")
		if len(refused) != 2 || !strings.Contains(joined, "p00002") || !strings.Contains(joined, "catalogue") ||
			!strings.Contains(joined, "seat limit") {
			t.Fatalf("refused changes:\n%s\nwant p00002 (catalogue) and one user past the seat limit", joined)
		}
		if n, err := env.dir.SeatsUsed(env.ctx, env.org.ID); err != nil || n != 3 {
			t.Errorf("seats used = %d, %v; want 3", n, err)
		}

		// An immutable attribute the directory changes is refused, with the
		// other changes of that update, and recorded as refused by policy.
		victim, idx := "", -1
		for i := 3; i < len(users); i++ {
			if _, ok := got[users[i].UID]; ok {
				victim, idx = users[i].UID, i
				break
			}
		}
		if victim == "" {
			t.Fatalf("none of p00004…p00006 was created: %v", keys(got))
		}
		root := s.Conn(t)
		mod := ldap.NewModifyRequest(dns[idx], nil)
		mod.Replace("employeeNumber", []string{"2003"})
		mod.Replace("title", []string{"Manager"})
		if err := root.Modify(mod); err != nil {
			t.Fatal(err)
		}
		run = env.run(src, Options{Trigger: "manual"}, store.SyncSucceeded)
		after := env.users(src)[victim]
		ent := after.Attrs["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
		if ent["employeeNumber"] != users[idx].EmployeeNumber || after.Attrs["title"] != "Engineer" {
			t.Errorf("%s after a refused update: employeeNumber %v, title %v; want both unchanged",
				victim, ent["employeeNumber"], after.Attrs["title"])
		}
		found := false
		for _, c := range env.changes(run.ID, ChangeUpdate) {
			if c.Name == victim && c.State == store.ChangeSkipped && strings.Contains(string(c.Detail), "immutable") {
				found = true
			}
		}
		if !found {
			t.Errorf("the refused update of %s is not recorded as refused by policy: %v", victim, names(env.changes(run.ID)))
		}
		// The events name the sync run as the actor.
		evs, err := env.st.Events(env.ctx, env.org.ID, store.EventQuery{Types: []string{directory.Joiner}})
		if err != nil || len(evs) != 4 || !strings.HasPrefix(evs[0].Actor, "sync:corp:") {
			t.Errorf("joiner events = %d (actor %q), %v; want 4 by sync:corp:<run>", len(evs), actorOf(evs), err)
		}
	})
}

func keys(m map[string]store.Resource) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func actorOf(evs []store.Event) string {
	if len(evs) == 0 {
		return ""
	}
	return evs[0].Actor
}
