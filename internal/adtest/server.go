package adtest

import (
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jimlambrt/gldap"
)

// Option configures Start.
type Option func(*config)

type config struct {
	baseDN       string
	bindDN       string
	bindPassword string
	ldaps        bool
	rootRefs     bool
	maxPageSize  int
	maxValRange  int
}

// WithBaseDN sets the domain naming context (default DC=corp,DC=example,DC=com).
func WithBaseDN(dn string) Option { return func(c *config) { c.baseDN = dn } }

// WithServiceAccount sets the bind account's DN and password (default
// CN=svc-scimd,CN=Users,<base> with a fixed test password). The account is a
// user in the tree, so it shows up in user searches, as it would in AD.
func WithServiceAccount(dn, password string) Option {
	return func(c *config) { c.bindDN, c.bindPassword = dn, password }
}

// WithLDAPS also listens for LDAPS with a throwaway self-signed certificate;
// see LDAPSURL and CertPool.
func WithLDAPS() Option { return func(c *config) { c.ldaps = true } }

// WithMaxPageSize sets AD's MaxPageSize policy (default 1000): the largest
// page a paged search gets, and where an unpaged search is cut with
// sizeLimitExceeded.
func WithMaxPageSize(n int) Option { return func(c *config) { c.maxPageSize = n } }

// WithMaxValRange sets AD's MaxValRange policy (default 1500): how many
// values of one attribute a search returns before switching to range
// retrieval.
func WithMaxValRange(n int) Option { return func(c *config) { c.maxValRange = n } }

// WithRootReferences makes subtree searches based at the domain root return
// the continuation references AD returns there (ForestDnsZones,
// DomainDnsZones, Configuration) after the entries.
func WithRootReferences() Option { return func(c *config) { c.rootRefs = true } }

// DefaultPassword is the service account's password unless
// WithServiceAccount says otherwise.
const DefaultPassword = "Adtest-Passw0rd!"

// Server is a running fake Active Directory domain controller.
type Server struct {
	t        testing.TB
	cfg      config
	tree     *tree
	faults   faults
	sessions sessions
	ctl      string

	bindMu sync.Mutex
	bound  map[int]bool // connection ID -> completed an authenticated bind

	gl       *gldap.Server
	plain    *proxy
	secure   *proxy
	certPool *x509.CertPool
}

// Start starts a fake AD on a free loopback port and stops it when the test
// ends. The tree starts with the domain object, CN=Users and the service
// account.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{baseDN: "DC=corp,DC=example,DC=com", maxPageSize: 1000, maxValRange: 1500}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.bindDN == "" {
		cfg.bindDN = "CN=svc-scimd,CN=Users," + cfg.baseDN
	}
	if cfg.bindPassword == "" {
		cfg.bindPassword = DefaultPassword
	}
	if cfg.maxPageSize < 1 || cfg.maxValRange < 1 {
		t.Fatalf("adtest: MaxPageSize and MaxValRange must be positive")
	}
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		t.Fatalf("adtest: %v", err)
	}
	srv := &Server{t: t, cfg: cfg, tree: newTree(cfg.baseDN), bound: map[int]bool{},
		ctl: "\x00adtest-ctl-" + hex.EncodeToString(nonce[:]) + ":"}
	if err := srv.seed(); err != nil {
		t.Fatalf("adtest: seeding the tree: %v", err)
	}
	if err := srv.listen(); err != nil {
		t.Fatalf("adtest: starting: %v", err)
	}
	t.Cleanup(srv.stop)
	return srv
}

// seed creates the domain object, CN=Users and the service account.
func (srv *Server) seed() error {
	t := srv.tree
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.insert(srv.cfg.baseDN, func(e *entry) {
		e.set("objectClass", "top", "domain", "domainDNS")
		e.set("dc", rdnValue(srv.cfg.baseDN))
		e.set("name", rdnValue(srv.cfg.baseDN))
		e.set("objectCategory", "CN=Domain-DNS,"+t.schemaDN)
	}); err != nil {
		return err
	}
	if _, err := t.insertContainer("CN=Users," + srv.cfg.baseDN); err != nil {
		return err
	}
	_, err := t.addUser(User{DN: srv.cfg.bindDN, Password: srv.cfg.bindPassword,
		UserAccountControl: UACNormalAccount | UACDontExpirePassword})
	return err
}

