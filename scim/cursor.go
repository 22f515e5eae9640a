package scim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// Cursors (RFC 9865). A cursor is self-contained, so any replica can
// serve the next page and nothing is kept per cursor: it carries the
// keyset position of the row the next (or previous) page starts from, the
// resource type, a fingerprint of the filter and sort, the page size and
// the time it was issued, as JSON, followed by an HMAC-SHA256 tag, in
// unpadded base64url (only RFC 3986 §2.3 unreserved characters, as RFC
// 9865 §2 requires). The HMAC key is derived per organization from
// Config.CursorSecret, so a cursor is only good in the organization that
// issued it, and a forged or altered one is refused as invalidCursor
// (RFC 9865 §5.2).

// cursorVersion changes whenever the cursor format does; older cursors
// are then invalid.
const cursorVersion = 1

// cursorTagSize is the length of the truncated HMAC-SHA256 tag.
const cursorTagSize = 16

// cursorState is what a cursor carries.
type cursorState struct {
	V     int    `json:"v"`
	Kind  string `json:"k"`           // resource type
	Query []byte `json:"q"`           // fingerprint of filter, sortBy and sortOrder
	Count int    `json:"c"`           // page size; RFC 9865 §2.1 wants it unchanged
	Back  bool   `json:"b,omitempty"` // the page before the position, not after
	Key   string `json:"s,omitempty"` // store.Keyset of the position
	ID    string `json:"i"`
	Iat   int64  `json:"t"` // issued at, Unix milliseconds
}

// cursorCodec seals and opens cursors.
type cursorCodec struct {
	secret  []byte
	timeout time.Duration
	now     func() time.Time
}

func (s *Server) cursors() cursorCodec {
	return cursorCodec{secret: s.cfg.CursorSecret, timeout: s.cfg.CursorTimeout, now: s.cfg.Now}
}

// fingerprint identifies a query's result set by its compiled filter and
// sort, in which attribute names are canonical: "userName" and "USERNAME"
// give the same fingerprint. Expressions are plain values, so %#v
// spells them out in full.
func fingerprint(kind store.Kind, q store.Query) []byte {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%#v\x00%#v\x00%t", kind, q.Filter, q.SortBy, q.Descending))
	return sum[:12]
}

// orgKey derives the organization's HMAC key from the secret.
func (c cursorCodec) orgKey(orgID string) []byte {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte("scimd cursor key\x00"))
	m.Write([]byte(orgID))
	return m.Sum(nil)
}

func (c cursorCodec) tag(orgID string, payload []byte) []byte {
	m := hmac.New(sha256.New, c.orgKey(orgID))
	m.Write(payload)
	return m.Sum(nil)[:cursorTagSize]
}

// seal issues a cursor for st, now.
func (c cursorCodec) seal(orgID string, st cursorState) (string, error) {
	st.V, st.Iat = cursorVersion, c.now().UnixMilli()
	payload, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("encoding cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(append(payload, c.tag(orgID, payload)...)), nil
}

// open verifies a cursor: 400 invalidCursor unless this server issued it
// for this organization, 400 expiredCursor when it is older than the
// cursor timeout (RFC 9865 §2.1).
func (c cursorCodec) open(orgID, cursor string) (cursorState, error) {
	var st cursorState
	invalid := scimerr.BadRequest(scimerr.InvalidCursor,
		"the cursor is not one this server issued: send an empty cursor for the first page, then nextCursor or previousCursor")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) <= cursorTagSize {
		return st, invalid
	}
	payload, tag := raw[:len(raw)-cursorTagSize], raw[len(raw)-cursorTagSize:]
	if !hmac.Equal(tag, c.tag(orgID, payload)) {
		return st, invalid
	}
	if err := json.Unmarshal(payload, &st); err != nil || st.V != cursorVersion || st.ID == "" {
		return st, invalid
	}
	if age := c.now().Sub(time.UnixMilli(st.Iat)); age > c.timeout {
		return st, scimerr.BadRequest(scimerr.ExpiredCursor,
			"the cursor has expired: request the next page within cursorTimeout (%d seconds), or start over with an empty cursor",
			timeoutSeconds(c.timeout))
	}
	return st, nil
}

// links returns the nextCursor and previousCursor of a page ("" for none):
// nextCursor unless it is the last page, previousCursor unless it is the
// first (RFC 9865 §2). An empty page has neither.
func (c cursorCodec) links(orgID string, st cursorState, page store.Page) (next, prev string, err error) {
	if len(page.Keys) == 0 {
		return "", "", nil
	}
	if page.HasNext {
		last := page.Keys[len(page.Keys)-1]
		st.Back, st.Key, st.ID = false, last.Key, last.ID
		if next, err = c.seal(orgID, st); err != nil {
			return "", "", err
		}
	}
	if page.HasPrev {
		first := page.Keys[0]
		st.Back, st.Key, st.ID = true, first.Key, first.ID
		if prev, err = c.seal(orgID, st); err != nil {
			return "", "", err
		}
	}
	return next, prev, nil
}

// timeoutSeconds is the advertised cursorTimeout: whole seconds, at
// least 1 (RFC 9865 §4: a positive integer).
func timeoutSeconds(d time.Duration) int {
	return max(1, int(d/time.Second))
}
