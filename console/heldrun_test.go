package console_test

import (
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// heldRun syncs six people from a fresh slapd OU, configured as the one
// source "corp", then removes four of them from the directory: the next
// run holds their deactivations for approval (at most two may pass
// unapproved). It returns the held run and the userNames it would
// deactivate.
func (e *env) heldRun(t *testing.T) (store.SyncRun, []string) {
	t.Helper()
	s := ldaptest.Start(t)
	base := s.NewOU(t)
	var users []ldaptest.User
	for _, p := range [][3]string{{"ivan", "Ivan", "Ivanov"}, {"judy", "Judy", "Jensen"}, {"kim", "Kim", "Kowalski"},
		{"liam", "Liam", "Lopez"}, {"mia", "Mia", "Moreau"}, {"noah", "Noah", "Nakamura"}} {
		users = append(users, ldaptest.User{UID: p[0], CN: p[1] + " " + p[2], GivenName: p[1], SN: p[2],
			DisplayName: p[1] + " " + p[2], Mail: []string{p[0] + "@acme.test"}, Title: "Analyst", DepartmentNumber: "Finance"})
	}
	dns := s.AddUsers(t, base, users...)
	two := 2
	e.useSources(ldapsync.Source{Name: "corp", URL: s.URL, BindDN: s.ReaderDN, BindPasswordFile: s.ReaderPasswordFile,
		Preset: ldapsync.PresetOpenLDAP, UserBaseDN: "ou=people," + base, GroupBaseDN: "ou=groups," + base,
		Thresholds: ldapsync.Thresholds{MaxDeactivations: &two}})
	if run, err := e.sync.Run(e.ctx, e.org.ID, "corp", false, "test"); err != nil || run.Status != store.SyncSucceeded {
		t.Fatalf("first sync: %s %q (%v)", run.Status, run.Error, err)
	}
	c := s.Conn(t)
	var leavers []string
	for i, dn := range dns[2:] {
		if err := c.Del(ldap.NewDelRequest(dn, nil)); err != nil {
			t.Fatal(err)
		}
		leavers = append(leavers, users[2+i].UID)
	}
	run, err := e.sync.Run(e.ctx, e.org.ID, "corp", false, "test")
	if err != nil || run.Status != store.SyncHeld {
		t.Fatalf("second sync: %s %q (%v), want held", run.Status, run.Error, err)
	}
	return run, leavers
}
