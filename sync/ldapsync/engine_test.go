package ldapsync

import (
	"fmt"
	"github.com/scimd/scimd/internal/testdb"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// slapdFixture is a directory of n generated users (u00001…) plus a
// manager chain, a nested group, a posixGroup and a groupOfUniqueNames.
type slapdFixture struct {
	s    *ldaptest.Server
	base string
	dns  []string // user DNs, in the order of GenUsers
}

func newSlapdFixture(t *testing.T, n int) slapdFixture {
	t.Helper()
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	users := ldaptest.GenUsers("u", n)
	// u00001's manager comes later in the stream than u00001; u00002's
	// earlier.
	users[0].Manager = "uid=u" + fmt.Sprintf("%05d", n) + ",ou=people," + base
	users[1].Manager = "UID=U00001,OU=People," + base // another spelling
	dns := s.AddUsers(t, base, users...)
	s.AddGroups(t, base,
		ldaptest.Group{CN: "backend", Members: dns[0:3]},
		ldaptest.Group{CN: "ops", Kind: ldaptest.PosixGroup, MemberUIDs: []string{"u00004", "u00005", "nobody"}},
		ldaptest.Group{CN: "sales", Kind: ldaptest.GroupOfUniqueNames, Members: dns[5:7]},
	)
	s.AddGroups(t, base, ldaptest.Group{CN: "engineering",
		Members: []string{dns[3], "cn=backend,ou=groups," + base, "uid=ghost,ou=people," + base}})
	return slapdFixture{s: s, base: base, dns: dns}
}

// TestEngineFirstSyncAndNoop: a first run creates every user (over
// several pages) and every team, with managers, nested groups as
// sub-teams and posixGroup members; a second run with nothing changed
// writes nothing.
func TestEngineFirstSyncAndNoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newSlapdFixture(t, 120)
		env := newEngEnvURL(t, url)
		src := slapdSource(f.s, f.base)

		run := env.run(src, Options{Trigger: "manual"}, store.SyncSucceeded)
		if !run.Complete || run.Counts["users_read"] != 120 || run.Counts["groups_read"] != 4 ||
			run.Counts[ChangeCreate] != 120 || run.Counts[ChangeTeamCreate] != 4 || run.Counts[ChangeUpdate] != 0 {
			t.Fatalf("first run = %+v", run)
		}
		users := env.users(src)
		if len(users) != 120 {
			t.Fatalf("%d users, want 120", len(users))
		}
		u1, u2, last := users["u00001"], users["u00002"], users["u00120"]
		if !u1.Active || u1.DisplayName != "User u00001" || u1.Source != "ldap:corp" || u1.SourceID == "" {
			t.Errorf("u00001 = %+v", u1)
		}
		emails, _ := u1.Attrs["emails"].([]any)
		if len(emails) != 1 || emails[0].(map[string]any)["value"] != "u00001@example.test" || u1.Attrs["title"] != "Engineer" {
			t.Errorf("u00001 attributes = %v", u1.Attrs)
		}
		if managerID(u1.Attrs) != last.ID || managerID(u2.Attrs) != u1.ID {
			t.Errorf("managers: u00001 → %q (want %s), u00002 → %q (want %s)", managerID(u1.Attrs), last.ID, managerID(u2.Attrs), u1.ID)
		}
		if s, _ := u2.Attrs["schemas"].([]any); !slices.Contains(s, any(schema.EnterpriseUserURN)) {
			t.Errorf("u00002 schemas = %v", u2.Attrs["schemas"])
		}
		teams := env.teams(src)
		if len(teams) != 4 {
			t.Fatalf("teams = %v", teams)
		}
		for name, want := range map[string][]string{
			"backend":     {"User u00001", "User u00002", "User u00003"},
			"engineering": {"User u00004", "team:backend"},
			"ops":         {"User u00004", "User u00005"},
			"sales":       {"User u00006", "User u00007"},
		} {
			if got := env.members(teams[name].ID); !slices.Equal(got, want) {
				t.Errorf("members of %s = %v, want %v", name, got, want)
			}
		}

		before := env.versions(src)
		again := env.run(src, Options{}, store.SyncSucceeded)
		if len(changeCounts(again)) != 0 || len(env.changes(again.ID)) != 0 {
			t.Errorf("unchanged re-run recorded changes: %v", again.Counts)
		}
		if after := env.versions(src); !mapsEqual(before, after) {
			t.Errorf("unchanged re-run bumped versions")
		}
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestEngineMoversLeaversReturners: a rename, an OU move and a new e-mail
// update the same user; a user who is no longer returned becomes inactive
// (ldap_left) and keeps the memberships; brought back, the same user is
// active again. A user an admin deactivated stays inactive.
func TestEngineMoversLeaversReturners(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newSlapdFixture(t, 10)
		env := newEngEnvURL(t, url)
		src := slapdSource(f.s, f.base)
		env.run(src, Options{}, store.SyncSucceeded)
		before := env.users(src)
		root := f.s.Conn(t)
		people := "ou=people," + f.base

		// u00001: renamed (uid and RDN); u00002: moved to a sub-OU, new e-mail.
		if err := root.ModifyDN(ldap.NewModifyDNRequest(f.dns[0], "uid=ann", true, "")); err != nil {
			t.Fatal(err)
		}
		sub := f.s.AddOU(t, people, "emea")
		if err := root.ModifyDN(ldap.NewModifyDNRequest(f.dns[1], "uid=u00002", true, sub)); err != nil {
			t.Fatal(err)
		}
		mod := ldap.NewModifyRequest("uid=u00002,"+sub, nil)
		mod.Replace("mail", []string{"new@example.test"})
		if err := root.Modify(mod); err != nil {
			t.Fatal(err)
		}
		// u00004 leaves the scope; u00005 was deactivated by an admin.
		former := f.s.AddOU(t, f.base, "former")
		if err := root.ModifyDN(ldap.NewModifyDNRequest(f.dns[3], "uid=u00004", true, former)); err != nil {
			t.Fatal(err)
		}
		admin := directory.Actor{OrgID: env.org.ID, Source: directory.SourceAdmin, Name: "test", InactiveReason: directory.ReasonAdmin}
		if _, err := env.dir.Update(env.ctx, admin, store.KindUser, before["u00005"].ID, func(r *store.Resource) (*store.MemberChange, error) {
			r.Attrs["active"] = false
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}

		run := env.run(src, Options{}, store.SyncSucceeded)
		after := env.users(src)
		if ann := after["ann"]; ann.ID != before["u00001"].ID || !ann.Active {
			t.Errorf("renamed user: %+v (was %s)", ann, before["u00001"].ID)
		}
		if _, still := after["u00001"]; still {
			t.Error("the old userName is still there")
		}
		moved := after["u00002"]
		emails, _ := moved.Attrs["emails"].([]any)
		if moved.ID != before["u00002"].ID || len(emails) != 1 || emails[0].(map[string]any)["value"] != "new@example.test" {
			t.Errorf("moved user: %+v", moved)
		}
		left := after["u00004"]
		if left.ID != before["u00004"].ID || left.Active || left.InactiveReason != directory.ReasonLeft {
			t.Errorf("leaver: active %v reason %q", left.Active, left.InactiveReason)
		}
		teams := env.teams(src)
		if got := env.members(teams["engineering"].ID); !slices.Contains(got, "User u00004") {
			t.Errorf("the leaver lost the membership: %v", got)
		}
		// u00002's manager attribute still names u00001's old DN (slapd keeps
		// dangling DNs): no user has it now, so the manager is cleared.
		ups := env.changes(run.ID, ChangeUpdate)
		var lines []string
		for _, c := range ups {
			lines = append(lines, FormatChange(c))
		}
		all := strings.Join(lines, "\n")
		if !slices.Equal(names(ups), []string{"ann/applied", "u00002/applied", "u00002/applied"}) ||
			!strings.Contains(all, `emails: [{"type":"work","value":"u00002@example.test"}] → [{"type":"work","value":"new@example.test"}]`) ||
			!strings.Contains(all, `userName: "u00001" → "ann"`) || !strings.Contains(all, ":manager: {") {
			t.Errorf("updates:\n%s", all)
		}
		if managerID(after["u00002"].Attrs) != "" {
			t.Errorf("u00002's dangling manager was kept")
		}
		if d := env.changes(run.ID, ChangeDeactivate); len(d) != 1 || d[0].Name != "u00004" || d[0].State != store.ChangeApplied {
			t.Errorf("deactivations = %v", d)
		}

		// u00004 comes back; u00005 is still admin-deactivated.
		if err := root.ModifyDN(ldap.NewModifyDNRequest("uid=u00004,"+former, "uid=u00004", true, people)); err != nil {
			t.Fatal(err)
		}
		run = env.run(src, Options{}, store.SyncSucceeded)
		back := env.users(src)
		if u := back["u00004"]; u.ID != before["u00004"].ID || !u.Active || u.InactiveReason != "" {
			t.Errorf("returning user: %+v", u)
		}
		if u := back["u00005"]; u.Active || u.InactiveReason != directory.ReasonAdmin {
			t.Errorf("an admin-deactivated user was reactivated: %+v", u)
		}
		if r := env.changes(run.ID, ChangeReactivate); len(r) != 1 || r[0].Name != "u00004" {
			t.Errorf("reactivations = %v", r)
		}
	})
}

