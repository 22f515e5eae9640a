package ldaptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// authority is a throwaway certificate authority.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newAuthority(name string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"scimd tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key, pem: pemBlock("CERTIFICATE", der)}, nil
}

// issue signs a leaf certificate: a server certificate for the loopback
// addresses and localhost when server is true, else a client certificate
// for cn. It returns the certificate and key in PEM.
func (a *authority) issue(cn string, server bool) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"scimd tests"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", kder), nil
}

// tlsFiles are the PEM files of a run, all in the server's directory.
type tlsFiles struct {
	CA, ServerCert, ServerKey string
	ClientCert, ClientKey     string
	ForeignCert, ForeignKey   string // a client certificate from another CA
}

// writePKI generates the run's CA, server and client certificates, and a
// client certificate from an unrelated CA, into dir.
func writePKI(dir string) (tlsFiles, error) {
	ca, err := newAuthority("scimd test CA")
	if err != nil {
		return tlsFiles{}, err
	}
	foreign, err := newAuthority("unrelated CA")
	if err != nil {
		return tlsFiles{}, err
	}
	f := tlsFiles{
		CA:          filepath.Join(dir, "ca.pem"),
		ServerCert:  filepath.Join(dir, "server.pem"),
		ServerKey:   filepath.Join(dir, "server.key"),
		ClientCert:  filepath.Join(dir, "client.pem"),
		ClientKey:   filepath.Join(dir, "client.key"),
		ForeignCert: filepath.Join(dir, "foreign.pem"),
		ForeignKey:  filepath.Join(dir, "foreign.key"),
	}
	if err := os.WriteFile(f.CA, ca.pem, 0o644); err != nil {
		return tlsFiles{}, err
	}
	for _, leaf := range []struct {
		by        *authority
		cn        string
		server    bool
		cert, key string
	}{
		{ca, "localhost", true, f.ServerCert, f.ServerKey},
		{ca, "scimd-sync", false, f.ClientCert, f.ClientKey},
		{foreign, "intruder", false, f.ForeignCert, f.ForeignKey},
	} {
		c, k, err := leaf.by.issue(leaf.cn, leaf.server)
		if err != nil {
			return tlsFiles{}, fmt.Errorf("issuing %s: %w", leaf.cn, err)
		}
		if err := os.WriteFile(leaf.cert, c, 0o644); err != nil {
			return tlsFiles{}, err
		}
		if err := os.WriteFile(leaf.key, k, 0o600); err != nil {
			return tlsFiles{}, err
		}
	}
	return f, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// serial returns a random 126-bit serial number (crypto/rand never fails
// on the platforms Go supports: it crashes the program instead).
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	return n
}
