package adtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// readyLogger is gldap's logger: it discards everything except the
// "listening" line gldap logs once its listener is up, from which it sends
// the bound address. gldap has no other way to report the port it got for
// "127.0.0.1:0", and listening on port 0 avoids the free-port race.
func readyLogger(ready chan<- string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "adtest",
		Level:      hclog.Info,
		JSONFormat: true,
		Output:     &readyWriter{ready: ready},
	})
}

type readyWriter struct {
	mu    sync.Mutex
	buf   []byte
	ready chan<- string
	sent  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := w.buf[:i]
		w.buf = w.buf[i+1:]
		var msg struct {
			Message string `json:"@message"`
			Addr    struct {
				Port int
			} `json:"addr"`
		}
		if w.sent || json.Unmarshal(line, &msg) != nil || msg.Message != "listening" || msg.Addr.Port == 0 {
			continue
		}
		w.sent = true
		w.ready <- net.JoinHostPort("127.0.0.1", strconv.Itoa(msg.Addr.Port))
	}
	return len(p), nil
}

// selfSignedCert makes a throwaway ECDSA certificate for 127.0.0.1 and
// localhost, and a pool trusting it.
func selfSignedCert() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "dc01.adtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
