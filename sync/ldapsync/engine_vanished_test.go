package ldapsync

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adtest"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

// archived reports whether the team id is archived (gone from Get).
func (e *engEnv) archived(id string) bool {
	e.t.Helper()
	_, err := e.st.Get(e.ctx, e.org.ID, store.KindGroup, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.t.Fatal(err)
	}
	return err != nil
}

// planText renders a run's changes of the given kinds, one per line.
func (e *engEnv) planText(runID string, kinds ...string) string {
	e.t.Helper()
	var lines []string
	for _, c := range e.changes(runID, kinds...) {
		lines = append(lines, FormatChange(c))
	}
	return strings.Join(lines, "\n")
}

// TestEngineTeamVanishes: a group deleted from the directory and one moved
// out of the group base are previewed by a dry run, then archived by a
// run (recorded and counted); nothing else changes, teams of other owners
// included; the group moved back (same entryUUID) gets a new team.
func TestEngineTeamVanishes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, url string) {
		f := newSlapdFixture(t, 10)
		env := newEngEnvURL(t, url)
		src := slapdSource(f.s, f.base)
		env.run(src, Options{}, store.SyncSucceeded)
		teams := env.teams(src)
		// Teams of other owners, one with the same stable id as "sales".
		var others []string
		for _, r := range []store.Resource{
			{Kind: store.KindGroup, Attrs: map[string]any{"displayName": "scim team"}},
			{Kind: store.KindGroup, Source: "ldap:other", SourceID: teams["sales"].SourceID, Attrs: map[string]any{"displayName": "other sales"}},
		} {
			act := directory.Actor{OrgID: env.org.ID, Source: directory.SourceSCIM, Name: "test"}
			made, err := env.dir.Create(env.ctx, act, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			others = append(others, made.ID)
		}

		root := f.s.Conn(t)
		groups := "ou=groups," + f.base
		if err := root.Del(ldap.NewDelRequest("cn=sales,"+groups, nil)); err != nil {
			t.Fatal(err)
		}
		attic := f.s.AddOU(t, f.base, "attic")
		if err := root.ModifyDN(ldap.NewModifyDNRequest("cn=ops,"+groups, "cn=ops", true, attic)); err != nil {
			t.Fatal(err)
		}

		dry := env.run(src, Options{DryRun: true}, store.SyncDryRun)
		if got := names(env.changes(dry.ID, ChangeTeamRemoved)); !slices.Equal(got, []string{"ops/planned", "sales/planned"}) {
			t.Fatalf("planned team removals = %v", got)
		}
		plan := env.planText(dry.ID, ChangeTeamRemoved)
		for _, want := range []string{`planned  team_removed  team "sales" (` + teams["sales"].ID + `): archived, reason ldap_group_gone`,
			"outside the group base DN or filter", "; 2 memberships end"} {
			if !strings.Contains(plan, want) {
				t.Errorf("plan lacks %q:\n%s", want, plan)
			}
		}
		if len(env.teams(src)) != 4 {
			t.Fatal("a dry run archived a team")
		}

		run := env.run(src, Options{}, store.SyncSucceeded)
		if run.Counts[ChangeTeamRemoved] != 2 || !slices.Equal(names(env.changes(run.ID, ChangeTeamRemoved)), []string{"ops/applied", "sales/applied"}) {
			t.Fatalf("run = %v, changes %v", run.Counts, names(env.changes(run.ID)))
		}
		after := env.teams(src)
		if _, ok := after["sales"]; ok || len(after) != 2 || !env.archived(teams["sales"].ID) || !env.archived(teams["ops"].ID) {
			t.Fatalf("teams after the run: %v", after)
		}
		if got := env.members(after["engineering"].ID); !slices.Equal(got, []string{"User u00004", "team:backend"}) {
			t.Errorf("engineering = %v", got)
		}
		for _, id := range others {
			if env.archived(id) {
				t.Errorf("team %s of another owner was archived", id)
			}
		}
		for name, u := range env.users(src) {
			if !u.Active {
				t.Errorf("user %s deactivated", name)
			}
		}
		if again := env.run(src, Options{}, store.SyncSucceeded); len(changeCounts(again)) != 0 {
			t.Errorf("the next run: %v", again.Counts)
		}

		// ops comes back with its entryUUID: a new team for it.
		if err := root.ModifyDN(ldap.NewModifyDNRequest("cn=ops,"+attic, "cn=ops", true, groups)); err != nil {
			t.Fatal(err)
		}
		back := env.run(src, Options{}, store.SyncSucceeded)
		ops := env.teams(src)["ops"]
		if back.Counts[ChangeTeamCreate] != 1 || ops.SourceID != teams["ops"].SourceID || ops.ID == teams["ops"].ID {
			t.Fatalf("ops back: counts %v, team %+v (was %s)", back.Counts, ops, teams["ops"].ID)
		}
		if got := env.members(ops.ID); !slices.Equal(got, []string{"User u00004", "User u00005"}) {
			t.Errorf("ops members = %v", got)
		}
	})
}

