package ldapsync

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adtest"
	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/store"
)

// The rows of reference directory-sync.md §2: none of them may deactivate
// anyone or remove a membership.

// adFixture is a fake AD with n users in OU=Staff, the group "all" (every
// user: more values than MaxValRange, so read by range retrieval) and the
// group "few" (the first five).
type adFixture struct {
	srv    *adtest.Server
	users  []string // DNs
	all    string
	few    string
	staff  string
	groups string
}

func newADFixture(t *testing.T, n int) adFixture {
	t.Helper()
	srv := adtest.Start(t, adtest.WithMaxValRange(25))
	f := adFixture{srv: srv, staff: "OU=Staff," + srv.BaseDN(), groups: "OU=Groups," + srv.BaseDN()}
	srv.AddOU(f.staff)
	srv.AddOU(f.groups)
	for i := 1; i <= n; i++ {
		dn := fmt.Sprintf("CN=User %02d,%s", i, f.staff)
		srv.AddUser(adtest.User{DN: dn, SAMAccountName: fmt.Sprintf("user%02d", i), GivenName: "User", Surname: fmt.Sprint(i),
			Mail: fmt.Sprintf("user%02d@corp.example.com", i), Title: "Staff"})
		f.users = append(f.users, dn)
	}
	f.all = "CN=all," + f.groups
	f.few = "CN=few," + f.groups
	srv.AddGroup(adtest.Group{DN: f.all, Members: f.users})
	srv.AddGroup(adtest.Group{DN: f.few, Members: f.users[:min(5, n)]})
	return f
}

// TestEngineFaultsDeactivateNobody: after a complete first run, three
// users leave, "few" loses two members, one user changes and one joins;
// then the directory fails in one of the ways of §2.1 and §2.3. The run
// applies what it read, deactivates nobody, removes no membership, and
// fails with the reason.
func TestEngineFaultsDeactivateNobody(t *testing.T) {
	cases := []struct {
		name   string
		fault  func(f adFixture) adtest.Fault
		reason string
		// updated: the change to user01 (page 1) is applied.
		updated bool
	}{
		{"time limit", func(adFixture) adtest.Fault { return adtest.TimeLimitExceeded(2, 5) }, "time limit", true},
		{"connection drop mid-page", func(adFixture) adtest.Fault { return adtest.DropConnection(2, 5) }, "connection", true},
		{"size limit", func(adFixture) adtest.Fault { return adtest.SizeLimitExceeded(30) }, "size limit", true},
		{"busy", func(adFixture) adtest.Fault { return adtest.Busy() }, "busy", false},
		{"unavailable", func(adFixture) adtest.Fault { return adtest.Unavailable() }, "unavailable", false},
		{"admin limit", func(adFixture) adtest.Fault { return adtest.AdminLimitExceeded() }, "administrative limit", false},
		{"referral", func(f adFixture) adtest.Fault {
			return adtest.Referral(f.staff, "ldap://dc2.corp.example.com/"+f.staff)
		}, "referral", false},
		{"continuation reference", func(f adFixture) adtest.Fault {
			return adtest.ContinuationReferences(f.staff, "ldap://dc2.corp.example.com/OU=Far,"+f.staff)
		}, "continuation reference", true},
		{"group read: time limit", func(f adFixture) adtest.Fault {
			return adtest.Fault{Op: adtest.OpSearch, DN: f.groups, Page: 1, AfterEntries: 1, Code: 3}
		}, "groups: time limit", true},
		{"range chunk failure", func(adFixture) adtest.Fault { return adtest.RangeChunkFailure(25, 51) }, "could not be read in full", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newADFixture(t, 60)
			env := newEngEnv(t)
			src := adSource(t, f.srv)
			env.run(src, Options{}, store.SyncSucceeded)
			before := env.users(src)
			teams := env.teams(src)
			if len(before) != 60 || len(env.members(teams["all"].ID)) != 60 || len(env.members(teams["few"].ID)) != 5 {
				t.Fatalf("first run: %d users, teams %v", len(before), teams)
			}
			for _, dn := range f.users[40:43] {
				f.srv.Remove(dn)
			}
			f.srv.SetMembers(f.few, f.users[:3]...)
			f.srv.SetAttribute(f.users[0], "title", "Lead")
			f.srv.AddUser(adtest.User{DN: "CN=Newbie," + f.staff, SAMAccountName: "newbie"})
			f.srv.Inject(tc.fault(f))

			run := env.run(src, Options{}, store.SyncFailed)
			if run.Complete || !strings.Contains(run.Error, tc.reason) || !strings.Contains(run.Error, "nobody was deactivated") {
				t.Errorf("run = %+v, want the reason %q", run, tc.reason)
			}
			after := env.users(src)
			for _, u := range []string{"user41", "user42", "user43"} {
				if !after[u].Active {
					t.Errorf("%s was deactivated by an incomplete run", u)
				}
			}
			if got := env.members(teams["few"].ID); len(got) != 5 {
				t.Errorf("an incomplete run removed memberships: %v", got)
			}
			for _, c := range env.changes(run.ID, ChangeDeactivate, ChangeMemberRemove) {
				if c.State != store.ChangeSkipped {
					t.Errorf("change %s %s is %s, want skipped", c.Kind, c.Name, c.State)
				}
			}
			if got := after["user01"].Attrs["title"] == "Lead"; got != tc.updated {
				t.Errorf("user01's update applied = %v, want %v", got, tc.updated)
			}
		})
	}
}

