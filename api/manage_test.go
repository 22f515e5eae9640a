package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// TestTokens: a created token is answered once and works at once (a SCIM
// token on SCIM, an admin token with its role here); the list never shows
// secrets; revoking stops it; another organization's token is not found.
func TestTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		e := newEnv(t, dbURL)
		o, owner := e.acme, bearer(e.acme.admin)
		var scimTok, audTok struct {
			ID, Name, Scope, Role, Token string
		}
		e.ok(t, owner, "POST", "/tokens", `{"name":"entra"}`, 201, &scimTok)
		e.ok(t, owner, "POST", "/tokens", `{"name":"report script","scope":"admin","role":"auditor"}`, 201, &audTok)
		if scimTok.Scope != "scim" || scimTok.Role != "" || !strings.HasPrefix(scimTok.Token, "scimd_") ||
			audTok.Scope != "admin" || audTok.Role != "auditor" {
			t.Errorf("created %+v and %+v", scimTok, audTok)
		}
		e.scimCall(t, org{scim: scimTok.Token}, "GET", "/Users", "", 200)
		e.ok(t, bearer(audTok.Token), "GET", "/users", "", 200, nil)
		code, m, h := e.api(t, bearer(audTok.Token), "POST", "/tokens", `{"name":"escalate","scope":"admin","role":"owner"}`)
		wantErr(t, "an auditor token creating a token", code, m, h, 403, "auditor")

		code, raw, _ := e.do(t, bearer(o.auditor), "GET", "/api/v1/tokens", "", "")
		wantStatus(t, "list", code, raw, 200)
		if strings.Contains(string(raw), scimTok.Token[len("scimd_"+scimTok.ID+"_"):]) || !strings.Contains(string(raw), `"entra"`) {
			t.Errorf("token list %s", raw)
		}
		e.ok(t, owner, "DELETE", "/tokens/"+scimTok.ID, "", 204, nil)
		e.ok(t, owner, "DELETE", "/tokens/"+scimTok.ID, "", 204, nil) // again: no error
		e.scimCall(t, org{scim: scimTok.Token}, "GET", "/Users", "", 401)
		var list struct {
			Tokens []struct{ ID, Revoked *string }
		}
		e.ok(t, owner, "GET", "/tokens", "", 200, &list)
		revoked := 0
		for _, tk := range list.Tokens {
			if tk.Revoked != nil {
				revoked++
			}
		}
		if len(list.Tokens) != 6 || revoked != 1 {
			t.Errorf("%d tokens, %d revoked; want 6 and 1", len(list.Tokens), revoked)
		}

		globex := e.newOrg(t, "globex")
		theirs, err := e.st.Tokens(context.Background(), globex.id)
		if err != nil || len(theirs) == 0 {
			t.Fatal(err)
		}
		before := e.snapshot(t, globex.id)
		code, m, h = e.api(t, owner, "DELETE", "/tokens/"+theirs[0].ID, "")
		wantErr(t, "another organization's token", code, m, h, 404, theirs[0].ID)
		if e.snapshot(t, globex.id) != before {
			t.Errorf("revoking another organization's token changed it")
		}
		for _, c := range []struct{ body, mention string }{
			{`{"name":""}`, "name"},
			{`{"name":"x","scope":"root"}`, "scim or admin"},
			{`{"name":"x","scope":"admin"}`, "role"},
			{`{"name":"x","scope":"admin","role":"god"}`, "god"},
			{`{"name":"x","role":"auditor"}`, "SCIM token has no role"},
		} {
			code, m, h := e.api(t, owner, "POST", "/tokens", c.body)
			wantErr(t, c.body, code, m, h, 400, c.mention)
		}
	})
}

