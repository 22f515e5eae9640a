package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/scimd/scimd/internal/teststore"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adtest"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// syncFixture is a fake AD with 30 users and two groups, and a
// configuration file naming it as the source "ad" of organization
// "default".
type syncFixture struct {
	srv    *adtest.Server
	users  []string
	config string
	db     string
}

func newSyncFixture(t *testing.T, db string) syncFixture {
	t.Helper()
	srv := adtest.Start(t)
	staff := "OU=Staff," + srv.BaseDN()
	srv.AddOU(staff)
	var users []string
	for i := 1; i <= 30; i++ {
		dn := fmt.Sprintf("CN=User %02d,%s", i, staff)
		srv.AddUser(adtest.User{DN: dn, SAMAccountName: fmt.Sprintf("user%02d", i), Mail: fmt.Sprintf("u%d@corp.example.com", i)})
		users = append(users, dn)
	}
	srv.AddGroup(adtest.Group{DN: "CN=all,OU=Groups," + srv.BaseDN(), Members: users})
	dir := t.TempDir()
	writeFile(t, dir, "ad.password", srv.BindPassword()+"\n")
	cfg := fmt.Sprintf(`databaseURL: %q
logLevel: error
sources:
  - org: default
    name: ad
    preset: activedirectory
    url: %s
    bindDN: %q
    bindPasswordFile: ad.password
    baseDN: %q
    userBaseDN: %q
    pageSize: 10
    schedule: "@hourly"
    thresholds:
      maxDeactivations: 1
      maxDeactivationPercent: 50
`, db, srv.URL(), srv.BindDN(), srv.BaseDN(), staff)
	return syncFixture{srv: srv, users: users, config: writeFile(t, dir, "scimd.yaml", cfg), db: db}
}

// sync runs "scimd sync ARGS --config FILE".
func (f syncFixture) sync(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return cli(t, append(append([]string{"sync"}, args...), "--config", f.config)...)
}

var runIDRe = regexp.MustCompile(`run (\S+) (succeeded|held|failed|dry_run)`)

// runID extracts the run id and status from "sync run" output.
func runID(t *testing.T, out string) (string, string) {
	t.Helper()
	m := runIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no run in %q", out)
	}
	return m[1], m[2]
}