// TestEngineTeamVanishIncomplete: a group deleted while the read is
// incomplete (§2.1, §2.3) is never archived, nor is a group the read did
// not get to; the next complete run archives the deleted one only.
func TestEngineTeamVanishIncomplete(t *testing.T) {
	cases := []struct {
		name  string
		fault func(f adFixture) adtest.Fault
	}{
		{"group read: size limit", func(f adFixture) adtest.Fault {
			return adtest.Fault{Op: adtest.OpSearch, DN: f.groups, AfterTotal: 1, Code: 4}
		}},
		{"group read: range chunk failure", func(adFixture) adtest.Fault { return adtest.RangeChunkFailure(25, 51) }},
		{"user read: time limit", func(adFixture) adtest.Fault { return adtest.TimeLimitExceeded(2, 5) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newADFixture(t, 30)
			gone := "CN=gone," + f.groups
			f.srv.AddGroup(adtest.Group{DN: gone, Members: f.users[:3]})
			env := newEngEnv(t)
			src := adSource(t, f.srv)
			env.run(src, Options{}, store.SyncSucceeded)
			teams := env.teams(src)
			f.srv.Remove(gone)
			f.srv.Inject(tc.fault(f))

			run := env.run(src, Options{}, store.SyncFailed)
			if got := env.changes(run.ID, ChangeTeamRemoved); len(got) != 0 {
				t.Errorf("an incomplete run recorded team removals: %v", names(got))
			}
			for name, team := range teams {
				if env.archived(team.ID) {
					t.Errorf("team %s archived by an incomplete run", name)
				}
			}
			if got := env.members(teams["gone"].ID); len(got) != 3 {
				t.Errorf("members of the vanished group's team = %v", got)
			}

			next := env.run(src, Options{}, store.SyncSucceeded)
			if got := names(env.changes(next.ID, ChangeTeamRemoved)); !slices.Equal(got, []string{"gone/applied"}) {
				t.Errorf("the complete run removed %v", got)
			}
			if !env.archived(teams["gone"].ID) || env.archived(teams["all"].ID) || env.archived(teams["few"].ID) {
				t.Error("the complete run archived the wrong teams")
			}
		})
	}
}

