package ldaptest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/scimd/scimd/internal/testproc"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"text/template"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// install is where the slapd binary, its schema files and its modules are.
type install struct {
	slapd     string
	schemaDir string
	moduleDir string // "" when back_mdb is built in
}

// schemaFiles are loaded in this order; msuser gives the AD classes and
// attributes (user, computer, group, objectGUID, sAMAccountName,
// userAccountControl, accountExpires, ...) for AD-shaped entries.
func schemaFiles() []string { return []string{"core", "cosine", "inetorgperson", "nis", "msuser"} }

// findSlapd locates slapd (/usr/sbin, then PATH), the schema files and the
// mdb backend module.
func findSlapd() (install, error) {
	var in install
	for _, p := range []string{"/usr/sbin/slapd", "/usr/local/sbin/slapd", "/usr/local/libexec/slapd", "/usr/libexec/slapd"} {
		if isExecutable(p) {
			in.slapd = p
			break
		}
	}
	if in.slapd == "" {
		p, err := exec.LookPath("slapd")
		if err != nil {
			return install{}, errors.New("slapd not found in /usr/sbin or PATH; install Debian's slapd and ldap-utils")
		}
		in.slapd = p
	}
	for _, d := range []string{"/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"} {
		if fileExists(filepath.Join(d, "core.schema")) {
			in.schemaDir = d
			break
		}
	}
	if in.schemaDir == "" {
		return install{}, errors.New("OpenLDAP schema files (core.schema) not found in /etc/ldap/schema")
	}
	for _, s := range schemaFiles() {
		if !fileExists(filepath.Join(in.schemaDir, s+".schema")) {
			return install{}, fmt.Errorf("schema %s.schema missing from %s", s, in.schemaDir)
		}
	}
	for _, d := range []string{"/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/libexec/openldap"} {
		if m, _ := filepath.Glob(filepath.Join(d, "back_mdb*")); len(m) > 0 {
			in.moduleDir = d
			break
		}
	}
	return in, nil
}

var confTemplate = template.Must(template.New("slapd.conf").Parse(`# written by scimd's internal/ldaptest
{{range .Schemas}}include {{.}}
{{end}}pidfile {{.Dir}}/slapd.pid
argsfile {{.Dir}}/slapd.args
{{if .ModuleDir}}modulepath {{.ModuleDir}}
moduleload back_mdb
{{end}}
TLSCACertificateFile {{.TLS.CA}}
TLSCertificateFile {{.TLS.ServerCert}}
TLSCertificateKeyFile {{.TLS.ServerKey}}
TLSVerifyClient try

sizelimit 500

database mdb
maxsize 1073741824
suffix "{{.Suffix}}"
rootdn "{{.RootDN}}"
rootpw {{.RootPassword}}
directory {{.Dir}}/db
dbnosync
index objectClass eq
index uid eq
index entryUUID eq

limits dn.exact="{{.LimitedDN}}" size.soft={{.SizeLimit}} size.hard={{.SizeLimit}}
limits dn.exact="{{.ReaderDN}}" size=unlimited time=unlimited

access to attrs=userPassword
	by anonymous auth
	by * none
access to *
	by users read
	by * none
`))

type confData struct {
	Schemas      []string
	Dir          string
	ModuleDir    string
	TLS          tlsFiles
	Suffix       string
	RootDN       string
	RootPassword string
	LimitedDN    string
	ReaderDN     string
	SizeLimit    int
}

// process is a running slapd.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when slapd has exited
	log  *testproc.Tail
}

