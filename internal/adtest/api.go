package adtest

import (
	"crypto/x509"
)

// URL is the plain-LDAP address, "ldap://127.0.0.1:<port>".
func (srv *Server) URL() string { return "ldap://" + srv.plain.addr() }

// LDAPSURL is the LDAPS address, or "" unless Start was given WithLDAPS.
func (srv *Server) LDAPSURL() string {
	if srv.secure == nil {
		return ""
	}
	return "ldaps://" + srv.secure.addr()
}

// CertPool trusts the LDAPS certificate (nil without WithLDAPS).
func (srv *Server) CertPool() *x509.CertPool { return srv.certPool }

// BaseDN is the domain naming context, e.g. DC=corp,DC=example,DC=com.
func (srv *Server) BaseDN() string { return srv.cfg.baseDN }

// UsersDN is the default CN=Users container.
func (srv *Server) UsersDN() string { return "CN=Users," + srv.cfg.baseDN }

// BindDN is the service account's DN.
func (srv *Server) BindDN() string { return srv.cfg.bindDN }

// BindPassword is the service account's password.
func (srv *Server) BindPassword() string { return srv.cfg.bindPassword }

// The tree helpers below fail the test on a bad argument (unknown DN,
// duplicate, member that does not exist), so call them from the test's
// goroutine. They are safe to call while clients are connected; a paged
// search in progress keeps the snapshot it took on its first page.

// AddOU adds an organizational unit (and any missing parent OU) and returns
// its objectGUID.
func (srv *Server) AddOU(dn string) GUID {
	srv.t.Helper()
	t := srv.tree
	t.mu.Lock()
	e, err := t.insert(dn, func(e *entry) { t.shapeOU(e) })
	var g GUID
	if err == nil {
		g, err = GUIDFromBytes([]byte(e.first("objectguid")))
	}
	t.mu.Unlock()
	srv.must(err)
	return g
}

// AddUser adds a user and returns its objectGUID.
func (srv *Server) AddUser(u User) GUID {
	srv.t.Helper()
	srv.tree.mu.Lock()
	g, err := srv.tree.addUser(u)
	srv.tree.mu.Unlock()
	srv.must(err)
	return g
}

// AddGroup adds a group and returns its objectGUID.
func (srv *Server) AddGroup(g Group) GUID {
	srv.t.Helper()
	srv.tree.mu.Lock()
	guid, err := srv.tree.addGroup(g)
	srv.tree.mu.Unlock()
	srv.must(err)
	return guid
}

// SetMembers replaces a group's member list; memberOf follows.
func (srv *Server) SetMembers(groupDN string, memberDNs ...string) {
	srv.t.Helper()
	srv.tree.mu.Lock()
	err := srv.tree.setMembers(groupDN, memberDNs)
	srv.tree.mu.Unlock()
	srv.must(err)
}

// SetDisabled sets or clears a user's ACCOUNTDISABLE bit (512 <-> 514).
func (srv *Server) SetDisabled(dn string, disabled bool) {
	srv.t.Helper()
	srv.tree.mu.Lock()
	err := srv.tree.setDisabled(dn, disabled)
	srv.tree.mu.Unlock()
	srv.must(err)
}

// SetAttribute replaces an attribute's values (none removes it). Directory-
// maintained attributes (objectGUID, distinguishedName, memberOf, USNs,
// timestamps) are refused; member goes through SetMembers.
func (srv *Server) SetAttribute(dn, name string, values ...string) {
	srv.t.Helper()
	srv.tree.mu.Lock()
	err := srv.tree.setAttribute(dn, name, values)
	srv.tree.mu.Unlock()
	srv.must(err)
}

// Remove deletes an entry and its subtree (no tombstone is kept) and removes
// it from every group's member list and every manager value.
func (srv *Server) Remove(dn string) {
	srv.t.Helper()
	srv.tree.mu.Lock()
	err := srv.tree.remove(dn)
	srv.tree.mu.Unlock()
	srv.must(err)
}

// Move renames an entry or moves it to another OU (with its subtree). Every
// objectGUID is kept; member and manager values follow the new DN.
func (srv *Server) Move(oldDN, newDN string) {
	srv.t.Helper()
	srv.tree.mu.Lock()
	err := srv.tree.move(oldDN, newDN)
	srv.tree.mu.Unlock()
	srv.must(err)
}

// GUIDOf returns the objectGUID of the entry at dn.
func (srv *Server) GUIDOf(dn string) (GUID, bool) {
	srv.tree.mu.RLock()
	defer srv.tree.mu.RUnlock()
	e, ok := srv.tree.entries[normDN(dn)]
	if !ok {
		return GUID{}, false
	}
	g, err := GUIDFromBytes([]byte(e.first("objectguid")))
	return g, err == nil
}

// HighestCommittedUSN is the USN of the latest change, as the root DSE reports it.
func (srv *Server) HighestCommittedUSN() int64 {
	srv.tree.mu.RLock()
	defer srv.tree.mu.RUnlock()
	return srv.tree.usn
}

func (srv *Server) must(err error) {
	srv.t.Helper()
	if err != nil {
		srv.t.Fatalf("%v", err)
	}
}

// Inject queues a one-shot fault: it fires once, at the first operation that
// reaches its position, and is then gone. Faults can be injected at any
// time, also while clients are connected.
func (srv *Server) Inject(f Fault) { srv.faults.add(f, false) }

// InjectSticky queues a fault that fires every time its position is reached
// until ClearFaults.
func (srv *Server) InjectSticky(f Fault) { srv.faults.add(f, true) }

// ClearFaults removes every queued fault.
func (srv *Server) ClearFaults() { srv.faults.clear() }

// PendingFaults is the number of queued faults (sticky ones included).
func (srv *Server) PendingFaults() int {
	n, _ := srv.faults.counts()
	return n
}

// FiredFaults is the number of times any fault has fired.
func (srv *Server) FiredFaults() int {
	_, n := srv.faults.counts()
	return n
}

// OpenPagedSearches is the number of paged searches waiting for their next
// page (their cookies are dropped when the connection closes).
func (srv *Server) OpenPagedSearches() int { return srv.sessions.count() }
