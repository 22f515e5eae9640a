package adtest

import (
	"bufio"
	"net"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
)

func rawBind(msgID int64, dn, password string) []byte {
	env := envelope(msgID)
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 0, nil, "BindRequest")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(3), "version"))
	req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "name"))
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, password, "simple"))
	env.AppendChild(req)
	return env.Bytes()
}

func rawAbandon(msgID, target int64) []byte {
	env := envelope(msgID)
	env.AppendChild(ber.NewInteger(ber.ClassApplication, ber.TypePrimitive, 16, target, "AbandonRequest"))
	return env.Bytes()
}

// TestAbandonKeepsConnection: gldap v0.1.14 closes a connection on an
// AbandonRequest; the proxy swallows it so the connection survives, as with AD.
func TestAbandonKeepsConnection(t *testing.T) {
	srv := Start(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "ldap://"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	r := bufio.NewReader(conn)
	for _, step := range []struct {
		out    []byte
		wantID int64 // 0: no response expected
	}{
		{rawBind(1, srv.BindDN(), srv.BindPassword()), 1},
		{rawAbandon(2, 1), 0},
		{rawBind(3, srv.BindDN(), srv.BindPassword()), 3},
	} {
		if _, err := conn.Write(step.out); err != nil {
			t.Fatalf("write: %v", err)
		}
		if step.wantID == 0 {
			continue
		}
		frame, err := readFrame(r)
		if err != nil {
			t.Fatalf("reading the response to message %d: %v", step.wantID, err)
		}
		pkt, err := ber.DecodePacketErr(frame)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		id, _ := pkt.Children[0].Value.(int64)
		code, _ := pkt.Children[1].Children[0].Value.(int64)
		if id != step.wantID || code != 0 {
			t.Fatalf("response id %d code %d, want id %d code 0", id, code, step.wantID)
		}
	}
}

func TestReadFrameRejectsGarbage(t *testing.T) {
	for name, in := range map[string]string{
		"indefinite length": "\x30\x80\x00\x00",
		"truncated":         "\x30\x05\x02\x01",
		"huge":              "\x30\x84\x7f\xff\xff\xff",
	} {
		if _, err := readFrame(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("%s: readFrame accepted %q", name, in)
		}
	}
}
