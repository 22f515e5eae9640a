package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/scimd/scimd/store"
)

// The console in a real browser: Debian's chromium, headless, driven by
// chromedp. One browser serves every test of this file (TestBrowser's
// subtests), each in a fresh incognito-like browser context against its
// own server and database. Without chromium the tests skip, except when
// the environment variable CI is "true", where that is a failure.

// chromiumPath finds the browser.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts headless chromium for the test and returns its
// browser context; it stops when the test ends.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	switch {
	case path == "" && os.Getenv("CI") == "true":
		t.Fatal("browser tests skipped in CI: chromium is not installed (apt-get install chromium)")
	case path == "":
		t.Skip("chromium is not installed: browser tests skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first call starts the browser for the context's whole life: it
	// must not carry a deadline of its own.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return browser
}

// tab opens a tab in a fresh browser context (its own cookies), bounded
// by a deadline, closed when the test ends. The test fails if the page
// logs an error or an exception to the browser's console (a request the
// Content-Security-Policy blocks, a missing file).
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(tctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	var mu sync.Mutex
	var problems []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				problems = append(problems, m.Text)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 {
			t.Errorf("the browser's console logged errors: %q", problems)
		}
	})
	return ctx
}

// do runs browser steps and fails the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text reads the visible text of the first element a selector matches.
func text[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %v: %v", sel, err)
	}
	return s
}

// signIn signs an admin in through the form, with the keyboard.
func signIn(t *testing.T, ctx context.Context, e *env, role store.AdminRole) {
	t.Helper()
	do(t, ctx, "signing in",
		chromedp.Navigate(e.srv.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), admins[role]),
		chromedp.SendKeys(chromedp.CSS("#password"), password+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Main"]`)),
	)
	if got := text(t, ctx, chromedp.CSS(".flash")); !strings.Contains(got, "Signed in as "+admins[role]) {
		t.Fatalf("after sign-in the page says %q", got)
	}
	if got := text(t, ctx, chromedp.CSS("h1")); got != "Users" { // back to the page asked for
		t.Fatalf("after sign-in the page is %q, want the users page", got)
	}
}

func TestBrowser(t *testing.T) {
	browser := startBrowser(t)
	t.Run("FindDeactivateArchiveRestore", func(t *testing.T) { testLifecycle(t, browser) })
	t.Run("TeamTree", func(t *testing.T) { testTeamTree(t, browser) })
	t.Run("ApproveHeldRun", func(t *testing.T) { testApproveHeldRun(t, browser) })
	t.Run("ImportCSV", func(t *testing.T) { testImport(t, browser) })
	t.Run("Auditor", func(t *testing.T) { testAuditor(t, browser) })
	t.Run("Screenshots", func(t *testing.T) { screenshots(t, browser) })
}

// testLifecycle: sign in, find a user by searching, deactivate, archive,
// restore and activate again, and read it all in the user's history.
func testLifecycle(t *testing.T, browser context.Context) {
	e := newEnv(t)
	ctx := tab(t, browser)
	signIn(t, ctx, e, store.RoleUserAdmin)
	do(t, ctx, "searching",
		chromedp.SendKeys(chromedp.CSS("#q"), "hoffm"+kb.Enter),
		chromedp.WaitVisible(`//p[@id="result-count"][contains(., "of 1 users")]`),
		chromedp.Click(`//table//a[text()="Heidi Hoffmann"]`),
		chromedp.WaitVisible(chromedp.CSS("#deactivate")),
	)
	heidi := func() store.Resource { return e.user("heidi") }
	steps := []struct {
		button, next, flash string
		check               func(store.Resource) bool
	}{
		{"#deactivate", "#activate", "The user was deactivated.", func(u store.Resource) bool { return !u.Active && u.InactiveReason == "admin" }},
		{"#archive", "#restore", "The user was archived", func(u store.Resource) bool { return u.Archived != nil }},
		{"#restore", "#activate", "The user was restored.", func(u store.Resource) bool { return u.Archived == nil && !u.Active }},
		{"#activate", "#deactivate", "The user was activated.", func(u store.Resource) bool { return u.Active }},
	}
	for _, s := range steps {
		do(t, ctx, "pressing "+s.button, chromedp.Click(chromedp.CSS(s.button)), chromedp.WaitVisible(chromedp.CSS(s.next)))
		if got := text(t, ctx, chromedp.CSS(".flash.ok")); !strings.Contains(got, s.flash) {
			t.Errorf("after %s the page says %q, want %q", s.button, got, s.flash)
		}
		if !s.check(heidi()) {
			t.Errorf("after %s the user is %+v", s.button, heidi())
		}
	}
	history := text(t, ctx, chromedp.CSS("#history-section"))
	for _, ev := range []string{"user.deactivated", "user.archived", "user.restored", "user.activated", "admin:" + admins[store.RoleUserAdmin]} {
		if !strings.Contains(history, ev) {
			t.Errorf("the history does not show %s:\n%s", ev, history)
		}
	}
}