// TestSyncCLI runs the sync commands end to end on SQLite and PostgreSQL:
// a dry run that writes nothing, a run, a held mass deactivation approved,
// another rejected, status, history and show, and a run locked out by
// another process's run.
func TestSyncCLI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		f := newSyncFixture(t, db)
		if code, _, errs := cli(t, "org", "create", "default", "--config", f.config); code != 0 {
			t.Fatalf("org create: %s", errs)
		}
		code, out, errs := f.sync(t, "run", "--dry-run")
		if code != 0 || !strings.Contains(out, "dry_run") || strings.Count(out, "planned  create ") != 30 ||
			!strings.Contains(out, `planned  team_create   team "all"`) || strings.Count(out, "planned  member_add") != 30 {
			t.Fatalf("dry run: %d\n%s\n%s", code, out, errs)
		}
		if n := countUsers(t, db); n != 0 {
			t.Fatalf("the dry run wrote %d users", n)
		}
		code, out, errs = f.sync(t, "run")
		if _, status := runID(t, out); code != 0 || status != "succeeded" || !strings.Contains(out, "create=30") {
			t.Fatalf("run: %d\n%s\n%s", code, out, errs)
		}

		f.srv.Remove(f.users[0])
		f.srv.Remove(f.users[1])
		_, out, _ = f.sync(t, "run")
		stale, _ := runID(t, out)
		// The next run holds the same changes and supersedes the first.
		code, out, _ = f.sync(t, "run")
		held, status := runID(t, out)
		if code != 0 || status != "held" || strings.Count(out, "held     deactivate") != 2 || !strings.Contains(out, "scimd sync approve "+held) {
			t.Fatalf("held run: %d\n%s", code, out)
		}
		if _, out, _ := f.sync(t, "status"); !regexp.MustCompile(`default\s+ad\s+@hourly\s+` + held + `\s+held`).MatchString(out) {
			t.Errorf("status:\n%s", out)
		}
		if _, out, _ := f.sync(t, "history"); !regexp.MustCompile(stale + `.*\s+superseded\s+.*superseded by run ` + held).MatchString(out) {
			t.Errorf("history:\n%s", out)
		}
		if _, out, _ := f.sync(t, "show", stale); !strings.Contains(out, "superseded by the newer run "+held) ||
			strings.Count(out, "superseded deactivate") != 2 {
			t.Errorf("show of the superseded run:\n%s", out)
		}
		if code, _, errs := f.sync(t, "approve", stale); code != 1 || !strings.Contains(errs, "superseded by the newer held run "+held) {
			t.Errorf("approve of the superseded run: %d %s", code, errs)
		}
		// A failed run supersedes nothing; status still points at the held run.
		f.srv.Inject(adtest.Busy())
		if code, out, _ := f.sync(t, "run"); code != 1 || !strings.Contains(out, "failed") {
			t.Fatalf("failed run: %d\n%s", code, out)
		}
		if _, out, _ := f.sync(t, "status"); !strings.Contains(out, "run "+held+" awaits approval") {
			t.Errorf("status after a failed run:\n%s", out)
		}
		if _, out, _ := f.sync(t, "show", held, "--state", "held"); strings.Count(out, "held     deactivate") != 2 || !strings.Contains(out, `"user01"`) {
			t.Errorf("show:\n%s", out)
		}
		if code, out, errs := f.sync(t, "approve", held); code != 0 || !strings.Contains(out, "approved: 2 changes applied") {
			t.Fatalf("approve: %d %s %s", code, out, errs)
		}
		if code, _, errs := f.sync(t, "approve", held); code != 1 || !strings.Contains(errs, "only a held run") {
			t.Errorf("approve twice: %d %s", code, errs)
		}

		f.srv.Remove(f.users[2])
		f.srv.Remove(f.users[3])
		_, out, _ = f.sync(t, "run")
		held, _ = runID(t, out)
		if code, out, _ := f.sync(t, "reject", held); code != 0 || !strings.Contains(out, "rejected") {
			t.Errorf("reject: %d %s", code, out)
		}
		_, hist, _ := f.sync(t, "history", "--source", "ad")
		for _, want := range []string{"dry_run", "succeeded", "approved", "rejected", "superseded", "manual"} {
			if !strings.Contains(hist, want) {
				t.Errorf("history lacks %q:\n%s", want, hist)
			}
		}

		// A deleted directory group: its team's removal is in the plan.
		f.srv.Remove("CN=all,OU=Groups," + f.srv.BaseDN())
		_, out, _ = f.sync(t, "run", "--dry-run")
		if !regexp.MustCompile(`team_removed\s+team "all" \(\S+\): archived, reason ldap_group_gone .*; 30 memberships end`).MatchString(out) ||
			!strings.Contains(out, "team_removed=1") {
			t.Errorf("dry run of a deleted group:\n%s", out)
		}

		// A run of the source under way elsewhere (another process's lock).
		st := teststore.Open(t, db)
		org, err := st.OrgByName(context.Background(), "default")
		if err != nil {
			t.Fatal(err)
		}
		lock := syncLocker(db, st)
		if lock == nil {
			lock = st.TryLock
		}
		unlock, ok, err := lock(context.Background(), ldapsync.LockKey(org.ID, "ad"))
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		code, out, errs = f.sync(t, "run")
		unlock()
		if code != 1 || !strings.Contains(out, "holds its lock") {
			t.Errorf("locked run: %d %q %q", code, out, errs)
		}
	})
}

// TestSyncCLIConfig: every problem of the sources is reported at start.
func TestSyncCLIConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bad.yaml", `databaseURL: "sqlite:`+filepath.Join(dir, "x.db")+`"
sources:
  - name: Bad Name
    url: http://dc1
    bindPassword: hunter2
    schedule: "every tuesday"
  - org: default
    name: ok
    preset: openldap
    url: ldap://dc1
    bindDN: cn=svc,dc=x
    bindPasswordEnv: SCIMD_TEST_UNSET_PASSWORD
    baseDN: dc=x
  - org: default
    name: ok
    preset: openldap
    url: ldap://dc1
    bindDN: cn=svc,dc=x
    bindPasswordFile: missing.password
    baseDN: dc=x
