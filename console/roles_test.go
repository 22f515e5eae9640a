package console_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// writeCase is one form action: its setup returns the path, the form and
// a check that reports whether the action took effect.
type writeCase struct {
	name    string
	allowed []store.AdminRole
	setup   func(e *env) (path string, form url.Values, took func() bool)
}

var (
	usersRoles = []store.AdminRole{store.RoleOwner, store.RoleUserAdmin}
	ownerOnly  = []store.AdminRole{store.RoleOwner}
)

// system is how a test changes the directory behind the console.
func (e *env) system() directory.Actor {
	return directory.Actor{OrgID: e.org.ID, Source: directory.SourceAdmin, Name: "test"}
}

var writeCases = []writeCase{
	{"deactivate a user", usersRoles, func(e *env) (string, url.Values, func() bool) {
		return "/admin/users/" + e.users["alice"].ID + "/deactivate", url.Values{}, func() bool { return !e.user("alice").Active }
	}},
	{"archive a user", usersRoles, func(e *env) (string, url.Values, func() bool) {
		return "/admin/users/" + e.users["bob"].ID + "/archive", url.Values{}, func() bool { return e.user("bob").Archived != nil }
	}},
	{"restore a user", usersRoles, func(e *env) (string, url.Values, func() bool) {
		if err := e.dir.Archive(e.ctx, e.system(), store.KindUser, e.users["carol"].ID, nil); err != nil {
			e.t.Fatal(err)
		}
		return "/admin/users/" + e.users["carol"].ID + "/restore", url.Values{}, func() bool { return e.user("carol").Archived == nil }
	}},
	{"activate a user", usersRoles, func(e *env) (string, url.Values, func() bool) {
		if _, err := e.dir.Update(e.ctx, e.system(), store.KindUser, e.users["dave"].ID, func(r *store.Resource) (*store.MemberChange, error) {
			r.Attrs["active"] = false
			return nil, nil
		}); err != nil {
			e.t.Fatal(err)
		}
		return "/admin/users/" + e.users["dave"].ID + "/activate", url.Values{}, func() bool { return e.user("dave").Active }
	}},
	{"import a file", usersRoles, func(e *env) (string, url.Values, func() bool) {
		form := url.Values{"csv": {"userName,displayName\nzed,Zed Zimmer\n"}, "mode": {"apply"}, "match": {"userName"}}
		return "/admin/import", form, func() bool {
			p, err := e.st.List(e.ctx, e.org.ID, store.KindUser, store.Query{Filter: store.Compare{
				Attr: store.Attr{Column: store.ColName}, Op: store.OpEq, Value: "zed"}})
			return err == nil && p.Total == 1
		}
	}},
	{"reject a held sync run", usersRoles, func(e *env) (string, url.Values, func() bool) {
		run, _ := e.heldRun(e.t)
		return "/admin/sync/runs/" + run.ID + "/reject", url.Values{}, func() bool {
			r, err := e.st.SyncRun(e.ctx, e.org.ID, run.ID)
			return err == nil && r.Status == store.SyncRejected
		}
	}},
	{"run a sync now", usersRoles, func(e *env) (string, url.Values, func() bool) {
		// A source nobody answers: the run is recorded, and fails.
		pw := filepath.Join(e.t.TempDir(), "password")
		if err := os.WriteFile(pw, []byte("secret"), 0o600); err != nil {
			e.t.Fatal(err)
		}
		e.useSources(ldapsync.Source{Name: "down", URL: "ldap://127.0.0.1:1", Preset: ldapsync.PresetOpenLDAP,
			UserBaseDN: "ou=people,dc=acme,dc=test", BindDN: "cn=reader,dc=acme,dc=test", BindPasswordFile: pw})
		return "/admin/sync/run", url.Values{"source": {"down"}}, func() bool {
			runs, err := e.st.SyncRuns(e.ctx, e.org.ID, "down", 0)
			return err == nil && len(runs) > 0
		}
	}},
	{"create a token", ownerOnly, func(e *env) (string, url.Values, func() bool) {
		return "/admin/tokens", url.Values{"name": {"okta-prod"}, "scope": {"scim"}}, func() bool {
			ts, err := e.st.Tokens(e.ctx, e.org.ID)
			return err == nil && slices.ContainsFunc(ts, func(t store.Token) bool { return t.Name == "okta-prod" })
		}
	}},
	{"revoke a token", ownerOnly, func(e *env) (string, url.Values, func() bool) {
		_, tok, err := e.dir.CreateToken(e.ctx, e.org.ID, "entra")
		if err != nil {
			e.t.Fatal(err)
		}
		return "/admin/tokens/" + tok.ID + "/revoke", url.Values{}, func() bool {
			t, err := e.st.Token(e.ctx, tok.ID)
			return err == nil && t.Revoked != nil
		}
	}},
	{"disable a webhook", ownerOnly, func(e *env) (string, url.Values, func() bool) {
		h := store.Webhook{OrgID: e.org.ID, ID: directory.NewID(), URL: "https://hooks.acme.test/scimd",
			Secret: "a-signing-secret-of-enough-length", Format: "json", Enabled: true}
		if err := e.st.CreateWebhook(e.ctx, h); err != nil {
			e.t.Fatal(err)
		}
		return "/admin/webhooks/" + h.ID + "/disable", url.Values{}, func() bool {
			w, err := e.st.Webhook(e.ctx, e.org.ID, h.ID)
			return err == nil && !w.Enabled
		}
	}},
}

