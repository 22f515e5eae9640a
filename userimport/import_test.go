package userimport_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/internal/teststore"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/userimport"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is an organization on a fresh database and the import's actor.
type env struct {
	d     *directory.Service
	org   store.Org
	actor directory.Actor
}

func newEnv(t *testing.T, db string) env {
	t.Helper()
	ctx := context.Background()
	st := teststore.Open(t, db)
	d := directory.New(st)
	org, err := d.CreateOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return env{d: d, org: org, actor: directory.Actor{OrgID: org.ID, Source: directory.SourceImport, Name: "tester", Who: "import:tester"}}
}

// run imports file and returns the results in emitted order.
func (e env) run(t *testing.T, file string, dry bool) ([]userimport.Result, userimport.Summary) {
	t.Helper()
	var got []userimport.Result
	sum, err := userimport.Run(context.Background(), e.d, strings.NewReader(file),
		userimport.Options{Actor: e.actor, DryRun: dry}, func(r userimport.Result) error {
			got = append(got, r)
			return nil
		})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return got, sum
}

// user returns the live user named name.
func (e env) user(t *testing.T, name string) store.Resource {
	t.Helper()
	f := store.Compare{Attr: store.Attr{Column: store.ColName, Type: store.TypeString}, Op: store.OpEq, Value: name}
	page, err := e.d.Store().List(context.Background(), e.org.ID, store.KindUser, store.Query{Filter: f, Count: 1})
	if err != nil || len(page.Resources) != 1 {
		t.Fatalf("user %q: %v %v", name, page.Resources, err)
	}
	return page.Resources[0]
}

// team returns the live team named name.
func (e env) team(t *testing.T, name string) store.Resource {
	t.Helper()
	f := store.Compare{Attr: store.Attr{Column: store.ColName, Type: store.TypeString}, Op: store.OpEq, Value: name}
	page, err := e.d.Store().List(context.Background(), e.org.ID, store.KindGroup, store.Query{Filter: f, Count: 1})
	if err != nil || len(page.Resources) != 1 {
		t.Fatalf("team %q: %v %v", name, page.Resources, err)
	}
	return page.Resources[0]
}

func (e env) count(t *testing.T, kind store.Kind) int {
	t.Helper()
	page, err := e.d.Store().List(context.Background(), e.org.ID, kind, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}

func (e env) lastSeq(t *testing.T) int64 {
	t.Helper()
	n, err := e.d.Store().LastEventSeq(context.Background(), e.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// statuses renders results as "userName:status" in emitted order.
func statuses(rs []userimport.Result) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.UserName+":"+string(r.Status))
	}
	return strings.Join(out, " ")
}