// TestEngineOutage: a directory that is down, a bind that fails (the
// locked service account of gitlab-ee#6054) and a base DN that does not
// exist fail the run and write nothing.
func TestEngineOutage(t *testing.T) {
	f := newADFixture(t, 5)
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	env.run(src, Options{}, store.SyncSucceeded)
	f.srv.Remove(f.users[0]) // a genuine leaver, which nobody may notice now
	before := env.versions(src)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "ldap://" + ln.Addr().String()
	ln.Close()
	wrongBase := src
	wrongBase.UserBaseDN = "OU=Nope," + f.srv.BaseDN()
	serverDown := src
	serverDown.URL = down

	for _, tc := range []struct {
		name   string
		src    Source
		inject *adtest.Fault
		reason string
	}{
		{"server down", serverDown, nil, "connecting to the directory"},
		{"bind failure", src, ptr(adtest.BindFailure()), "Invalid Credentials"},
		{"wrong base DN", wrongBase, nil, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.inject != nil {
				f.srv.Inject(*tc.inject)
			}
			run, err := env.eng.Run(env.ctx, env.org, tc.src, Options{})
			if err == nil || run.Status != store.SyncFailed || !strings.Contains(run.Error, tc.reason) {
				t.Fatalf("run = %+v, %v; want failed with %q", run, err, tc.reason)
			}
			if cs := env.changes(run.ID, ChangeDeactivate); len(cs) > 0 && cs[0].State != store.ChangeSkipped {
				t.Errorf("deactivations = %v", cs)
			}
			if !mapsEqual(before, env.versions(src)) {
				t.Error("a failed run changed users or teams")
			}
		})
	}
	// The scope fingerprint of "wrong base DN" differs: a preview was
	// forced and failed, and the real source still applies.
	run := env.run(src, Options{}, store.SyncSucceeded)
	if d := env.changes(run.ID, ChangeDeactivate); len(d) != 1 || d[0].Name != "user01" {
		t.Errorf("after the outage: deactivations %v", d)
	}

	// The configured base DN vanishes from the directory (same scope
	// fingerprint): noSuchObject, not "everyone left".
	f.srv.Remove(f.staff)
	run = env.run(src, Options{}, store.SyncFailed)
	if !strings.Contains(run.Error, "does not exist") {
		t.Errorf("run error %q", run.Error)
	}
	for name, u := range env.users(src) {
		if name != "user01" && !u.Active {
			t.Errorf("%s deactivated after the base DN vanished", name)
		}
	}
}