// TestFormActionsByRole: every form action for every role and signed
// out: allowed ones take effect; forbidden ones answer 403 (signed out: a
// redirect to the sign-in page) and change nothing, not even the audit
// trail.
func TestFormActionsByRole(t *testing.T) {
	for _, role := range []store.AdminRole{store.RoleOwner, store.RoleUserAdmin, store.RoleAuditor, ""} {
		name := string(role)
		if role == "" {
			name = "signed_out"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			cookie, csrf := "", ""
			if role != "" {
				cookie, csrf = e.session(role)
			}
			for _, c := range writeCases {
				path, form, took := c.setup(e)
				before := e.lastSeq()
				form.Set("csrf", csrf)
				status, loc, body := e.do(http.MethodPost, path, cookie, form)
				allowed := slices.Contains(c.allowed, role)
				switch {
				case allowed:
					if status != http.StatusSeeOther && status != http.StatusOK {
						t.Errorf("%s: status %d, want a redirect or a page; body %.300s", c.name, status, body)
					}
					if !took() {
						t.Errorf("%s: allowed for %s but did not take effect (status %d, location %q)", c.name, name, status, loc)
					}
				case role == "":
					if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/signin") {
						t.Errorf("%s signed out: status %d location %q, want 303 to the sign-in page", c.name, status, loc)
					}
				default:
					if status != http.StatusForbidden || !strings.Contains(body, "Nothing was changed") {
						t.Errorf("%s as %s: status %d, want 403 saying nothing changed; body %.300s", c.name, name, status, body)
					}
				}
				if !allowed {
					if took() {
						t.Errorf("%s: forbidden for %s but took effect", c.name, name)
					}
					if after := e.lastSeq(); after != before {
						t.Errorf("%s: forbidden for %s but the audit trail moved from %d to %d", c.name, name, before, after)
					}
				}
			}
		})
	}
}

// TestFormActionsNeedCSRF: an owner's form post without the session's
// CSRF token, or with another, is refused and changes nothing.
func TestFormActionsNeedCSRF(t *testing.T) {
	for _, wrong := range []bool{false, true} {
		e := newEnv(t)
		cookie, csrf := e.session(store.RoleOwner)
		tok := ""
		if wrong {
			tok = "x" + csrf
		}
		for _, c := range writeCases {
			path, form, took := c.setup(e)
			before := e.lastSeq()
			form.Set("csrf", tok)
			status, _, body := e.do(http.MethodPost, path, cookie, form)
			if status != http.StatusForbidden || !strings.Contains(body, "form expired") {
				t.Errorf("%s with csrf %q: status %d; body %.200s", c.name, tok, status, body)
			}
			if took() || e.lastSeq() != before {
				t.Errorf("%s with csrf %q took effect", c.name, tok)
			}
		}
	}
}

// pages are every page of the console.
func pages(e *env) []string {
	return []string{"/admin/", "/admin/users", "/admin/users?q=ali&status=active", "/admin/users?source=scim&team=" + e.teams["Engineering"].ID,
		"/admin/users?status=archived", "/admin/users/" + e.users["alice"].ID, "/admin/teams", "/admin/teams/" + e.teams["Platform"].ID,
		"/admin/sync", "/admin/import", "/admin/tokens", "/admin/webhooks", "/admin/audit", "/admin/audit?type=leaver"}
}

