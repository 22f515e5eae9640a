package ldapsync

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adtest"
	"github.com/scimd/scimd/store"
)

// TestEngineThresholdHoldApprove: more deactivations than the threshold
// are held with the exact list; approving applies exactly that list, but
// not to a user a later (dry) run found back; nothing else changes.
func TestEngineThresholdHoldApprove(t *testing.T) {
	f := newADFixture(t, 20)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	src.Thresholds.MaxDeactivations = intp(2)
	env.run(src, Options{}, store.SyncSucceeded)
	for _, dn := range f.users[10:14] { // user11 … user14 leave
		f.srv.Remove(dn)
	}
	f.srv.SetAttribute(f.users[0], "title", "Boss") // applied despite the hold

	held := env.run(src, Options{}, store.SyncHeld)
	if !strings.Contains(held.Error, "4 deactivations exceed the threshold") || held.Counts[store.ChangeHeld] != 4 {
		t.Fatalf("held run = %+v", held)
	}
	want := []string{"user11/held", "user12/held", "user13/held", "user14/held"}
	if got := names(env.changes(held.ID, ChangeDeactivate)); !slices.Equal(got, want) {
		t.Fatalf("held deactivations = %v, want %v", got, want)
	}
	users := env.users(src)
	if !users["user11"].Active || users["user01"].Attrs["title"] != "Boss" {
		t.Fatal("a held run deactivated, or did not update")
	}

	// user12 comes back before the admin approves; a later dry run sees
	// it (a later run that ends held would supersede this one instead:
	// held_test.go).
	f.srv.AddUser(adtest.User{DN: f.users[11], SAMAccountName: "user12", GUID: guidOf(t, users["user12"].SourceID)})
	preview := src
	preview.Thresholds = loose() // within them, a dry run ends dry_run, not held
	env.run(preview, Options{DryRun: true}, store.SyncDryRun)

	approved, err := env.eng.Approve(env.ctx, env.org, held.ID, "admin:ann@acme.test")
	if err != nil || approved.Status != store.SyncApproved || approved.Counts["approved_applied"] != 3 ||
		approved.Counts["approved_not_applied"] != 1 {
		t.Fatalf("Approve = %+v, %v", approved, err)
	}
	users = env.users(src)
	for _, u := range []string{"user11", "user13", "user14"} {
		if users[u].Active || users[u].InactiveReason != "ldap_left" {
			t.Errorf("%s not deactivated by the approval", u)
		}
	}
	if !users["user12"].Active {
		t.Error("the approval deactivated a user who came back")
	}
	// The audit trail names the admin who approved the deactivations.
	leavers, err := env.st.Events(env.ctx, env.org.ID, store.EventQuery{Types: []string{directory.Leaver}})
	if err != nil || len(leavers) != 3 {
		t.Fatalf("leaver events = %d, %v; want 3", len(leavers), err)
	}
	for _, ev := range leavers {
		if ev.Actor != "admin:ann@acme.test" {
			t.Errorf("leaver event of %s names %q; want the approving admin", ev.ResourceID, ev.Actor)
		}
	}
	notes := env.changes(held.ID, ChangeNotApplied)
	if len(notes) != 1 || notes[0].Name != "user12" || !strings.Contains(FormatChange(notes[0]), "did not find user") {
		t.Errorf("notes = %v", notes)
	}
	if got := names(env.changes(held.ID, ChangeDeactivate)); !slices.Equal(got, []string{"user11/applied", "user12/skipped", "user13/applied", "user14/applied"}) {
		t.Errorf("after approval: %v", got)
	}
	if _, err := env.eng.Approve(env.ctx, env.org, held.ID, ""); !errors.Is(err, ErrNotHeld) {
		t.Errorf("approving twice: %v", err)
	}
	// Accepted: the next run is ordinary.
	env.run(src, Options{}, store.SyncSucceeded)
}