func TestImportReport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		ctx := context.Background()
		scimTeam, err := e.d.Create(ctx, directory.Actor{OrgID: e.org.ID, Source: directory.SourceSCIM, Name: "okta"},
			store.Resource{Kind: store.KindGroup, Attrs: map[string]any{"displayName": "Okta Team"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.run(t, "userName,title\ncarol,Boss\ndave,Dev\n", false)
		file := "userName,givenName,title,active,teams\n" +
			"alice,Alice,Engineer,true,Engineering/Platform\n" + // created, with two new teams
			"carol,,Boss,,\n" + // unchanged
			"dave,,Lead,,\n" + // updated
			"erin,,,maybe,\n" + // rejected
			"frank,,,,Okta Team\n" // created, but the team is the identity provider's
		var buf bytes.Buffer
		rep, err := userimport.NewReport(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := userimport.Run(ctx, e.d, strings.NewReader(file), userimport.Options{Actor: e.actor}, rep.Write)
		if err != nil || rep.Flush() != nil {
			t.Fatal(err)
		}
		alice, dave, frank := e.user(t, "alice"), e.user(t, "dave"), e.user(t, "frank")
		want := "line,userName,id,result,reason,failed,notes\n" +
			"2,alice," + alice.ID + ",created,,,created team Engineering; created team Engineering/Platform\n" +
			"3,carol," + e.user(t, "carol").ID + ",unchanged,,,\n" +
			"4,dave," + dave.ID + ",updated,,,\n" +
			`5,erin,,rejected,"active ""maybe"": want true or false",,` + "\n" +
			"6,frank," + frank.ID + `,created,,team Okta Team: the team is managed by the identity provider (source scim); an import does not change its members,` + "\n"
		if buf.String() != want {
			t.Errorf("report:\n%s\nwant:\n%s", buf.String(), want)
		}
		if sum.String() != "5 rows: 2 created, 1 updated, 1 unchanged, 1 rejected; 1 incomplete (the user was written, a team or the manager was not)" || sum.OK() {
			t.Errorf("summary %q, OK %v", sum, sum.OK())
		}
		if dave.Attrs["title"] != "Lead" || alice.Attrs["name"].(map[string]any)["givenName"] != "Alice" {
			t.Errorf("dave %v, alice %v", dave.Attrs, alice.Attrs)
		}
		if ms, err := e.d.Store().Members(ctx, e.org.ID, []string{scimTeam.ID}); err != nil || len(ms[scimTeam.ID]) != 0 {
			t.Errorf("the identity provider's team got members: %v %v", ms, err)
		}
		// The events name the import and its user.
		evs, err := e.d.Store().Events(ctx, e.org.ID, store.EventQuery{ResourceID: alice.ID})
		if err != nil || len(evs) == 0 || evs[0].Actor != "import:tester" || evs[0].Type != directory.EventUserCreated {
			t.Errorf("alice's events: %+v %v", evs, err)
		}
	})
}

// TestImportDryRunWritesNothing: a dry run reports what it would do and
// writes no user, team or event.
func TestImportDryRunWritesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		e.run(t, "userName,title\ncarol,Boss\n", false)
		seq := e.lastSeq(t)
		file := "userName,title,manager,teams\n" +
			"bob,Dev,alice,Engineering/Platform\n" + // manager comes later
			"alice,Lead,carol,Engineering\n" +
			"carol,Chief,,Board\n" +
			"alice,Lead,carol,\n" // the file's earlier row creates her
		got, sum := e.run(t, file, true)
		// bob waits for his manager, so comes last.
		if s := statuses(got); s != "alice:created carol:updated alice:updated bob:created" {
			t.Errorf("dry run: %s", s)
		}
		if bob := got[3]; bob.Line != 2 || !strings.Contains(strings.Join(bob.Notes, ";"), "would create team Engineering/Platform") || len(bob.Failed) != 0 {
			t.Errorf("bob: %+v", bob)
		}
		if sum.Created != 2 || !sum.OK() {
			t.Errorf("summary %+v", sum)
		}
		if e.lastSeq(t) != seq || e.count(t, store.KindUser) != 1 || e.count(t, store.KindGroup) != 0 {
			t.Errorf("the dry run wrote: seq %d (was %d), %d users, %d teams", e.lastSeq(t), seq,
				e.count(t, store.KindUser), e.count(t, store.KindGroup))
		}
		if c := e.user(t, "carol"); c.Attrs["title"] != "Boss" || c.Version != 1 {
			t.Errorf("carol changed: %v", c.Attrs)
		}
	})
}

// TestImportTeamPaths: paths create teams and sub-teams; the user joins
// the last team directly; an existing team is never moved.
func TestImportTeamPaths(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		ctx := context.Background()
		got, _ := e.run(t, "userName,teams\nalice,Engineering/Platform;Sales\nbob,Engineering/Platform/SRE\n", false)
		if s := statuses(got); s != "alice:created bob:created" {
			t.Fatalf("import: %s %+v", s, got)
		}
		eng, plat, sales, sre := e.team(t, "Engineering"), e.team(t, "Platform"), e.team(t, "Sales"), e.team(t, "SRE")
		ms, err := e.d.Store().Members(ctx, e.org.ID, []string{eng.ID, plat.ID, sales.ID, sre.ID})
		if err != nil {
			t.Fatal(err)
		}
		alice, bob := e.user(t, "alice"), e.user(t, "bob")
		ids := func(list []store.Member) string {
			var out []string
			for _, m := range list {
				out = append(out, m.ID)
			}
			return strings.Join(out, ",")
		}
		if ids(ms[eng.ID]) != plat.ID || ids(ms[plat.ID]) != strings.Join(sortIDs(alice.ID, sre.ID), ",") ||
			ids(ms[sales.ID]) != alice.ID || ids(ms[sre.ID]) != bob.ID {
			t.Errorf("members: eng %v plat %v sales %v sre %v", ms[eng.ID], ms[plat.ID], ms[sales.ID], ms[sre.ID])
		}
		if eng.Source != directory.SourceImport {
			t.Errorf("team source %q", eng.Source)
		}
		// Again: nothing to do.
		seq := e.lastSeq(t)
		got, _ = e.run(t, "userName,teams\nalice,Engineering/Platform;Sales\n", false)
		if s := statuses(got); s != "alice:unchanged" || e.lastSeq(t) != seq {
			t.Errorf("re-import: %s, events %d -> %d", s, seq, e.lastSeq(t))
		}
		// A path that disagrees with where the team is: the user is
		// written, the placement reported.
		got, sum := e.run(t, "userName,title,teams\nalice,Dev,Sales/Platform;Sales\n", false)
		if s := statuses(got); s != "alice:updated" || sum.Incomplete != 1 ||
			strings.Join(got[0].Failed, ";") != `team Sales/Platform: team "Platform" is under "Engineering", not under "Sales"; an import does not move teams` {
			t.Errorf("conflicting path: %s %+v", s, got)
		}
		// A new user joining an existing team is "updated" once, then
		// "unchanged".
		got, _ = e.run(t, "userName,teams\nbob,Sales\n", false)
		again, _ := e.run(t, "userName,teams\nbob,Sales\n", false)
		if statuses(got) != "bob:updated" || statuses(again) != "bob:unchanged" {
			t.Errorf("join: %s then %s", statuses(got), statuses(again))
		}
	})
}