// TestEngineTeamVanishSizeLimit: against slapd, a service account's size
// limit cuts the group read short (result code 4): the team of a deleted
// group and the teams of the groups past the limit all stay.
func TestEngineTeamVanishSizeLimit(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	dns := s.AddUsers(t, base, ldaptest.GenUsers("u", 3)...)
	groups := make([]ldaptest.Group, s.SizeLimit) // exactly the limit: a complete read
	for i := range groups {
		groups[i] = ldaptest.Group{CN: fmt.Sprintf("g%03d", i), Members: dns[:1]}
	}
	s.AddGroups(t, base, groups...)
	env := newEngEnv(t)
	src := slapdSource(s, base)
	src.BindDN, src.BindPasswordFile = s.ServiceDN, s.ServicePasswordFile
	env.run(src, Options{}, store.SyncSucceeded)
	teams := env.teams(src)
	if len(teams) != s.SizeLimit {
		t.Fatalf("%d teams, want %d", len(teams), s.SizeLimit)
	}
	if err := s.Conn(t).Del(ldap.NewDelRequest("cn=g000,ou=groups,"+base, nil)); err != nil {
		t.Fatal(err)
	}
	s.AddGroups(t, base, ldaptest.Group{CN: "x1", Members: dns[:1]}, ldaptest.Group{CN: "x2", Members: dns[:1]})

	run := env.run(src, Options{}, store.SyncFailed)
	if !strings.Contains(run.Error, "size limit") || run.Counts[ChangeTeamRemoved] != 0 {
		t.Fatalf("run = %+v", run)
	}
	for name, team := range teams {
		if env.archived(team.ID) {
			t.Errorf("team %s archived after a size-limited read", name)
		}
	}
}

// TestEngineTeamVanishThreshold: a vanished team counts its members
// against the membership-removal threshold (an empty one counts one):
// above it, the removal is held, and applied only once approved, unless
// a later run found the group back.
func TestEngineTeamVanishThreshold(t *testing.T) {
	f := newADFixture(t, 12)
	empty := "CN=empty," + f.groups
	f.srv.AddGroup(adtest.Group{DN: empty})
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	src.Thresholds.MaxMembershipRemovals = intp(4)
	env.run(src, Options{}, store.SyncSucceeded)
	teams := env.teams(src)
	guid, _ := f.srv.GUIDOf(f.few)
	f.srv.Remove(f.few) // five members

	held := env.run(src, Options{}, store.SyncHeld)
	if !strings.Contains(held.Error, "5 membership removals (5 of them by removing 1 teams whose directory group or OU is gone) exceed the threshold") {
		t.Fatalf("held = %+v", held)
	}
	if got := names(env.changes(held.ID, ChangeTeamRemoved)); !slices.Equal(got, []string{"few/held"}) {
		t.Fatalf("held removals = %v", got)
	}
	if env.archived(teams["few"].ID) || len(env.members(teams["few"].ID)) != 5 {
		t.Fatal("a held team removal was applied")
	}

	// The group comes back before the approval, and a dry run sees it:
	// the approval keeps the team.
	f.srv.AddGroup(adtest.Group{DN: f.few, GUID: guid, Members: f.users[:5]})
	preview := src
	preview.Thresholds = loose()
	env.run(preview, Options{DryRun: true}, store.SyncDryRun)
	approved, err := env.eng.Approve(env.ctx, env.org, held.ID, "")
	if err != nil || approved.Counts["approved_not_applied"] != 1 || env.archived(teams["few"].ID) {
		t.Fatalf("Approve after the group came back = %+v, %v", approved, err)
	}
	if plan := env.planText(held.ID, ChangeNotApplied); !strings.Contains(plan, `did not find team "few"'s directory object gone`) {
		t.Errorf("notes: %s", plan)
	}

	f.srv.Remove(f.few)
	held = env.run(src, Options{}, store.SyncHeld)
	approved, err = env.eng.Approve(env.ctx, env.org, held.ID, "")
	if err != nil || approved.Counts["approved_applied"] != 1 || !env.archived(teams["few"].ID) {
		t.Fatalf("Approve = %+v, %v; few archived %v", approved, err, env.archived(teams["few"].ID))
	}

	// An empty team counts as one removal: a threshold of 0 holds it.
	f.srv.Remove(empty)
	src.Thresholds.MaxMembershipRemovals = intp(0)
	held = env.run(src, Options{}, store.SyncHeld)
	if !strings.Contains(held.Error, "1 membership removals (1 of them by removing 1 teams") {
		t.Errorf("held = %+v", held)
	}
	if plan := env.planText(held.ID, ChangeTeamRemoved); !strings.Contains(plan, `held     team_removed  team "empty"`) ||
		!strings.Contains(plan, "; 0 memberships end") {
		t.Errorf("plan:\n%s", plan)
	}
	if env.archived(teams["empty"].ID) {
		t.Error("a held team removal was applied")
	}
}

