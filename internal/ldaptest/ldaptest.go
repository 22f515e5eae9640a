package ldaptest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

// Suffix is the naming context of the test directory.
const Suffix = "dc=scimd,dc=test"

// SizeLimit is the size limit (soft and hard) of the limited service
// account, ServiceDN: a search by it returns at most this many entries and
// then result code 4 (sizeLimitExceeded), paged or not. Tests that want to
// see truncation put more entries than this in their OU.
const SizeLimit = 150

// Server is the running slapd of the test binary. Its fields are read-only.
type Server struct {
	URL      string // ldap://127.0.0.1:<port>, StartTLS available
	LDAPSURL string // ldaps://127.0.0.1:<port>
	Suffix   string // Suffix

	// CAFile is the PEM certificate of the CA that signed the server's
	// certificate (SANs 127.0.0.1, ::1, localhost). It is in no system
	// trust store: TLS without it must fail verification.
	CAFile string
	// ClientCertFile and ClientKeyFile are a client certificate signed by
	// CAFile's CA; slapd asks for a client certificate (TLSVerifyClient
	// try) and accepts this one.
	ClientCertFile, ClientKeyFile string
	// ForeignCertFile and ForeignKeyFile are a client certificate from an
	// unrelated CA: slapd ends the TLS session when it is presented.
	ForeignCertFile, ForeignKeyFile string

	// RootDN bypasses every limit and access rule; fixtures are written
	// with it. Don't sync as it: a test must see what a service account
	// sees.
	RootDN, RootPassword string
	// ServiceDN is a read-only account whose searches stop after
	// SizeLimit entries with result code 4.
	ServiceDN, ServicePassword, ServicePasswordFile string
	// ReaderDN is a read-only account without size or time limits.
	ReaderDN, ReaderPassword, ReaderPasswordFile string
	// SizeLimit is SizeLimit.
	SizeLimit int

	dir  string
	proc *process
}

// harness is the per-test-binary slapd state.
type harness struct {
	mu     sync.Mutex
	inMain bool   // Main is running the tests
	ready  bool   // setup ran (successfully or not)
	skip   string // why slapd is unavailable (skip, or fail in CI)
	err    error  // setup failed: fail every LDAP test
	srv    *Server
}

// h is the harness of this test binary (see the package doc).
var h harness

// Start returns the test binary's slapd, starting it on first use. Without
// slapd it skips the test, or fails it when the environment variable CI is
// "true".
func Start(t testing.TB) *Server {
	t.Helper()
	h.mu.Lock()
	if !h.ready {
		h.setup()
		h.ready = true
	}
	srv, skip, err := h.srv, h.skip, h.err
	h.mu.Unlock()
	switch {
	case err != nil:
		t.Fatalf("slapd test harness: %v", err)
	case skip != "" && os.Getenv("CI") == "true":
		t.Fatalf("LDAP suite skipped in CI: %s", skip)
	case skip != "":
		t.Skipf("slapd unavailable: %s", skip)
	}
	return srv
}

// Main runs the tests of a package, then stops slapd if it was started and
// removes its directory, and exits. Call it from TestMain.
func Main(m interface{ Run() int }) {
	h.mu.Lock()
	h.inMain = true
	h.mu.Unlock()
	code := m.Run()
	h.mu.Lock()
	srv := h.srv
	h.srv = nil
	h.mu.Unlock()
	if srv != nil {
		if err := srv.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "ldaptest:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// setup finds and starts slapd. Called with h.mu held.
func (h *harness) setup() {
	if !h.inMain {
		h.err = errors.New("the test package must declare func TestMain(m *testing.M) { ldaptest.Main(m) }, " +
			"which stops slapd and removes its directory")
		return
	}
	in, err := findSlapd()
	if err != nil {
		h.skip = err.Error()
		return
	}
	h.srv, h.err = startServer(in)
}