// TestSync: over the real engine and slapd, the sources with their last
// and held runs; running a source (dry run or not) answers its run; a
// held run shows its exact changes and can be approved or rejected once;
// a source running elsewhere is 409; errors are clear; the admin is
// named in the log.
func TestSync(t *testing.T) {
	e := newSyncEnv(t, testdb.SQLite(t), 5)
	o, ua := e.acme, bearer(e.acme.userAdmin)
	var run struct{ ID, Status, Source, Trigger string }
	e.ok(t, ua, "POST", "/sync/sources/corp/run", `{"dry_run":true}`, 200, &run)
	if run.Status != "dry_run" || run.Source != "corp" || run.Trigger != "manual" {
		t.Errorf("dry run %+v", run)
	}
	e.ok(t, ua, "POST", "/sync/sources/corp/run", "", 200, &run)
	if run.Status != "succeeded" {
		t.Errorf("run %+v", run)
	}
	held, leavers := mkHeld(t, e, 3)
	var sources struct {
		Sources []struct {
			Name, Schedule   string
			LastRun, HeldRun *struct{ ID, Status string }
			LastSuccess      *string
		}
	}
	e.ok(t, bearer(o.auditor), "GET", "/sync/sources", "", 200, &sources)
	if len(sources.Sources) != 1 || sources.Sources[0].Schedule != "@hourly" || sources.Sources[0].LastRun == nil ||
		sources.Sources[0].LastRun.ID != held || sources.Sources[0].HeldRun == nil || sources.Sources[0].HeldRun.ID != held ||
		sources.Sources[0].LastSuccess == nil {
		t.Errorf("sources %+v", sources)
	}
	var detail struct {
		ID, Status string
		Counts     map[string]int
		Changes    []struct {
			Seq               int
			Kind, State, Name string
		}
	}
	e.ok(t, bearer(o.auditor), "GET", "/sync/runs/"+held+"?state=held", "", 200, &detail)
	var names []string
	for _, c := range detail.Changes {
		if c.Kind == "deactivate" && c.State == "held" {
			names = append(names, c.Name)
		}
	}
	if detail.Status != "held" || detail.Counts["held"] != 3 || !sameSet(names, leavers) {
		t.Errorf("held run %+v, want the deactivations of %v", detail, leavers)
	}

	unlock, ok, err := e.st.TryLock(context.Background(), ldapsync.LockKey(o.id, "corp"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	code, m, h := e.api(t, ua, "POST", "/sync/runs/"+held+"/approve", "")
	wantErr(t, "approve under another's lock", code, m, h, 409, "under way")
	code, m, h = e.api(t, ua, "POST", "/sync/sources/corp/run", "")
	wantErr(t, "run under another's lock", code, m, h, 409, "running already")
	unlock()

	e.ok(t, ua, "POST", "/sync/runs/"+held+"/approve", "", 200, &run)
	if run.Status != "approved" {
		t.Errorf("approved: %+v", run)
	}
	e.ok(t, bearer(o.auditor), "GET", "/sync/runs/"+held+"?state=applied", "", 200, &detail)
	if len(detail.Changes) != 3 {
		t.Errorf("applied changes %+v", detail.Changes)
	}
	code, m, h = e.api(t, ua, "POST", "/sync/runs/"+held+"/reject", "")
	wantErr(t, "reject an approved run", code, m, h, 409, "only a held run")
	code, m, h = e.api(t, ua, "POST", "/sync/sources/hr/run", "")
	wantErr(t, "unknown source", code, m, h, 404, `"hr"`)
	code, m, h = e.api(t, ua, "POST", "/sync/runs/nope/approve", "")
	wantErr(t, "unknown run", code, m, h, 404, "nope")
	code, m, h = e.api(t, ua, "POST", "/sync/sources/corp/run", `{"dry_run":"yes"}`)
	wantErr(t, "dry_run as a string", code, m, h, 400, "dry_run")
	for _, want := range []string{"dry_run=true by=token:helpdesk", "dry_run=false by=token:helpdesk",
		"approved by an admin\" org=acme source=corp run=" + held + " by=token:helpdesk"} {
		if !strings.Contains(e.syncLog.String(), want) {
			t.Errorf("no %q in the sync log:\n%s", want, e.syncLog.String())
		}
	}
	var runs struct{ Runs []struct{ ID string } }
	e.ok(t, bearer(o.auditor), "GET", "/sync/runs?source=corp&limit=2", "", 200, &runs)
	if len(runs.Runs) != 2 || runs.Runs[0].ID != held {
		t.Errorf("runs %+v", runs)
	}
	globex := e.newOrg(t, "globex")
	var none struct{ Sources []any }
	e.ok(t, bearer(globex.auditor), "GET", "/sync/sources", "", 200, &none)
	if len(none.Sources) != 0 {
		t.Errorf("an organization without sources lists %v", none.Sources)
	}
	code, m, h = e.api(t, bearer(globex.admin), "POST", "/sync/sources/corp/run", "")
	wantErr(t, "another organization's source", code, m, h, 404, `"corp"`)
	code, m, h = e.api(t, bearer(globex.admin), "GET", "/sync/runs/"+held, "")
	wantErr(t, "another organization's run", code, m, h, 404, held)
	code, m, h = e.api(t, bearer(globex.admin), "POST", "/sync/runs/"+held+"/approve", "")
	wantErr(t, "approving another organization's run", code, m, h, 404, held)
}

// TestWebhooksAPI: a webhook is created with its secret shown once (never
// listed), validated, disabled, and deleted; its delivery state is shown.
func TestWebhooksAPI(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o, owner := e.acme, bearer(e.acme.admin)
	e.mkUser(t, o.id, "ada@acme.test", true)
	var created struct {
		ID, URL, Format, Secret string
		Events                  []string
		Enabled                 bool
	}
	e.ok(t, owner, "POST", "/webhooks", `{"url":"https://hr.example.test/in","events":["joiner","leaver"],"format":"set"}`, 201, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || created.Format != "set" || !created.Enabled || len(created.Events) != 2 {
		t.Errorf("created %+v", created)
	}
	var own struct{ Secret string }
	e.ok(t, owner, "POST", "/webhooks", `{"url":"https://hr.example.test/two","secret":"my own long secret value"}`, 201, &own)
	if own.Secret != "" {
		t.Errorf("a given secret was echoed: %q", own.Secret)
	}
	code, raw, _ := e.do(t, bearer(o.auditor), "GET", "/api/v1/webhooks", "", "")
	if wantStatus(t, "list", code, raw, 200) && (strings.Contains(string(raw), created.Secret) || strings.Contains(string(raw), "my own long")) {
		t.Errorf("the list shows a secret: %s", raw)
	}
	var status struct {
		Webhooks []struct {
			ID                         string
			Cursor, LatestSeq, Backlog int64
			Enabled                    bool
		}
	}
	e.ok(t, bearer(o.auditor), "GET", "/webhooks/status", "", 200, &status)
	if len(status.Webhooks) != 2 || status.Webhooks[0].LatestSeq != 1 || status.Webhooks[0].Cursor != 1 || status.Webhooks[0].Backlog != 0 {
		t.Errorf("status %+v", status)
	}
	e.ok(t, owner, "PATCH", "/webhooks/"+created.ID, `{"enabled":false}`, 200, &created)
	if created.Enabled {
		t.Errorf("still enabled")
	}
	e.ok(t, owner, "DELETE", "/webhooks/"+created.ID, "", 204, nil)
	code, m, h := e.api(t, owner, "DELETE", "/webhooks/"+created.ID, "")
	wantErr(t, "delete twice", code, m, h, 404, created.ID)
	for _, c := range []struct{ body, mention string }{
		{`{"url":"ftp://x.test/"}`, "http"},
		{`{"url":"https://u:p@x.test/"}`, "credentials"},
		{`{"url":"https://x.test/","events":["user.exploded"]}`, "user.exploded"},
		{`{"url":"https://x.test/","format":"xml"}`, "xml"},
		{`{"url":"https://x.test/","secret":"short"}`, "secret"},
	} {
		code, m, h := e.api(t, owner, "POST", "/webhooks", c.body)
		wantErr(t, c.body, code, m, h, 400, c.mention)
	}
	globex := e.newOrg(t, "globex")
	code, m, h = e.api(t, bearer(globex.admin), "PATCH", "/webhooks/"+status.Webhooks[1].ID, `{"enabled":false}`)
	wantErr(t, "another organization's webhook", code, m, h, 404, status.Webhooks[1].ID)
}

// TestSettings: the policy reads with its defaults spelled out and the
// seats in use; an owner replaces it (every problem reported at once);
// the new seat limit holds at once.
func TestSettings(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o, owner := e.acme, bearer(e.acme.admin)
	e.mkUser(t, o.id, "ada@acme.test", true)
	off := e.mkUser(t, o.id, "bob@acme.test", false)
	e.mkUser(t, o.id, "guest@acme.test", true, "userType", "External")
	type settings struct {
		Policy struct {
			SeatLimit         int
			DeleteMode        string
			ExternalUserTypes []string
			RetentionDays     int
			Roles             []struct{ Value string }
		}
		SeatsUsed int
	}
	var s settings
	e.ok(t, bearer(o.auditor), "GET", "/settings", "", 200, &s)
	if s.SeatsUsed != 1 || s.Policy.DeleteMode != "archive" || s.Policy.RetentionDays != 90 ||
		fmt.Sprint(s.Policy.ExternalUserTypes) != "[External]" || s.Policy.Roles == nil {
		t.Errorf("default settings %+v", s)
	}
	e.ok(t, owner, "PUT", "/settings", `{"policy":{"seatLimit":1,"deleteMode":"deactivate","retentionDays":30,
		"roles":[{"value":"Engineer"}]}}`, 200, &s)
	if s.Policy.SeatLimit != 1 || s.Policy.DeleteMode != "deactivate" || s.Policy.RetentionDays != 30 || len(s.Policy.Roles) != 1 {
		t.Errorf("set settings %+v", s)
	}
	pol, err := e.st.Policy(context.Background(), o.id)
	if err != nil || pol.SeatLimit != 1 || pol.DeleteMode != "deactivate" {
		t.Errorf("stored policy %+v (%v)", pol, err)
	}
	code, m, h := e.api(t, owner, "POST", "/users/"+off+"/activate", "")
	wantErr(t, "activation past the new limit", code, m, h, 403, "seat limit")
	before := e.snapshot(t, o.id)
	code, m, h = e.api(t, owner, "PUT", "/settings",
		`{"policy":{"seatLimit":-1,"deleteMode":"shred","roles":[{"value":"A"},{"value":"a"}]}}`)
	wantErr(t, "a bad policy", code, m, h, 400, "seatLimit", "deleteMode", "listed twice")
	code, m, h = e.api(t, owner, "PUT", "/settings", `{"seatLimit":3}`)
	wantErr(t, "no policy object", code, m, h, 400, "seatLimit")
	if e.snapshot(t, o.id) != before {
		t.Errorf("a refused policy was stored")
	}
}

// TestAdmins: owners add and change admins; the directory's rules hold
// (nobody changes their own standing, the organization keeps an owner,
// emails are unique); anyone sets their own password, only an owner
// someone else's.
func TestAdmins(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	o := e.acme
	me := e.mkAdmin(t, o.id, "owner@acme.test", store.RoleOwner, true)
	aud := e.mkAdmin(t, o.id, "aud@acme.test", store.RoleAuditor, true)
	s := e.signIn(t, "acme", "owner@acme.test")
	var a struct {
		ID, Email, Role string
		Disabled        bool
		HasPassword     bool
	}
	e.ok(t, s, "POST", "/admins", `{"email":"New@Acme.test","name":"New","role":"user_admin","password":"long enough password"}`, 201, &a)
	if a.Email != "New@Acme.test" || a.Role != "user_admin" || !a.HasPassword {
		t.Errorf("created %+v", a)
	}
	code, m, h := e.api(t, s, "POST", "/admins", `{"email":"new@acme.test","role":"auditor"}`)
	wantErr(t, "a taken email", code, m, h, 409, "exists already")
	code, m, h = e.api(t, s, "POST", "/admins", `{"email":"x@acme.test","role":"emperor"}`)
	wantErr(t, "an unknown role", code, m, h, 400, "emperor")
	code, m, h = e.api(t, s, "POST", "/admins", `{"email":"x@acme.test","role":"auditor","password":"short"}`)
	wantErr(t, "a short password", code, m, h, 400, "12 characters")
	e.ok(t, s, "PATCH", "/admins/"+a.ID, `{"role":"owner","disabled":true}`, 200, &a)
	if a.Role != "owner" || !a.Disabled {
		t.Errorf("patched %+v", a)
	}
	code, m, h = e.api(t, s, "PATCH", "/admins/"+me.ID, `{"role":"auditor"}`)
	wantErr(t, "demoting oneself", code, m, h, 403, "yourself")
	code, m, h = e.api(t, s, "PATCH", "/admins/"+me.ID, `{}`)
	wantErr(t, "an empty patch", code, m, h, 400, "role, disabled")
	code, m, h = e.api(t, s, "PATCH", "/admins/nope", `{"disabled":true}`)
	wantErr(t, "an unknown admin", code, m, h, 404, "nope")

	as := e.signIn(t, "acme", "aud@acme.test")
	e.ok(t, as, "POST", "/admins/"+aud.ID+"/password", `{"password":"my new password is long"}`, 204, nil)
	code, m, h = e.api(t, as, "GET", "/me", "")
	wantErr(t, "the session after a new password", code, m, h, 401, "session has ended")
	code, raw, _ := e.do(t, cred{}, "POST", "/api/v1/session", "application/json",
		`{"org":"acme","email":"aud@acme.test","password":"my new password is long"}`)
	wantStatus(t, "sign-in with the new password", code, raw, 200)
	code, m, h = e.api(t, bearer(o.auditor), "POST", "/admins/"+me.ID+"/password", `{"password":"taking over the owner"}`)
	wantErr(t, "an auditor setting another's password", code, m, h, 403, "auditor")
	e.ok(t, s, "POST", "/admins/"+aud.ID+"/password", `{"password":"reset by the owner now"}`, 204, nil)

	var list struct{ Admins []struct{ Email string } }
	e.ok(t, bearer(o.auditor), "GET", "/admins", "", 200, &list)
	if len(list.Admins) != 3 {
		t.Errorf("admins %+v", list.Admins)
	}
}