// startServer sets up the directory, the certificates and the
// configuration, and starts slapd on free loopback ports (retrying when a
// port is taken between choosing and binding it), then adds the suffix
// entry and the service accounts.
func startServer(in install) (*Server, error) {
	dir, err := os.MkdirTemp("", "scimd-slapd-")
	if err != nil {
		return nil, err
	}
	s, err := configure(in, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var lastErr error
	for range 5 {
		p, err := launch(in, s)
		if err == nil {
			s.proc = p
			if err := s.seed(); err != nil {
				_ = s.stop()
				return nil, err
			}
			return s, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func configure(in install, dir string) (*Server, error) {
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		return nil, err
	}
	files, err := writePKI(dir)
	if err != nil {
		return nil, fmt.Errorf("generating certificates: %w", err)
	}
	s := &Server{
		Suffix:              Suffix,
		RootDN:              "cn=admin," + Suffix,
		RootPassword:        randomHex(12),
		ServiceDN:           "cn=svc-limited," + Suffix,
		ServicePassword:     randomHex(12),
		ReaderDN:            "cn=svc-reader," + Suffix,
		ReaderPassword:      randomHex(12),
		SizeLimit:           SizeLimit,
		CAFile:              files.CA,
		ClientCertFile:      files.ClientCert,
		ClientKeyFile:       files.ClientKey,
		ForeignCertFile:     files.ForeignCert,
		ForeignKeyFile:      files.ForeignKey,
		ServicePasswordFile: filepath.Join(dir, "svc-limited.password"),
		ReaderPasswordFile:  filepath.Join(dir, "svc-reader.password"),
		dir:                 dir,
	}
	if err := os.WriteFile(s.ServicePasswordFile, []byte(s.ServicePassword+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.ReaderPasswordFile, []byte(s.ReaderPassword+"\n"), 0o600); err != nil {
		return nil, err
	}
	data := confData{
		Dir: dir, ModuleDir: in.moduleDir, TLS: files, Suffix: Suffix,
		RootDN: s.RootDN, RootPassword: s.RootPassword,
		LimitedDN: s.ServiceDN, ReaderDN: s.ReaderDN, SizeLimit: SizeLimit,
	}
	for _, name := range schemaFiles() {
		data.Schemas = append(data.Schemas, filepath.Join(in.schemaDir, name+".schema"))
	}
	f, err := os.OpenFile(filepath.Join(dir, "slapd.conf"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	err = confTemplate.Execute(f, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return s, err
}

// launch starts slapd in the foreground (-d 0) and waits until the root
// DN can bind on the plain port and a TLS handshake succeeds on the ldaps
// port.
func launch(in install, s *Server) (*process, error) {
	plain, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	secure, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", plain)
	s.LDAPSURL = fmt.Sprintf("ldaps://127.0.0.1:%d", secure)
	cmd := exec.Command(in.slapd, "-d", "0", "-f", filepath.Join(s.dir, "slapd.conf"),
		"-h", s.URL+"/ "+s.LDAPSURL+"/")
	cmd.Dir = s.dir
	cmd.SysProcAttr = procAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting slapd: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), log: &testproc.Tail{}}
	go func() {
		// Drain the log for slapd's whole life so it never blocks on a
		// full pipe; remember the end for error messages.
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.Add(sc.Text())
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitReady polls slapd (every 20 ms, for at most 20 s) until the root DN
// binds over ldap://.
func (s *Server) waitReady(p *process) error {
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return fmt.Errorf("slapd exited during startup:\n%s", p.log.String())
		case <-deadline.C:
			return fmt.Errorf("slapd not ready after 20s:\n%s", p.log.String())
		case <-tick.C:
			c, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
			if err != nil {
				continue
			}
			err = c.Bind(s.RootDN, s.RootPassword)
			c.Close()
			if err == nil {
				return nil
			}
		}
	}
}

// seed adds the suffix entry and the two service accounts.
func (s *Server) seed() error {
	c, err := s.dialRoot()
	if err != nil {
		return err
	}
	defer c.Close()
	entries := []Entry{
		{DN: Suffix, Attrs: map[string][]string{
			"objectClass": {"dcObject", "organization"}, "dc": {"scimd"}, "o": {"scimd tests"}}},
		{DN: s.ServiceDN, Attrs: map[string][]string{
			"objectClass": {"person"}, "cn": {"svc-limited"}, "sn": {"service"},
			"userPassword": {s.ServicePassword}}},
		{DN: s.ReaderDN, Attrs: map[string][]string{
			"objectClass": {"person"}, "cn": {"svc-reader"}, "sn": {"service"},
			"userPassword": {s.ReaderPassword}}},
	}
	for _, e := range entries {
		if err := add(c, e); err != nil {
			return fmt.Errorf("seeding the directory: %w", err)
		}
	}
	return nil
}

// stop terminates slapd (SIGTERM, then SIGKILL after 10 s).
func (p *process) stop() {
	if p.cmd.Process == nil {
		return
	}
	_ = terminate(p.cmd.Process)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// stop stops slapd and removes the server's directory.
func (s *Server) stop() error {
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("removing the slapd directory: %w", err)
	}
	return nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (see crypto/rand)
	return hex.EncodeToString(b)
}

// itoa is strconv.Itoa, for the attribute builders.
func itoa(n int) string { return strconv.Itoa(n) }