// TestPagesByRole: every role reads every page, with the write buttons of
// its role only; signed out, every page sends to the sign-in page.
func TestPagesByRole(t *testing.T) {
	e := newEnv(t)
	run := store.SyncRun{OrgID: e.org.ID, ID: directory.NewID(), Source: "corp", Trigger: "schedule", Status: store.SyncHeld,
		Error: "3 deactivations exceed the threshold of 2"}
	if err := e.st.CreateSyncRun(e.ctx, run); err != nil {
		t.Fatal(err)
	}
	// What each role must see (true) or not (false) on a page.
	buttons := []struct {
		page, marker string
		roles        []store.AdminRole
	}{
		{"/admin/users/" + e.users["alice"].ID, "/deactivate\"", usersRoles},
		{"/admin/sync", "/approve\"", usersRoles},
		{"/admin/import", `enctype="multipart/form-data"`, usersRoles},
		{"/admin/tokens", `id="create-token"`, ownerOnly},
	}
	for _, role := range []store.AdminRole{store.RoleOwner, store.RoleUserAdmin, store.RoleAuditor} {
		cookie, _ := e.session(role)
		for _, p := range pages(e) {
			status, _, body := e.do(http.MethodGet, p, cookie, nil)
			if status != http.StatusOK || !strings.Contains(body, "</main>") {
				t.Errorf("%s GET %s: status %d; body %.300s", role, p, status, body)
			}
		}
		for _, b := range buttons {
			_, _, body := e.do(http.MethodGet, b.page, cookie, nil)
			if want := slices.Contains(b.roles, role); strings.Contains(body, b.marker) != want {
				t.Errorf("%s on %s: shows %s = %v, want %v", role, b.page, b.marker, !want, want)
			}
		}
	}
	for _, p := range pages(e) {
		status, loc, _ := e.do(http.MethodGet, p, "", nil)
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/signin") {
			t.Errorf("signed out GET %s: status %d location %q", p, status, loc)
		}
	}
}

// TestOtherOrganization: an admin reaches nothing of another
// organization, by page or by form.
func TestOtherOrganization(t *testing.T) {
	e := newEnv(t)
	other, err := e.dir.CreateOrg(e.ctx, "globex")
	if err != nil {
		t.Fatal(err)
	}
	a := directory.Actor{OrgID: other.ID, Source: directory.SourceSCIM, Name: "okta"}
	u, err := e.dir.Create(e.ctx, a, store.Resource{Kind: store.KindUser, Attrs: map[string]any{"userName": "mallory"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cookie, csrf := e.session(store.RoleOwner)
	if status, _, _ := e.do(http.MethodGet, "/admin/users/"+u.ID, cookie, nil); status != http.StatusNotFound {
		t.Errorf("another organization's user page: status %d", status)
	}
	e.do(http.MethodPost, "/admin/users/"+u.ID+"/deactivate", cookie, url.Values{"csrf": {csrf}})
	if r, err := e.st.Get(e.ctx, other.ID, store.KindUser, u.ID); err != nil || !r.Active {
		t.Errorf("another organization's user was deactivated (%v)", err)
	}
}

// TestTokenShownOnce: a new token's plaintext is on the answer to its
// creation only, and it works.
func TestTokenShownOnce(t *testing.T) {
	e := newEnv(t)
	cookie, csrf := e.session(store.RoleOwner)
	status, _, body := e.do(http.MethodPost, "/admin/tokens", cookie,
		url.Values{"csrf": {csrf}, "name": {"reporting"}, "scope": {"admin"}, "role": {"auditor"}})
	m := regexp.MustCompile(`value="(scimd_[^"]+)"`).FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("creating a token: status %d, no plaintext in %.500s", status, body)
	}
	p, err := e.dir.AdminToken(e.ctx, m[1])
	if err != nil || p.Role != store.RoleAuditor || p.TokenName != "reporting" {
		t.Errorf("the token shown is %+v (%v)", p, err)
	}
	if _, _, again := e.do(http.MethodGet, "/admin/tokens", cookie, nil); strings.Contains(again, m[1]) ||
		!strings.Contains(again, "reporting") {
		t.Error("the tokens page shows the plaintext again, or not the token")
	}
}
