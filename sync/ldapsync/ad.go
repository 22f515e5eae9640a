package ldapsync

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Active Directory specifics (reference directory-sync.md §4.1).

// DecodeGUID renders a 16-byte AD objectGUID (or ms-DS-ConsistencyGuid)
// in its canonical string form, lower-case: the first three fields are
// stored little-endian (bytes 3 2 1 0 - 5 4 - 7 6), the last two in order
// (8 9 - 10..15) [MS3]. The bytes 33 22 11 00 55 44 77 66 88 99 aa bb cc dd
// ee ff are the GUID 00112233-4455-6677-8899-aabbccddeeff.
func DecodeGUID(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("a GUID has 16 bytes, not %d", len(b))
	}
	ordered := []byte{
		b[3], b[2], b[1], b[0],
		b[5], b[4],
		b[7], b[6],
		b[8], b[9],
		b[10], b[11], b[12], b[13], b[14], b[15],
	}
	h := hex.EncodeToString(ordered)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

// EncodeGUID is DecodeGUID's inverse: the 16 bytes AD stores for a GUID
// written as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (braces and case
// accepted).
func EncodeGUID(s string) ([]byte, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, fmt.Errorf("%q is not a GUID", s)
	}
	b, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	if err != nil {
		return nil, fmt.Errorf("%q is not a GUID", s)
	}
	return []byte{
		b[3], b[2], b[1], b[0],
		b[5], b[4],
		b[7], b[6],
		b[8], b[9],
		b[10], b[11], b[12], b[13], b[14], b[15],
	}, nil
}

// EscapeBytes writes binary data as an LDAP filter value, every byte
// escaped (RFC 4515 §3): (objectGUID=\33\22\11…).
func EscapeBytes(b []byte) string {
	var sb strings.Builder
	sb.Grow(3 * len(b))
	for _, c := range b {
		sb.WriteByte('\\')
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

// UACAccountDisable is the ACCOUNTDISABLE bit of userAccountControl.
const UACAccountDisable = 0x2

// UACDisabled reports whether a userAccountControl value has the
// ACCOUNTDISABLE bit (0x2) set. AD writes the value as a signed 32-bit
// decimal.
func UACDisabled(v string) (bool, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < math.MinInt32 || n > math.MaxUint32 {
		return false, fmt.Errorf("userAccountControl %q is not a 32-bit integer", v)
	}
	return n&UACAccountDisable != 0, nil
}

// adEpochOffset is the number of 100-ns intervals from 1601-01-01 to
// 1970-01-01 (369 years, 89 of them leap years).
const adEpochOffset = 116444736000000000

// AccountExpiry decodes accountExpires: 100-ns intervals since 1601-01-01
// UTC [MS7]. never is true for 0 and 0x7FFFFFFFFFFFFFFF, AD's two ways of
// saying "does not expire" (an account whose expiry was cleared shows 0).
func AccountExpiry(v string) (at time.Time, never bool, err error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("accountExpires %q is not a 64-bit integer", v)
	}
	if n == 0 || n == math.MaxInt64 {
		return time.Time{}, true, nil
	}
	if n < 0 {
		return time.Time{}, false, fmt.Errorf("accountExpires %q is negative", v)
	}
	unix100ns := n - adEpochOffset
	sec, rem := unix100ns/10_000_000, unix100ns%10_000_000
	if rem < 0 {
		sec, rem = sec-1, rem+10_000_000
	}
	return time.Unix(sec, rem*100).UTC(), false, nil
}

// AccountExpired reports whether accountExpires v has passed at now (an
// account expires at the start of the instant given).
func AccountExpired(v string, now time.Time) (bool, error) {
	at, never, err := AccountExpiry(v)
	if err != nil || never {
		return false, err
	}
	return !now.Before(at), nil
}
