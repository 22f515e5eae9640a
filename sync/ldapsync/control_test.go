package ldapsync

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/store"
)

// TestControl: the control of the configured sources lists, runs and
// decides them per organization over slapd: an unknown source or
// organization is ErrUnknownSource; a run outlives its caller's context
// but not the control's; a run or decision under another's lock is
// ErrLocked; deciding a decided run is ErrNotHeld; who did what is
// logged.
func TestControl(t *testing.T) {
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	dns := s.AddUsers(t, base, ldaptest.GenUsers("c", 4)...)
	env := newEngEnv(t)
	other, err := env.dir.CreateOrg(env.ctx, "globex")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	eng, err := NewEngine(EngineConfig{Directory: env.dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	src := testSource(s, base)
	src.Name, src.Schedule, src.Thresholds.MaxDeactivations = "corp", "@hourly", intp(1)
	ghost := src
	ghost.Name = "ghost"
	serverCtx, stopServer := context.WithCancel(env.ctx)
	defer stopServer()
	c := NewControl(serverCtx, eng, []OrgSource{{Org: "acme", Source: src}, {Org: "nowhere", Source: ghost}})

	if got, err := c.Sources(env.ctx, env.org.ID); err != nil || !slices.Equal(got, []SourceInfo{{Name: "corp", Schedule: "@hourly"}}) {
		t.Errorf("Sources(acme) = %v, %v", got, err)
	}
	if got, err := c.Sources(env.ctx, other.ID); err != nil || len(got) != 0 {
		t.Errorf("Sources(globex) = %v, %v", got, err)
	}
	for what, err := range map[string]error{
		"another organization's source": second(c.Run(env.ctx, other.ID, "corp", false, "ada")),
		"an unknown source":             second(c.Run(env.ctx, env.org.ID, "hr", false, "ada")),
		"an unknown organization":       second(c.Approve(env.ctx, "nope", "run", "ada")),
	} {
		if !errors.Is(err, ErrUnknownSource) {
			t.Errorf("%s: %v, want ErrUnknownSource", what, err)
		}
	}

	left, leave := context.WithCancel(env.ctx)
	leave() // the admin has left: the run goes on
	if run, err := c.Run(left, env.org.ID, "corp", true, "ada"); err != nil || run.Status != store.SyncDryRun || run.Trigger != "manual" {
		t.Fatalf("dry run = %+v, %v", run, err)
	}
	if run, err := c.Run(env.ctx, env.org.ID, "corp", false, "ada"); err != nil || run.Status != store.SyncSucceeded || len(env.users(src)) != 4 {
		t.Fatalf("run = %+v, %v", run, err)
	}
	root := s.Conn(t)
	for _, dn := range dns[:2] {
		if err := root.Del(ldap.NewDelRequest(dn, nil)); err != nil {
			t.Fatal(err)
		}
	}
	held, err := c.Run(env.ctx, env.org.ID, "corp", false, "ada")
	if err != nil || held.Status != store.SyncHeld {
		t.Fatalf("run = %+v, %v, want held", held, err)
	}

	unlock, ok, err := env.st.TryLock(env.ctx, LockKey(env.org.ID, "corp"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := c.Run(env.ctx, env.org.ID, "corp", false, "ada"); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "running already") {
		t.Errorf("run under the lock: %v", err)
	}
	if _, err := c.Approve(env.ctx, env.org.ID, held.ID, "ada"); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "under way") {
		t.Errorf("approval under the lock: %v", err)
	}
	unlock()
	if run, err := c.Approve(env.ctx, env.org.ID, held.ID, "ada"); err != nil || run.Status != store.SyncApproved {
		t.Fatalf("Approve = %+v, %v", run, err)
	}
	if _, err := c.Reject(env.ctx, env.org.ID, held.ID, "ada"); !errors.Is(err, ErrNotHeld) {
		t.Errorf("rejecting an approved run: %v", err)
	}
	for _, want := range []string{`msg="directory sync run started by an admin" org=acme source=corp dry_run=false by=ada`,
		`msg="held directory sync run approved by an admin" org=acme source=corp run=` + held.ID + " by=ada"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the logs:\n%s", want, logs.String())
		}
	}

	stopServer() // the server stops: a run cannot start
	if run, err := c.Run(env.ctx, env.org.ID, "corp", false, "ada"); run.Status == store.SyncSucceeded || err == nil && run.Status != store.SyncFailed {
		t.Errorf("run after the server stopped = %+v, %v", run, err)
	}
}

func second[T any](_ T, err error) error { return err }