// testTeamTree: from the tree to a team, then to its sub-team and its
// members.
func testTeamTree(t *testing.T, browser context.Context) {
	e := newEnv(t)
	ctx := tab(t, browser)
	signIn(t, ctx, e, store.RoleAuditor)
	do(t, ctx, "browsing the tree",
		chromedp.Click(`//nav[@aria-label="Main"]//a[text()="Teams"]`),
		chromedp.WaitVisible(chromedp.CSS(".tree")),
	)
	tree := text(t, ctx, chromedp.CSS(".tree"))
	for _, name := range []string{"Engineering", "Platform", "Databases", "Frontend", "Sales", "Support"} {
		if !strings.Contains(tree, name) {
			t.Errorf("the tree does not show %s:\n%s", name, tree)
		}
	}
	do(t, ctx, "opening a team and its sub-team",
		chromedp.Click(`//div[@class="tree"]//a[text()="Engineering"]`),
		chromedp.WaitVisible(`//h1[text()="Engineering"]`),
		chromedp.Click(`//ul[@id="subteam-list"]//a[text()="Platform"]`),
		chromedp.WaitVisible(`//h1[text()="Platform"]`),
	)
	if got := text(t, ctx, chromedp.CSS(".crumbs")); !strings.Contains(got, "Teams") || !strings.Contains(got, "Engineering") {
		t.Errorf("breadcrumb %q", got)
	}
	if got := text(t, ctx, chromedp.CSS("#subteam-list")); !strings.Contains(got, "Databases") {
		t.Errorf("sub-teams of Platform: %q", got)
	}
	if got := text(t, ctx, chromedp.CSS("#member-list")); !strings.Contains(got, "Frank Fischer") {
		t.Errorf("members of Platform: %q", got)
	}
	if got := text(t, ctx, chromedp.CSS(".head .sub")); !strings.Contains(got, "2 users in all") {
		t.Errorf("Platform's summary %q, want 2 users with its sub-team", got)
	}
}