`)
	code, _, errs := cli(t, "sync", "status", "--config", cfg)
	for _, want := range []string{"sources[0] (/Bad Name): org is required", `name: "Bad Name"`, "url: scheme", "bindPassword: a password may not be written",
		"schedule:", "sources[1] (default/ok): bindPassword: environment variable SCIMD_TEST_UNSET_PASSWORD",
		`organization "default" already has a source named "ok"`, "missing.password"} {
		if !strings.Contains(errs, want) {
			t.Errorf("missing %q in:\n%s", want, errs)
		}
	}
	if code != 1 || strings.Contains(errs, "hunter2") {
		t.Errorf("exit %d; the password must never be printed:\n%s", code, errs)
	}
}

// TestSyncSchedule: serve schedules every source with a schedule; a
// scheduled run that finds the lock taken is skipped and logged, and
// runs once the lock is free.
func TestSyncSchedule(t *testing.T) {
	db := testdb.SQLite(t)
	f := newSyncFixture(t, db)
	cf := &configFlags{cfg: defaults(), file: f.config, set: map[string]string{}}
	cfg, err := cf.load()
	if err != nil {
		t.Fatal(err)
	}
	st := teststore.Open(t, db)
	dir := directory.New(st)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	eng, err := newSyncEngine(cfg, dir, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := startSyncScheduler(t.Context(), cfg, dir, eng, log); err == nil || !strings.Contains(err.Error(), "no organization default") {
		t.Fatalf("scheduler without the organization: %v", err)
	}
	org, _, err := dir.EnsureOrg(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	stop, err := startSyncScheduler(t.Context(), cfg, dir, eng, log)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if !strings.Contains(logs.String(), `msg="directory sync scheduled" org=default source=ad schedule=@hourly`) {
		t.Errorf("logs:\n%s", logs.String())
	}

	jobs, err := syncJobs(t.Context(), cfg.Sources, dir, eng, log)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs = %v, %v", jobs, err)
	}
	unlock, ok, err := st.TryLock(t.Context(), ldapsync.LockKey(org.ID, "ad"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	jobs[0].run(t.Context())
	unlock()
	if !strings.Contains(logs.String(), "scheduled directory sync skipped: another run of the source holds its lock") {
		t.Errorf("logs:\n%s", logs.String())
	}
	jobs[0].run(t.Context())
	runs, err := st.SyncRuns(t.Context(), org.ID, "ad", 0)
	if err != nil || len(runs) != 1 || runs[0].Trigger != "schedule" || runs[0].Status != store.SyncSucceeded {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
}

// TestServeSyncControl: serve's admin API runs the configured source on
// the scheduler's engine and lock: a run while the source's lock is taken
// elsewhere is 409; a run is in the metrics.
func TestServeSyncControl(t *testing.T) {
	db := testdb.SQLite(t)
	f := newSyncFixture(t, db)
	cf := &configFlags{cfg: defaults(), file: f.config, set: map[string]string{}}
	cfg, err := cf.load()
	if err != nil {
		t.Fatal(err)
	}
	st := teststore.Open(t, db)
	dir := directory.New(st)
	org, _, err := dir.EnsureOrg(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := dir.CreateAdminToken(t.Context(), org.ID, "ops", store.RoleUserAdmin)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done, ready := make(chan error, 1), make(chan struct{})
	go func() { done <- serve(ctx, cfg, ln, slog.New(slog.DiscardHandler), io.Discard, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	call := func(method, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+ln.Addr().String()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	unlock, ok, err := syncLocker(db, st)(t.Context(), ldapsync.LockKey(org.ID, "ad"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if code, body := call("POST", "/api/v1/sync/sources/ad/run"); code != http.StatusConflict {
		t.Errorf("run under another's lock: %d %s", code, body)
	}
	unlock()
	if code, body := call("POST", "/api/v1/sync/sources/ad/run"); code != http.StatusOK || !strings.Contains(body, `"status":"succeeded"`) {
		t.Fatalf("run: %d %s", code, body)
	}
	if n := countUsers(t, db); n != 30 {
		t.Errorf("%d users after the run, want 30", n)
	}
	_, metrics := call("GET", "/metrics")
	if want := `scimd_ldapsync_run_duration_seconds_count{org="default",source="ad",status="succeeded"} 1`; !strings.Contains(metrics, want) {
		t.Errorf("no %s in the metrics", want)
	}
}

func countUsers(t *testing.T, db string) int {
	t.Helper()
	st := teststore.Open(t, db)
	orgs, err := st.Orgs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range orgs {
		p, err := st.List(context.Background(), o.ID, store.KindUser, store.Query{})
		if err != nil {
			t.Fatal(err)
		}
		n += p.Total
	}
	return n
}