func sortIDs(ids ...string) []string {
	out := append([]string(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestImportBadRowsDoNotStopOthers: malformed rows are rejected one by one
// and every good row around them is written.
func TestImportBadRowsDoNotStopOthers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		file := "userName,email,active\n" +
			"ann,ann@example.com,true\n" +
			"bad\"quote,x,true\n" + // CSV syntax
			"short\n" + // too few fields
			",nobody@example.com,true\n" + // no userName
			"cat,cat@example.com,sometimes\n" + // bad boolean
			"archie,,,\n" + // too many fields
			",,\n" + // blank: skipped
			"ben,ben@example.com;ben@home.example.com,false\n"
		got, sum := e.run(t, file, false)
		want := []string{"ann:created", ":rejected", "short:rejected", ":rejected", "cat:rejected", "archie:rejected", "ben:created"}
		if s := statuses(got); s != strings.Join(want, " ") {
			t.Fatalf("statuses %s", s)
		}
		for i, reason := range []string{"", `bare " in non-quoted-field`, "the row has 1 fields, the header 3", "userName is empty",
			`active "sometimes"`, "the row has 4 fields", ""} {
			if !strings.Contains(got[i].Reason, reason) || (reason == "") != (got[i].Reason == "") {
				t.Errorf("row %d reason %q, want %q", i, got[i].Reason, reason)
			}
		}
		if got[1].Line != 3 || got[6].Line != 9 || sum.Rows != 7 || sum.Rejected != 5 {
			t.Errorf("lines %d %d, summary %+v", got[1].Line, got[6].Line, sum)
		}
		ben := e.user(t, "ben")
		emails := ben.Attrs["emails"].([]any)
		if ben.Active || len(emails) != 2 || emails[0].(map[string]any)["primary"] != true || e.count(t, store.KindUser) != 2 {
			t.Errorf("ben %+v, %d users", ben, e.count(t, store.KindUser))
		}
	})
}

// TestImportManagers: a manager is named by userName, before or after
// the row in the file; one nobody provides is reported.
func TestImportManagers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		file := "userName,manager\nbob,alice\nalice,\ncarl,alice\ndora,zed\n"
		got, sum := e.run(t, file, false)
		if s := statuses(got); s != "alice:created carl:created bob:created dora:created" {
			t.Errorf("order: %s", s)
		}
		alice := e.user(t, "alice")
		for _, n := range []string{"bob", "carl"} {
			if id := userimport.ManagerID(e.user(t, n).Attrs); id != alice.ID {
				t.Errorf("%s's manager %q, want %s", n, id, alice.ID)
			}
		}
		if sum.Incomplete != 1 || strings.Join(got[3].Failed, "") != `manager "zed": no such user` {
			t.Errorf("dora: %+v", got[3])
		}
		// Unchanged on a second run, the manager included.
		again, _ := e.run(t, file, false)
		if s := statuses(again); s != "bob:unchanged alice:unchanged carl:unchanged dora:unchanged" {
			t.Errorf("again: %s", s)
		}
	})
}