// testApproveHeldRun: a real sync run held for approval is approved from
// the sync page; its deactivations are applied.
func testApproveHeldRun(t *testing.T, browser context.Context) {
	e := newEnv(t)
	held, leavers := e.heldRun(t)
	ctx := tab(t, browser)
	signIn(t, ctx, e, store.RoleUserAdmin)
	do(t, ctx, "finding the held run on the dashboard",
		chromedp.Click(`//nav[@aria-label="Main"]//a[text()="Dashboard"]`),
		chromedp.WaitVisible(chromedp.CSS(".tasks")),
	)
	if got := text(t, ctx, chromedp.CSS(".tasks")); !strings.Contains(got, "run of corp waits for approval") ||
		!strings.Contains(got, held.ID[len(held.ID)-8:]) {
		t.Errorf("pending tasks %q do not name the held run", got)
	}
	approve := chromedp.CSS("#approve-" + held.ID)
	do(t, ctx, "opening the sync page", chromedp.Click(`//nav[@aria-label="Main"]//a[text()="Sync"]`), chromedp.WaitVisible(approve))
	changes := text(t, ctx, chromedp.CSS(".held-run"))
	for _, name := range leavers {
		if !strings.Contains(changes, name) {
			t.Errorf("the held changes do not list %s:\n%s", name, changes)
		}
	}
	do(t, ctx, "approving", chromedp.Click(approve), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(t, ctx, chromedp.CSS(".flash")); !strings.Contains(got, "approved") {
		t.Fatalf("after approving the page says %q", got)
	}
	run, err := e.st.SyncRun(e.ctx, e.org.ID, held.ID)
	if err != nil || run.Status != store.SyncApproved {
		t.Fatalf("the run is %s (%v) after approval", run.Status, err)
	}
	for _, name := range leavers {
		p, err := e.st.List(e.ctx, e.org.ID, store.KindUser, store.Query{Count: 1,
			Filter: store.Compare{Attr: store.Attr{Column: store.ColName}, Op: store.OpEq, Value: name}})
		if err != nil || len(p.Resources) != 1 || p.Resources[0].Active {
			t.Errorf("%s is not deactivated after approval (%v)", name, err)
		}
	}
}

// testImport: upload a CSV file, read the dry run's per-row report, then
// import it and read the report again.
func testImport(t *testing.T, browser context.Context) {
	e := newEnv(t)
	csv := filepath.Join(t.TempDir(), "new-hires.csv")
	content := "userName,givenName,familyName,email,title,department,teams\n" +
		"ivy,Ivy,Ingram,ivy@acme.test,Data engineer,Data,Data/Analytics\n" +
		"jack,Jack,Jones,jack@acme.test,Account executive,Sales,Sales\n" +
		",No,Name,nobody@acme.test,,,\n"
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, browser)
	signIn(t, ctx, e, store.RoleUserAdmin)
	do(t, ctx, "checking the file",
		chromedp.Click(`//nav[@aria-label="Main"]//a[text()="Import"]`),
		chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csv}),
		chromedp.Click(chromedp.CSS("#dry-run")),
		chromedp.WaitVisible(chromedp.CSS("#report-rows")),
	)
	if got := text(t, ctx, chromedp.CSS("#import-summary")); !strings.Contains(got, "Dry run: nothing was written") ||
		!strings.Contains(got, "3 rows — 2 to create") || !strings.Contains(got, "1 rejected") {
		t.Errorf("dry run summary %q", got)
	}
	if got := text(t, ctx, chromedp.CSS("#report-rows")); !strings.Contains(got, "rejected") || !strings.Contains(got, "ivy") {
		t.Errorf("dry run rows:\n%s", got)
	}
	if n := e.countUsers(); n != len(people) {
		t.Fatalf("a dry run wrote: %d users", n)
	}
	do(t, ctx, "importing",
		chromedp.Click(chromedp.CSS("#apply")),
		chromedp.WaitVisible(`//p[@id="import-summary"][not(contains(., "Dry run"))]`),
	)
	if got := text(t, ctx, chromedp.CSS("#import-summary")); !strings.Contains(got, "2 created") || !strings.Contains(got, "1 rejected") {
		t.Errorf("import summary %q", got)
	}
	if got := text(t, ctx, chromedp.CSS("#report-rows")); !strings.Contains(got, "created") || !strings.Contains(got, "jack") {
		t.Errorf("import rows:\n%s", got)
	}
	if n := e.countUsers(); n != len(people)+2 {
		t.Errorf("after the import: %d users, want %d", n, len(people)+2)
	}
	do(t, ctx, "opening an imported user",
		chromedp.Click(`//table[@id="report-rows"]//a[text()="ivy"]`),
		chromedp.WaitVisible(`//h1[text()="Ivy Ingram"]`),
	)
	if got := text(t, ctx, chromedp.CSS("main")); !strings.Contains(got, "Analytics") {
		t.Errorf("ivy's teams: %q", got)
	}
}

// testAuditor: an auditor reads a user's page without any button that
// changes it.
func testAuditor(t *testing.T, browser context.Context) {
	e := newEnv(t)
	ctx := tab(t, browser)
	signIn(t, ctx, e, store.RoleAuditor)
	do(t, ctx, "opening a user",
		chromedp.Navigate(e.srv.URL+"/admin/users/"+e.users["alice"].ID),
		chromedp.WaitVisible(`//h1[text()="Alice Archer"]`),
	)
	n, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("main form"), chromedp.AtLeast(0)))
	if err != nil || len(n) != 0 {
		t.Errorf("an auditor sees %d forms on a user's page (%v)", len(n), err)
	}
}

// countUsers counts the organization's live users.
func (e *env) countUsers() int {
	e.t.Helper()
	p, err := e.st.List(e.ctx, e.org.ID, store.KindUser, store.Query{})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Total
}