// TestEngineThresholdReject: a rejected hold applies nothing; membership
// removals have their own threshold.
func TestEngineThresholdReject(t *testing.T) {
	f := newADFixture(t, 12)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	src.Thresholds.MaxMembershipRemovals = intp(1)
	env.run(src, Options{}, store.SyncSucceeded)
	f.srv.SetMembers(f.few, f.users[0]) // four removals from "few"

	held := env.run(src, Options{}, store.SyncHeld)
	if got := env.changes(held.ID, ChangeMemberRemove); len(got) != 4 || got[0].State != store.ChangeHeld {
		t.Fatalf("held removals = %v", got)
	}
	few := env.teams(src)["few"].ID
	if len(env.members(few)) != 5 {
		t.Fatal("held removals were applied")
	}
	rejected, err := env.eng.Reject(env.ctx, env.org, held.ID, "")
	if err != nil || rejected.Status != store.SyncRejected || rejected.Counts["rejected"] != 4 {
		t.Fatalf("Reject = %+v, %v", rejected, err)
	}
	if len(env.members(few)) != 5 {
		t.Error("rejected removals were applied")
	}
	for _, c := range env.changes(held.ID, ChangeMemberRemove) {
		if c.State != store.ChangeRejected {
			t.Errorf("change %d is %s", c.Seq, c.State)
		}
	}
	// The next run holds them again; approved, exactly they are applied.
	again := env.run(src, Options{}, store.SyncHeld)
	if _, err := env.eng.Approve(env.ctx, env.org, again.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := env.members(few); !slices.Equal(got, []string{"User 01"}) {
		t.Errorf("members after approval = %v", got)
	}
}

// TestEngineScopeChange: a changed filter makes the next run a dry run
// held for approval, which writes nothing; approving applies its plan
// and accepts the new scope.
func TestEngineScopeChange(t *testing.T) {
	f := newADFixture(t, 10)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	env.run(src, Options{}, store.SyncSucceeded)
	f.srv.SetAttribute(f.users[1], "title", "Lead")

	narrowed := src
	narrowed.UserFilter = "(&(objectClass=user)(!(sAMAccountName=user1*)))" // drops user10
	before := env.versions(src)
	held := env.run(narrowed, Options{}, store.SyncHeld)
	if !strings.Contains(held.Error, "scope") || !strings.Contains(held.Error, held.ID) {
		t.Fatalf("held = %+v", held)
	}
	if !mapsEqual(before, env.versions(src)) {
		t.Fatal("a scope-change preview wrote")
	}
	plan := env.changes(held.ID)
	if got := names(plan); !slices.Equal(got, []string{"user02/planned", "user10/planned"}) {
		t.Fatalf("plan = %v", got)
	}
	if _, err := env.eng.Approve(env.ctx, env.org, held.ID, ""); err != nil {
		t.Fatal(err)
	}
	users := env.users(src)
	if users["user10"].Active || users["user02"].Attrs["title"] != "Lead" {
		t.Errorf("approved plan not applied: user10 active %v, user02 title %v", users["user10"].Active, users["user02"].Attrs["title"])
	}
	next := env.run(narrowed, Options{}, store.SyncSucceeded)
	if len(changeCounts(next)) != 0 {
		t.Errorf("after approval: %v", next.Counts)
	}
}

// TestEngineDryRun: a dry run writes nothing and lists exactly what the
// real run then does.
func TestEngineDryRun(t *testing.T) {
	f := newADFixture(t, 30)
	env := newEngEnv(t)
	src := adSource(t, f.srv)

	dry := env.run(src, Options{DryRun: true}, store.SyncDryRun)
	if u, g := env.totals(); u != 0 || g != 0 {
		t.Fatalf("a dry run wrote %d users and %d teams", u, g)
	}
	real := env.run(src, Options{}, store.SyncSucceeded)
	if !mapsEqual(changeCounts(dry), withPlanned(changeCounts(real))) {
		t.Errorf("dry run counts %v, real run %v", dry.Counts, real.Counts)
	}

	// Changes of every kind, previewed then applied.
	f.srv.Remove(f.users[29])
	f.srv.SetAttribute(f.users[0], "title", "Boss")
	f.srv.AddUser(adtest.User{DN: "CN=Newbie," + f.staff, SAMAccountName: "newbie"})
	f.srv.SetMembers(f.few, append(slices.Clone(f.users[:4]), "CN=Newbie,"+f.staff)...)
	before := env.versions(src)
	dry = env.run(src, Options{DryRun: true}, store.SyncDryRun)
	if !mapsEqual(before, env.versions(src)) {
		t.Fatal("a dry run wrote")
	}
	var lines []string
	for _, c := range env.changes(dry.ID) {
		lines = append(lines, FormatChange(c))
	}
	plan := strings.Join(lines, "\n")
	for _, want := range []string{`planned  create        user "newbie"`, `title: "Staff" → "Boss"`,
		`deactivate    user "user30"`, "inactive, reason ldap_left", `member_remove team "few"`, `member_add    team "few"`, "+ user cn=newbie"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	real = env.run(src, Options{}, store.SyncSucceeded)
	if !mapsEqual(changeCounts(dry), withPlanned(changeCounts(real))) {
		t.Errorf("dry run counts %v, real run %v", dry.Counts, real.Counts)
	}
}

// withPlanned is the counts a dry run of the same changes has.
func withPlanned(c map[string]int) map[string]int {
	n := 0
	for _, v := range c {
		n += v
	}
	if n > 0 {
		c[store.ChangePlanned] = n
	}
	return c
}

// TestEngineLock: a second run of the same source fails fast while the
// lock is held, records nothing, and runs once it is free.
func TestEngineLock(t *testing.T) {
	f := newADFixture(t, 2)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	unlock, ok, err := env.st.TryLock(env.ctx, LockKey(env.org.ID, src.Name))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := env.eng.Run(env.ctx, env.org, src, Options{}); !isLocked(err) {
		t.Fatalf("Run under the lock: %v", err)
	}
	if runs, _ := env.st.SyncRuns(env.ctx, env.org.ID, src.Name, 0); len(runs) != 0 {
		t.Errorf("a locked-out run was recorded: %v", runs)
	}
	other := src
	other.Name = "other" // another source runs meanwhile
	env.run(other, Options{}, store.SyncSucceeded)
	unlock()
	env.run(src, Options{}, store.SyncSucceeded)
}