// TestEngineSizeLimitOnSlapd: the limited service account sees at most
// ldaptest.SizeLimit entries (result code 4, paged or not): the run
// creates what it read and deactivates nobody, not even a genuine leaver.
func TestEngineSizeLimitOnSlapd(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	dns := s.AddUsers(t, base, ldaptest.GenUsers("u", 100)...)
	env := newEngEnv(t)
	src := slapdSource(s, base)
	src.GroupBaseDN = ""
	src.BindDN, src.BindPasswordFile = s.ServiceDN, s.ServicePasswordFile
	env.run(src, Options{}, store.SyncSucceeded)

	root := s.Conn(t)
	for _, dn := range dns[:5] {
		if err := root.Del(ldap.NewDelRequest(dn, nil)); err != nil {
			t.Fatal(err)
		}
	}
	s.AddUsers(t, base, ldaptest.GenUsers("v", 100)...)
	run := env.run(src, Options{}, store.SyncFailed)
	if !strings.Contains(run.Error, "size limit") || run.Counts["users_read"] != s.SizeLimit {
		t.Errorf("run = %+v", run)
	}
	users := env.users(src)
	for _, u := range []string{"u00001", "u00005"} {
		if !users[u].Active {
			t.Errorf("%s deactivated by a truncated read", u)
		}
	}
	if len(users) != s.SizeLimit+5 { // 100 old (5 gone from the directory) + 55 new read
		t.Errorf("%d users, want %d", len(users), s.SizeLimit+5)
	}
}

// TestEngineADAccountState: the disabled bit and accountExpires make users
// inactive with their reason; re-enabled, the same user is active again;
// objectGUID is the identity across a move.
func TestEngineADAccountState(t *testing.T) {
	f := newADFixture(t, 3)
	past, future := time.Now().Add(-time.Hour), time.Now().Add(240*time.Hour)
	bobDN, carolDN, daveDN := "CN=Bob,"+f.staff, "CN=Carol,"+f.staff, "CN=Dave,"+f.staff
	bobGUID := f.srv.AddUser(adtest.User{DN: bobDN, SAMAccountName: "bob", Disabled: true})
	f.srv.AddUser(adtest.User{DN: carolDN, SAMAccountName: "carol", AccountExpires: adtest.FileTime(past)})
	f.srv.AddUser(adtest.User{DN: daveDN, SAMAccountName: "dave", AccountExpires: adtest.FileTime(future)})
	env := newEngEnv(t)
	src := adSource(t, f.srv)
	env.run(src, Options{}, store.SyncSucceeded)
	users := env.users(src)
	bob, carol, dave := users["bob"], users["carol"], users["dave"]
	if bob.Active || bob.InactiveReason != directory.ReasonDisabled || bob.SourceID != bobGUID.String() {
		t.Errorf("bob = active %v reason %q source id %q (GUID %s)", bob.Active, bob.InactiveReason, bob.SourceID, bobGUID)
	}
	if carol.Active || carol.InactiveReason != directory.ReasonExpired || !dave.Active {
		t.Errorf("carol = %v %q, dave = %v", carol.Active, carol.InactiveReason, dave.Active)
	}

	f.srv.SetDisabled(bobDN, false)
	f.srv.SetDisabled(f.users[0], true)
	f.srv.Move(daveDN, "CN=David,OU=Sales,"+f.staff)
	run := env.run(src, Options{}, store.SyncSucceeded)
	users = env.users(src)
	if u := users["bob"]; !u.Active || u.ID != bob.ID {
		t.Errorf("re-enabled bob = %+v", u)
	}
	if u := users["user01"]; u.Active || u.InactiveReason != directory.ReasonDisabled {
		t.Errorf("disabled user01: active %v reason %q", u.Active, u.InactiveReason)
	}
	if u := users["dave"]; u.ID != dave.ID || !u.Active {
		t.Errorf("moved dave = %+v", u)
	}
	if got := names(env.changes(run.ID, ChangeDeactivate, ChangeReactivate)); !slices.Equal(got, []string{"bob/applied", "user01/applied"}) {
		t.Errorf("lifecycle changes = %v", got)
	}
}
