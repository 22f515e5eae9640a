package adtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// The proxy sits between clients and the gldap server. gldap gives a handler
// no way to close its connection or to send a SearchResultReference or a
// referral result, so the handler writes an in-band control message (an
// ExtendedResponse whose diagnostic message starts with the server's random
// control prefix) and the proxy, which frames every LDAPMessage, acts on it
// instead of forwarding it. The proxy also terminates LDAPS and swallows
// AbandonRequests, which gldap v0.1.14 treats as a fatal protocol error.

const (
	ctlDrop      = "drop"
	ctlRefs      = "refs"     // refs\n<msgless url>\n…: SearchResultReferences
	ctlReferral  = "referral" // referral\n<diag>\n<url>…: SearchResultDone code 10
	maxFrameSize = 64 << 20

	tagAbandonRequest = 0x50 // [APPLICATION 16] primitive
	tagExtendedResp   = 0x78 // [APPLICATION 24] constructed
)

type proxy struct {
	ln       net.Listener
	upstream string
	ctl      []byte
	wg       sync.WaitGroup

	mu     sync.Mutex
	conns  map[*proxyConn]struct{}
	closed bool
}

type proxyConn struct {
	client, up net.Conn
	once       sync.Once
}

func (c *proxyConn) close() {
	c.once.Do(func() {
		_ = c.client.Close()
		_ = c.up.Close()
	})
}

func startProxy(ln net.Listener, upstream, ctl string) *proxy {
	p := &proxy{ln: ln, upstream: upstream, ctl: []byte(ctl), conns: map[*proxyConn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // listener closed
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			_ = client.Close()
			continue
		}
		c := &proxyConn{client: client, up: up}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.close()
			return
		}
		p.conns[c] = struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.toServer(c)
		go p.toClient(c)
	}
}

// close stops accepting, drops every connection and waits for the relays.
func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	_ = p.ln.Close()
	for _, c := range conns {
		c.close()
	}
	p.wg.Wait()
}

func (p *proxy) forget(c *proxyConn) {
	c.close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// toServer relays client requests, dropping AbandonRequests (abandon has no
// response, and AD simply stops the operation).
func (p *proxy) toServer(c *proxyConn) {
	defer p.wg.Done()
	defer p.forget(c)
	r := bufio.NewReader(c.client)
	for {
		frame, err := readFrame(r)
		if err != nil {
			return
		}
		if opTag(frame) == tagAbandonRequest {
			continue
		}
		if _, err := c.up.Write(frame); err != nil {
			return
		}
	}
}

// toClient relays server responses, acting on control messages.
func (p *proxy) toClient(c *proxyConn) {
	defer p.wg.Done()
	defer p.forget(c)
	r := bufio.NewReader(c.up)
	for {
		frame, err := readFrame(r)
		if err != nil {
			return
		}
		if opTag(frame) == tagExtendedResp && bytes.Contains(frame, p.ctl) {
			out, drop, err := p.control(frame)
			if err != nil || drop {
				return
			}
			frame = out
		}
		if _, err := c.client.Write(frame); err != nil {
			return
		}
	}
}

// control turns a control message into the bytes to send instead, or asks
// for the connection to be dropped.
func (p *proxy) control(frame []byte) (out []byte, drop bool, err error) {
	pkt, err := ber.DecodePacketErr(frame)
	if err != nil || len(pkt.Children) < 2 || len(pkt.Children[1].Children) < 3 {
		return nil, true, fmt.Errorf("adtest proxy: malformed control message")
	}
	msgID, ok := pkt.Children[0].Value.(int64)
	if !ok {
		return nil, true, fmt.Errorf("adtest proxy: control message without message ID")
	}
	diag := pkt.Children[1].Children[2].Data.String()
	if !strings.HasPrefix(diag, string(p.ctl)) {
		return frame, false, nil // an ordinary response that merely contains the bytes
	}
	lines := strings.Split(strings.TrimPrefix(diag, string(p.ctl)), "\n")
	switch lines[0] {
	case ctlDrop:
		return nil, true, nil
	case ctlRefs:
		var buf bytes.Buffer
		for _, url := range lines[1:] {
			env := envelope(msgID)
			ref := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 19, nil, "SearchResultReference")
			ref.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, url, "URI"))
			env.AppendChild(ref)
			buf.Write(env.Bytes())
		}
		return buf.Bytes(), false, nil
	case ctlReferral:
		if len(lines) < 2 {
			return nil, true, fmt.Errorf("adtest proxy: referral without message")
		}
		env := envelope(msgID)
		done := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 5, nil, "SearchResultDone")
		done.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(10), "resultCode"))
		done.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
		done.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, lines[1], "diagnosticMessage"))
		refs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 3, nil, "Referral")
		for _, url := range lines[2:] {
			refs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, url, "URI"))
		}
		done.AppendChild(refs)
		env.AppendChild(done)
		return env.Bytes(), false, nil
	}
	return nil, true, fmt.Errorf("adtest proxy: unknown control %q", lines[0])
}