// TestEngineOUTeams: with ouTeams the OUs below the user base become a
// team tree; a user moved to another OU changes teams.
func TestEngineOUTeams(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	people := "ou=people," + base
	eng := s.AddOU(t, people, "Eng")
	backend := s.AddOU(t, eng, "Backend")
	dns := s.AddUsers(t, base,
		ldaptest.User{UID: "ann", Parent: eng}, ldaptest.User{UID: "bob", Parent: eng},
		ldaptest.User{UID: "cy", Parent: backend}, ldaptest.User{UID: "di"})
	env := newEngEnv(t)
	src := slapdSource(s, base)
	src.GroupBaseDN, src.OUTeams = "", true
	env.run(src, Options{}, store.SyncSucceeded)
	teams := env.teams(src)
	if len(teams) != 2 {
		t.Fatalf("teams = %v", teams)
	}
	if got := env.members(teams["Eng"].ID); !slices.Equal(got, []string{"ann", "bob", "team:Eng/Backend"}) {
		t.Errorf("Eng = %v", got)
	}
	if got := env.members(teams["Eng/Backend"].ID); !slices.Equal(got, []string{"cy"}) {
		t.Errorf("Eng/Backend = %v", got)
	}
	if err := s.Conn(t).ModifyDN(ldap.NewModifyDNRequest(dns[1], "uid=bob", true, backend)); err != nil {
		t.Fatal(err)
	}
	run := env.run(src, Options{}, store.SyncSucceeded)
	if got := env.members(teams["Eng"].ID); !slices.Equal(got, []string{"ann", "team:Eng/Backend"}) {
		t.Errorf("Eng after the move = %v", got)
	}
	if got := env.members(teams["Eng/Backend"].ID); !slices.Equal(got, []string{"bob", "cy"}) {
		t.Errorf("Eng/Backend after the move = %v", got)
	}
	if got := names(env.changes(run.ID, ChangeMemberAdd, ChangeMemberRemove)); !slices.Equal(got, []string{"Eng/Backend/applied", "Eng/applied"}) {
		t.Errorf("membership changes = %v", got)
	}
}

