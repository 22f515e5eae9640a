package adtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// GUID is an Active Directory objectGUID: 16 raw bytes, exactly as the
// directory stores them and returns them on the wire.
//
// AD's string form ("{3F2504E0-4F89-11D3-9A0C-0305E82C3301}" without the
// braces) stores the first three fields little-endian: the string shows bytes
// 3-2-1-0, then 5-4, then 7-6, then 8-9 and 10-15 in order. String and
// ParseGUID convert between the two.
type GUID [16]byte

// newGUID returns a random (version 4) GUID laid out as AD lays it out: the
// version nibble is the high nibble of byte 7 because the third field is
// stored little-endian.
func newGUID() (GUID, error) {
	var g GUID
	if _, err := rand.Read(g[:]); err != nil {
		return GUID{}, fmt.Errorf("generating objectGUID: %w", err)
	}
	g[7] = g[7]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g, nil
}

// IsZero reports whether g is all zero bytes.
func (g GUID) IsZero() bool { return g == GUID{} }

// Bytes returns the 16 raw bytes as they travel in objectGUID.
func (g GUID) Bytes() []byte { return append([]byte(nil), g[:]...) }

// String returns the canonical AD string form (lower-case hex, no braces),
// as PowerShell's Get-ADUser prints ObjectGUID.
func (g GUID) String() string {
	order := [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
	var b strings.Builder
	for i, idx := range order {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b.WriteByte('-')
		}
		b.WriteString(hex.EncodeToString(g[idx : idx+1]))
	}
	return b.String()
}

// FilterValue returns the GUID escaped byte by byte for use as an assertion
// value in an LDAP filter, e.g. "(objectGUID=" + g.FilterValue() + ")", the
// only way to search AD by objectGUID.
func (g GUID) FilterValue() string {
	var b strings.Builder
	for _, c := range g {
		b.WriteByte('\\')
		b.WriteString(hex.EncodeToString([]byte{c}))
	}
	return b.String()
}

// ParseGUID parses AD's string form (with or without braces) back into the
// raw byte layout.
func ParseGUID(s string) (GUID, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	raw, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(raw) != 16 || len(s) != 36 {
		return GUID{}, fmt.Errorf("adtest: %q is not a GUID string", s)
	}
	order := [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
	var g GUID
	for i, idx := range order {
		g[idx] = raw[i]
	}
	return g, nil
}

// GUIDFromBytes converts a raw objectGUID value (as returned by
// ldap.Entry.GetRawAttributeValue) into a GUID.
func GUIDFromBytes(b []byte) (GUID, error) {
	if len(b) != 16 {
		return GUID{}, fmt.Errorf("adtest: objectGUID has %d bytes, want 16", len(b))
	}
	var g GUID
	copy(g[:], b)
	return g, nil
}
