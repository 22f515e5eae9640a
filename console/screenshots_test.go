package console_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// screenshots writes the README's screenshots of the main pages as PNG
// files into the directory named by SCIMD_SCREENSHOTS (it is skipped
// otherwise, so CI writes nothing):
//
//	SCIMD_SCREENSHOTS=$PWD/docs/screenshots go test ./console -run TestBrowser/Screenshots
func screenshots(t *testing.T, browser context.Context) {
	dir := os.Getenv("SCIMD_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SCIMD_SCREENSHOTS to a directory to write the README's screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.liveIn(t)
	held, _ := e.heldRun(t)

	ctx := tab(t, browser)
	do(t, ctx, "sizing the window", chromedp.EmulateViewport(1280, 860))
	signIn(t, ctx, e, store.RoleOwner)
	shoot := func(name, path string, ready chromedp.Action[chromedp.Void], more ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		steps := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(e.srv.URL + path)}, more...)
		do(t, ctx, "opening "+path, append(steps, ready)...)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot of %s: %v", path, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shoot("dashboard", "/admin/", chromedp.WaitVisible(chromedp.CSS(".cards")))
	shoot("users", "/admin/users", chromedp.WaitVisible(chromedp.CSS("table.users")))
	shoot("user", "/admin/users/"+e.users["alice"].ID, chromedp.WaitVisible(chromedp.CSS("#history-section")))
	shoot("teams", "/admin/teams", chromedp.WaitVisible(chromedp.CSS(".tree")))
	shoot("sync-held", "/admin/sync", chromedp.WaitVisible(chromedp.CSS("#approve-"+held.ID)))

	csv := filepath.Join(t.TempDir(), "new-hires.csv")
	content := "userName,givenName,familyName,email,title,department,teams\n" +
		"ivy,Ivy,Ingram,ivy@acme.test,Data engineer,Data,Data/Analytics\n" +
		"jack,Jack,Jones,jack@acme.test,Account executive,Sales,Sales\n" +
		"alice,Alice,Archer,alice@acme.test,Principal engineer,Engineering,Engineering\n" +
		",No,Name,nobody@acme.test,,,\n"
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	shoot("import-report", "/admin/import", chromedp.WaitVisible(chromedp.CSS("#report-rows")),
		chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csv}),
		chromedp.Click(chromedp.CSS("#dry-run")))

	do(t, ctx, "sizing as a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	shoot("users-phone", "/admin/users", chromedp.WaitVisible(chromedp.CSS("table.users")))
}

// liveIn gives the organization a little history: a seat limit, a mover,
// a leaver, an archived user, a revoked token.
func (e *env) liveIn(t *testing.T) {
	t.Helper()
	if err := e.dir.SetPolicy(e.ctx, e.org.ID, store.Policy{SeatLimit: 25}); err != nil {
		t.Fatal(err)
	}
	okta := directory.Actor{OrgID: e.org.ID, Source: directory.SourceSCIM, Name: "okta", InactiveReason: directory.ReasonIdP}
	set := func(a directory.Actor, name string, fn func(doc map[string]any)) {
		if _, err := e.dir.Update(e.ctx, a, store.KindUser, e.users[name].ID, func(r *store.Resource) (*store.MemberChange, error) {
			fn(r.Attrs)
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	set(okta, "alice", func(d map[string]any) { d["title"] = "Principal engineer" })
	set(okta, "erin", func(d map[string]any) { d["active"] = false })
	admin := directory.AdminPrincipal{OrgID: e.org.ID, Email: admins[store.RoleOwner], Role: store.RoleOwner, AdminID: "x"}
	if err := e.dir.Archive(e.ctx, admin.Actor(), store.KindUser, e.users["grace"].ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.dir.CreateToken(e.ctx, e.org.ID, "okta-production"); err != nil {
		t.Fatal(err)
	}
}