// TestImportMatchExternalID: matching by externalId renames a user.
func TestImportMatchExternalID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		e.run(t, "userName,externalId\nalice,E1\n", false)
		id := e.user(t, "alice").ID
		var got []userimport.Result
		_, err := userimport.Run(context.Background(), e.d, strings.NewReader("userName,externalId\nalice.smith,E1\nnoext,\n"),
			userimport.Options{Actor: e.actor, Match: userimport.MatchExternalID}, func(r userimport.Result) error {
				got = append(got, r)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if statuses(got) != "alice.smith:updated noext:rejected" || e.user(t, "alice.smith").ID != id {
			t.Errorf("%s %+v", statuses(got), got)
		}
		_, err = userimport.Run(context.Background(), e.d, strings.NewReader("userName,emial\n"),
			userimport.Options{Actor: e.actor, Match: userimport.MatchExternalID}, func(userimport.Result) error { return nil })
		if err == nil || !strings.Contains(err.Error(), `unknown column "emial"`) || !strings.Contains(err.Error(), "needs an externalId column") {
			t.Errorf("bad header: %v", err)
		}
	})
}

// TestImportInputErrors: a problem with the file itself is an
// *InputError naming it, and nothing is written; a failure to read the
// file is not the file's fault.
func TestImportInputErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		before := e.lastSeq(t)
		for _, c := range []struct {
			file, mention string
			match         userimport.Match
		}{
			{"", "the file is empty", ""},
			{"\n\n", "the file is empty", ""},
			{"userName,emial\nx,y\n", `unknown column "emial"`, ""},
			{"userName,title,Title\nx,y,z\n", `column "title" appears twice`, ""},
			{"title\nx\n", "the userName column is required", ""},
			{"userName\nx\n", "matching by externalId needs an externalId column", userimport.MatchExternalID},
			{"userName,\"title\nx,y\n", "reading the header", ""},
			{"user\"Name\nx\n", "reading the header", ""},
		} {
			sum, err := userimport.Run(context.Background(), e.d, strings.NewReader(c.file),
				userimport.Options{Actor: e.actor, Match: c.match}, func(userimport.Result) error { return nil })
			var ie *userimport.InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Error(), c.mention) || sum.Rows != 0 {
				t.Errorf("%q: %v (%T), %+v; want an InputError mentioning %q", c.file, err, err, sum, c.mention)
			}
			if pe := (*csv.ParseError)(nil); c.mention == "reading the header" && !errors.As(err, &pe) {
				t.Errorf("%q: %v does not wrap the parse error", c.file, err)
			}
		}
		if e.count(t, store.KindUser) != 0 || e.lastSeq(t) != before {
			t.Error("a bad file wrote something")
		}

		// A read error, before or after the header, is not an input error;
		// the rows read before it are written.
		for _, in := range []io.Reader{
			iotest.ErrReader(errBoom),
			io.MultiReader(strings.NewReader("userName\nann\n"), iotest.ErrReader(errBoom)),
		} {
			_, err := userimport.Run(context.Background(), e.d, in, userimport.Options{Actor: e.actor},
				func(userimport.Result) error { return nil })
			var ie *userimport.InputError
			if !errors.Is(err, errBoom) || errors.As(err, &ie) {
				t.Errorf("read error: %v", err)
			}
		}
		e.user(t, "ann")
	})
}

// TestImportStoppedEarly: an import stopped midway (Ctrl-C) reports the
// rows it wrote, those waiting for a manager included, and stops writing.
func TestImportStoppedEarly(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []userimport.Result
	sum, err := userimport.Run(ctx, e.d, strings.NewReader("userName,manager\nbob,alice\ncarl,\ndora,\nalice,\n"),
		userimport.Options{Actor: e.actor}, func(r userimport.Result) error {
			got = append(got, r)
			cancel() // after carl
			return nil
		})
	if !errors.Is(err, context.Canceled) || statuses(got) != "carl:created bob:created" || sum.Rows != 2 {
		t.Fatalf("%v %s %+v", err, statuses(got), sum)
	}
	if strings.Join(got[1].Failed, "") != `manager "alice": not set (the import stopped first)` || e.count(t, store.KindUser) != 2 {
		t.Errorf("bob: %+v; %d users", got[1], e.count(t, store.KindUser))
	}
}