// TestEngineManagersAcrossBatches: managers created in another write are
// set once every user is read; when a batch of creates falls back to one
// by one (a userName taken), no manager names a user that was not created.
func TestEngineManagersAcrossBatches(t *testing.T) {
	f := newSlapdFixture(t, 120)
	env := newEngEnv(t)
	env.eng.batch = 5 // creates are written 50 at a time
	scim := directory.Actor{OrgID: env.org.ID, Source: directory.SourceSCIM, Name: "okta"}
	if _, err := env.dir.Create(env.ctx, scim, store.Resource{Kind: store.KindUser,
		Attrs: map[string]any{"userName": "u00001"}}, nil); err != nil {
		t.Fatal(err)
	}
	src := slapdSource(f.s, f.base)
	run := env.run(src, Options{}, store.SyncSucceeded)
	users := env.users(src)
	if len(users) != 119 || run.Counts[ChangeConflict] != 1 {
		t.Fatalf("%d users, counts %v", len(users), run.Counts)
	}
	// u00002's manager is u00001, which is not the source's (a conflict):
	// it is cleared, never set to an id that does not exist.
	if id := managerID(users["u00002"].Attrs); id != "" {
		t.Errorf("u00002's manager = %q", id)
	}
	for name, u := range users {
		if id := managerID(u.Attrs); id != "" {
			if _, err := env.st.Get(env.ctx, env.org.ID, store.KindUser, id); err != nil {
				t.Errorf("%s's manager %s: %v", name, id, err)
			}
		}
	}
}