func envelope(msgID int64) *ber.Packet {
	env := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAPMessage")
	env.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, msgID, "messageID"))
	return env
}

// readFrame reads one definite-length BER element (an LDAPMessage) whole.
func readFrame(r *bufio.Reader) ([]byte, error) {
	var head []byte
	id, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	head = append(head, id)
	if id&0x1f == 0x1f { // multi-byte tag
		for {
			b, err := r.ReadByte()
			if err != nil {
				return nil, noEOF(err)
			}
			head = append(head, b)
			if b&0x80 == 0 {
				break
			}
		}
	}
	lb, err := r.ReadByte()
	if err != nil {
		return nil, noEOF(err)
	}
	head = append(head, lb)
	length := int(lb)
	if lb&0x80 != 0 {
		n := int(lb & 0x7f)
		if n == 0 || n > 4 {
			return nil, errors.New("adtest proxy: unsupported BER length form")
		}
		length = 0
		for range n {
			b, err := r.ReadByte()
			if err != nil {
				return nil, noEOF(err)
			}
			head = append(head, b)
			length = length<<8 | int(b)
		}
	}
	if length > maxFrameSize {
		return nil, errors.New("adtest proxy: frame too large: " + strconv.Itoa(length))
	}
	frame := make([]byte, len(head)+length)
	copy(frame, head)
	if _, err := io.ReadFull(r, frame[len(head):]); err != nil {
		return nil, noEOF(err)
	}
	return frame, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// opTag returns the identifier byte of an LDAPMessage's protocolOp, or 0.
func opTag(frame []byte) byte {
	i, ok := skipHeader(frame, 0) // into the SEQUENCE
	if !ok {
		return 0
	}
	i, ok = skipElement(frame, i) // past messageID
	if !ok || i >= len(frame) {
		return 0
	}
	return frame[i]
}

// skipHeader returns the offset of the content of the element at i.
func skipHeader(b []byte, i int) (int, bool) {
	if i+2 > len(b) {
		return 0, false
	}
	i++ // identifier (LDAP uses single-byte tags)
	lb := b[i]
	i++
	if lb&0x80 != 0 {
		i += int(lb & 0x7f)
	}
	return i, i <= len(b)
}

// skipElement returns the offset just after the element at i.
func skipElement(b []byte, i int) (int, bool) {
	if i+2 > len(b) {
		return 0, false
	}
	lb := b[i+1]
	start := i + 2
	length := int(lb)
	if lb&0x80 != 0 {
		n := int(lb & 0x7f)
		if start+n > len(b) {
			return 0, false
		}
		length = 0
		for _, c := range b[start : start+n] {
			length = length<<8 | int(c)
		}
		start += n
	}
	return start + length, start+length <= len(b)
}
