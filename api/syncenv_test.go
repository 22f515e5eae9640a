package api_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// corpDirectory is the slapd directory of the source "corp" of the
// organization acme in a newSyncEnv. Every deactivation is held
// (maxDeactivations 0): each person removed from the directory makes the
// next run held.
type corpDirectory struct {
	root   *ldap.Conn
	people []string // the DNs still in the directory
}

// newSyncEnv is a testEnv whose organization acme has the directory
// source "corp" over a fresh slapd OU of people, synced by a first run.
func newSyncEnv(t testing.TB, url string, people int) *testEnv {
	t.Helper()
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	dns := s.AddUsers(t, base, ldaptest.GenUsers("p", people)...)
	zero := 0
	src := ldapsync.Source{Name: "corp", Schedule: "@hourly", URL: s.URL, BindDN: s.ReaderDN, BindPasswordFile: s.ReaderPasswordFile,
		Preset: ldapsync.PresetOpenLDAP, UserBaseDN: "ou=people," + base, GroupBaseDN: "ou=groups," + base,
		Thresholds: ldapsync.Thresholds{MaxDeactivations: &zero}}
	e := newEnvWith(t, url, []ldapsync.OrgSource{{Org: "acme", Source: src}})
	e.corp = &corpDirectory{root: s.Conn(t), people: dns}
	if run, err := e.sync.Run(context.Background(), e.acme.id, "corp", false, "test"); err != nil || run.Status != store.SyncSucceeded {
		t.Fatalf("first sync: %s %q (%v)", run.Status, run.Error, err)
	}
	return e
}

// mkHeld removes n people from corp's directory and runs corp: the run is
// held, with the deactivations of everyone removed and not yet
// deactivated. It returns the run's id and the removed people's uids.
func mkHeld(t testing.TB, e *testEnv, n int) (string, []string) {
	t.Helper()
	if len(e.corp.people) < n {
		t.Fatalf("corp's directory has %d people left, not %d", len(e.corp.people), n)
	}
	var uids []string
	for _, dn := range e.corp.people[:n] {
		if err := e.corp.root.Del(ldap.NewDelRequest(dn, nil)); err != nil {
			t.Fatal(err)
		}
		rdn, _ := ldap.ParseDN(dn)
		uids = append(uids, rdn.RDNs[0].Attributes[0].Value)
	}
	e.corp.people = e.corp.people[n:]
	run, err := e.sync.Run(context.Background(), e.acme.id, "corp", false, "test")
	if err != nil || run.Status != store.SyncHeld {
		t.Fatalf("run after removing %v: %s %q (%v), want held", uids, run.Status, run.Error, err)
	}
	return run.ID, uids
}

// lockedBuffer is a log buffer that the server's goroutines write and the
// test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