// listen starts gldap on an ephemeral port and the proxies in front of it.
func (srv *Server) listen() error {
	ready := make(chan string, 1)
	gl, err := gldap.NewServer(gldap.WithLogger(readyLogger(ready)),
		gldap.WithOnClose(srv.onClose))
	if err != nil {
		return err
	}
	mux, err := gldap.NewMux()
	if err != nil {
		return err
	}
	for _, err := range []error{
		mux.Bind(srv.handleBind),
		mux.Search(srv.handleSearch),
		mux.Modify(srv.refuse(gldap.ApplicationModifyResponse)),
		mux.Add(srv.refuse(gldap.ApplicationAddResponse)),
		mux.Delete(srv.refuse(gldap.ApplicationDelResponse)),
		mux.DefaultRoute(srv.refuse(gldap.ApplicationExtendedResponse)),
		gl.Router(mux),
	} {
		if err != nil {
			return err
		}
	}
	runErr := make(chan error, 1)
	go func() { runErr <- gl.Run("127.0.0.1:0") }()
	var upstream string
	select {
	case upstream = <-ready:
	case err := <-runErr:
		return fmt.Errorf("gldap: %w", err)
	}
	srv.gl = gl
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv.plain = startProxy(ln, upstream, srv.ctl)
	if srv.cfg.ldaps {
		cert, pool, err := selfSignedCert()
		if err != nil {
			return err
		}
		tln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv.certPool = pool
		srv.secure = startProxy(tls.NewListener(tln, &tls.Config{
			Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		}), upstream, srv.ctl)
	}
	return nil
}

func (srv *Server) stop() {
	if srv.secure != nil {
		srv.secure.close()
	}
	srv.plain.close()
	if err := srv.gl.Stop(); err != nil {
		srv.t.Errorf("adtest: stopping gldap: %v", err)
	}
}

func (srv *Server) onClose(conn int) {
	srv.sessions.dropConn(conn)
	srv.bindMu.Lock()
	delete(srv.bound, conn)
	srv.bindMu.Unlock()
}

func (srv *Server) isBound(conn int) bool {
	srv.bindMu.Lock()
	defer srv.bindMu.Unlock()
	return srv.bound[conn]
}

func (srv *Server) setBound(conn int, ok bool) {
	srv.bindMu.Lock()
	defer srv.bindMu.Unlock()
	srv.bound[conn] = ok
}

// refuse answers writes and unknown extended operations: the directory is
// changed through the Server's methods, not over LDAP.
func (srv *Server) refuse(appCode int) gldap.HandlerFunc {
	return func(w *gldap.ResponseWriter, r *gldap.Request) {
		_ = w.Write(r.NewResponse(gldap.WithApplicationCode(appCode),
			gldap.WithResponseCode(gldap.ResultUnwillingToPerform),
			gldap.WithDiagnosticMessage("adtest: read-only over LDAP; change the tree with *adtest.Server methods")))
	}
}

// adBindError is AD's invalidCredentials text; clients parse the data code
// (52e bad password, 533 disabled, 775 locked out).
func adBindError(data string) string {
	return "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data " + data + ", v4563"
}

// handleBind answers a simple bind: by DN or userPrincipalName, password
// compared in constant time, disabled accounts refused with data 533. An
// empty password is an unauthenticated bind: it succeeds and leaves the
// connection anonymous, as AD does.
func (srv *Server) handleBind(w *gldap.ResponseWriter, r *gldap.Request) {
	resp := r.NewBindResponse(gldap.WithResponseCode(gldap.ResultInvalidCredentials))
	m, err := r.GetSimpleBindMessage()
	if err != nil {
		resp.SetResultCode(gldap.ResultProtocolError)
		_ = w.Write(resp)
		return
	}
	conn := r.ConnectionID()
	srv.setBound(conn, false)
	for _, f := range srv.faults.take(position{op: OpBind, dnKey: normDN(m.UserName)}) {
		if f.Drop {
			srv.control(w, r, ctlDrop)
			return
		}
		if f.Code != 0 {
			resp.SetResultCode(f.Code)
			resp.SetDiagnosticMessage(orDefault(f.Message, adBindError("52e")))
			_ = w.Write(resp)
			return
		}
	}
	if m.Password == "" {
		resp.SetResultCode(gldap.ResultSuccess)
		_ = w.Write(resp)
		return
	}
	password, disabled, found := srv.credentials(m.UserName)
	switch {
	case !found || password == "" || subtle.ConstantTimeCompare([]byte(password), []byte(m.Password)) != 1:
		resp.SetDiagnosticMessage(adBindError("52e"))
	case disabled:
		resp.SetDiagnosticMessage(adBindError("533"))
	default:
		resp.SetResultCode(gldap.ResultSuccess)
		srv.setBound(conn, true)
	}
	_ = w.Write(resp)
}

// credentials finds a bindable entry by DN or userPrincipalName.
func (srv *Server) credentials(name string) (password string, disabled, found bool) {
	t := srv.tree
	t.mu.RLock()
	defer t.mu.RUnlock()
	e, ok := t.entries[normDN(name)]
	if !ok && strings.Contains(name, "@") {
		for _, c := range t.entries {
			if strings.EqualFold(c.first("userprincipalname"), name) {
				e, ok = c, true
				break
			}
		}
	}
	if !ok {
		return "", false, false
	}
	uac, _ := strconv.Atoi(e.first("useraccountcontrol"))
	return e.password, uac&UACAccountDisable != 0, true
}
