package ldapsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// Conn is a bound connection to a source's directory. It is not safe for
// concurrent use: one run reads through it at a time.
type Conn struct {
	l   *ldap.Conn
	raw net.Conn // the TCP connection, closed to abort a blocked request
	src Source

	closeOnce sync.Once
}

// Dial connects to the source's directory and binds as its BindDN with the
// password read from its file or environment variable: ldap:// (with
// StartTLS when configured) or ldaps://, verifying the server's
// certificate against CAFile (or the system's trust store) unless
// InsecureSkipVerify, presenting the client certificate when configured.
// Referrals are never chased. ctx bounds the dial, the TLS handshake and
// the bind: when it is done the connection is closed and Dial fails. A
// failed bind is an error, never an empty directory.
func Dial(ctx context.Context, src Source) (*Conn, error) {
	src.ApplyPreset()
	u, err := url.Parse(src.URL)
	if err != nil {
		return nil, fmt.Errorf("ldap source %q: url: %w", src.Name, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "ldap" && scheme != "ldaps" {
		return nil, fmt.Errorf("ldap source %q: url scheme %q must be ldap or ldaps", src.Name, u.Scheme)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"ldap": "389", "ldaps": "636"}[scheme]
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	tlsCfg, err := src.tlsConfig(u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("ldap source %q: %w", src.Name, err)
	}
	password, err := src.bindPassword()
	if err != nil {
		return nil, fmt.Errorf("ldap source %q: %w", src.Name, err)
	}

	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	var nc net.Conn = raw
	if scheme == "ldaps" {
		tc := tls.Client(raw, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
		}
		nc = tc
	}
	l := ldap.NewConn(nc, scheme == "ldaps")
	l.Start()
	c := &Conn{l: l, raw: raw, src: src}
	stop := context.AfterFunc(ctx, c.abort)
	defer stop()
	fail := func(what string, err error) (*Conn, error) {
		c.Close()
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		return nil, fmt.Errorf("%s %s: %w", what, addr, err)
	}
	if src.StartTLS && scheme == "ldap" {
		if err := l.StartTLS(tlsCfg); err != nil {
			return fail("StartTLS with", err)
		}
	}
	if err := l.Bind(src.BindDN, password); err != nil {
		return fail(fmt.Sprintf("binding as %q to", src.BindDN), err)
	}
	if err := ctx.Err(); err != nil {
		return fail("connecting to", err)
	}
	return c, nil
}

// tlsConfig builds the TLS configuration for serverName.
func (s Source) tlsConfig(serverName string) (*tls.Config, error) {
	cfg := &tls.Config{
		ServerName:         serverName,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: s.InsecureSkipVerify, //nolint:gosec // opt-in, warned about by the engine
	}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("caFile: %s holds no PEM certificate", s.CAFile)
		}
		cfg.RootCAs = pool
	}
	if s.ClientCertFile != "" || s.ClientKeyFile != "" {
		cert, err := tls.LoadX509KeyPair(s.ClientCertFile, s.ClientKeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// abort closes the TCP connection under a blocked request, which then
// fails with a network error.
func (c *Conn) abort() { _ = c.raw.Close() }

// Close closes the connection. It may be called more than
// once.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		err = c.l.Close()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
	})
	return err
}

// Source returns the source the connection was dialled for, with its
// preset applied.
func (c *Conn) Source() Source { return c.src }