// TestEngineOUTeamVanishes: an OU no user is in any more loses its team
// (archived, reason ldap_ou_gone); a user back in the OU brings a new one.
func TestEngineOUTeamVanishes(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	eng := s.AddOU(t, "ou=people,"+base, "Eng")
	backend := s.AddOU(t, eng, "Backend")
	dns := s.AddUsers(t, base, ldaptest.User{UID: "ann", Parent: eng}, ldaptest.User{UID: "cy", Parent: backend})
	env := newEngEnv(t)
	src := slapdSource(s, base)
	src.GroupBaseDN, src.OUTeams = "", true
	env.run(src, Options{}, store.SyncSucceeded)
	teams := env.teams(src)
	root := s.Conn(t)
	if err := root.ModifyDN(ldap.NewModifyDNRequest(dns[1], "uid=cy", true, eng)); err != nil {
		t.Fatal(err)
	}
	run := env.run(src, Options{}, store.SyncSucceeded)
	if got := names(env.changes(run.ID, ChangeTeamRemoved)); !slices.Equal(got, []string{"Eng/Backend/applied"}) {
		t.Fatalf("team removals = %v", got)
	}
	if plan := env.planText(run.ID, ChangeTeamRemoved); !strings.Contains(plan, "reason ldap_ou_gone") {
		t.Errorf("plan: %s", plan)
	}
	if !env.archived(teams["Eng/Backend"].ID) || env.archived(teams["Eng"].ID) {
		t.Fatal("wrong teams archived")
	}
	if got := env.members(teams["Eng"].ID); !slices.Equal(got, []string{"ann", "cy"}) {
		t.Errorf("Eng = %v", got)
	}

	if err := root.ModifyDN(ldap.NewModifyDNRequest("uid=cy,"+eng, "uid=cy", true, backend)); err != nil {
		t.Fatal(err)
	}
	env.run(src, Options{}, store.SyncSucceeded)
	now := env.teams(src)
	if b := now["Eng/Backend"]; b.ID == "" || b.ID == teams["Eng/Backend"].ID {
		t.Fatalf("Eng/Backend back: %+v", b)
	}
	if got := env.members(now["Eng"].ID); !slices.Equal(got, []string{"ann", "team:Eng/Backend"}) {
		t.Errorf("Eng = %v", got)
	}
}

// TestEngineTeamRecreated: a group deleted and created again under the
// same name (a new stable id) is a new team: the run that finds the old
// group gone archives its team, and since the old team holds the name
// until then, the new group's team is a recorded conflict in that run and
// is created by the next one.
func TestEngineTeamRecreated(t *testing.T) {
	f := newADFixture(t, 8)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	env.run(src, Options{}, store.SyncSucceeded)
	old := env.teams(src)["few"]
	f.srv.Remove(f.few)
	f.srv.AddGroup(adtest.Group{DN: f.few, Members: f.users[5:7]})

	run := env.run(src, Options{}, store.SyncSucceeded)
	if got := names(env.changes(run.ID, ChangeTeamRemoved, ChangeConflict)); !slices.Equal(got, []string{"few/applied", "few/skipped"}) {
		t.Fatalf("changes = %v", got)
	}
	if !env.archived(old.ID) {
		t.Fatal("the old team is live")
	}
	next := env.run(src, Options{}, store.SyncSucceeded)
	now := env.teams(src)["few"]
	if next.Counts[ChangeTeamCreate] != 1 || now.ID == old.ID || now.SourceID == old.SourceID {
		t.Fatalf("next run = %v, team %+v", next.Counts, now)
	}
	if got := env.members(now.ID); !slices.Equal(got, []string{"User 06", "User 07"}) {
		t.Errorf("members = %v", got)
	}
}
