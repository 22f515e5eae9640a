package ldapsync

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"
)

func TestGUID(t *testing.T) {
	// Vectors: Microsoft's mixed-endian GUID layout (first three fields
	// little-endian, reference directory-sync.md §4.1 [MS3]): the GUID
	// {00010203-0405-0607-0809-0a0b0c0d0e0f} is stored as 03 02 01 00 05
	// 04 07 06 08 09 0a…0f, and 00112233-4455-6677-8899-aabbccddeeff as
	// 33 22 11 00 55 44 77 66 88 99 aa…ff.
	for _, tc := range []struct{ bytes, guid string }{
		{"03020100050407060809" + "0a0b0c0d0e0f", "00010203-0405-0607-0809-0a0b0c0d0e0f"},
		{"33221100554477668899" + "aabbccddeeff", "00112233-4455-6677-8899-aabbccddeeff"},
		{"90395f191ab51b4a9e9686c66cb18d11", "195f3990-b51a-4a1b-9e96-86c66cb18d11"},
	} {
		b, _ := hex.DecodeString(tc.bytes)
		got, err := DecodeGUID(b)
		if err != nil || got != tc.guid {
			t.Errorf("DecodeGUID(%s) = %q, %v; want %q", tc.bytes, got, err, tc.guid)
		}
		back, err := EncodeGUID("{" + bytesUpper(tc.guid) + "}")
		if err != nil || !bytes.Equal(back, b) {
			t.Errorf("EncodeGUID(%s) = %x, %v; want %s", tc.guid, back, err, tc.bytes)
		}
	}
	if _, err := DecodeGUID(make([]byte, 15)); err == nil {
		t.Error("DecodeGUID accepted 15 bytes")
	}
	for _, bad := range []string{"", "00112233-4455-6677-8899", "0011223g-4455-6677-8899-aabbccddeeff", "001122334455-6677-8899-aabb-ccddeeff"} {
		if _, err := EncodeGUID(bad); err == nil {
			t.Errorf("EncodeGUID(%q) succeeded", bad)
		}
	}
	if got := EscapeBytes([]byte{0x33, 0x22, 0x0a, 0xff}); got != `\33\22\0a\ff` {
		t.Errorf("EscapeBytes = %q", got)
	}
}

func bytesUpper(s string) string { return string(bytes.ToUpper([]byte(s))) }

func TestUserAccountControl(t *testing.T) {
	for _, tc := range []struct {
		v        string
		disabled bool
		err      bool
	}{
		{"512", false, false},   // NORMAL_ACCOUNT
		{"514", true, false},    // NORMAL_ACCOUNT | ACCOUNTDISABLE
		{"66048", false, false}, // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
		{"66050", true, false},  // … | ACCOUNTDISABLE
		{"2", true, false},      // ACCOUNTDISABLE alone
		{" 546 ", true, false},  // PASSWD_NOTREQD | ACCOUNTDISABLE | NORMAL, spaces
		{"-2147483646", true, false},
		{"4294967295", true, false},
		{"0x202", false, true},
		{"", false, true},
		{"99999999999", false, true},
	} {
		got, err := UACDisabled(tc.v)
		if (err != nil) != tc.err || got != tc.disabled {
			t.Errorf("UACDisabled(%q) = %v, %v; want %v (error %v)", tc.v, got, err, tc.disabled, tc.err)
		}
	}
}

func TestAccountExpires(t *testing.T) {
	// 100-ns intervals since 1601-01-01: 11644473600 s separate the epochs.
	ticks := func(tm time.Time) int64 { return (tm.Unix() + 11644473600) * 10_000_000 }
	new2025 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if ticks(new2025) != 133801632000000000 {
		t.Fatalf("test arithmetic: %d", ticks(new2025))
	}
	for _, tc := range []struct {
		v     string
		at    time.Time
		never bool
		err   bool
	}{
		{"0", time.Time{}, true, false},
		{"9223372036854775807", time.Time{}, true, false},
		{"133801632000000000", new2025, false, false},
		{"116444736000000000", time.Unix(0, 0).UTC(), false, false},
		{"116444736000000001", time.Unix(0, 100).UTC(), false, false},
		{"116444735999999999", time.Unix(-1, 999_999_900).UTC(), false, false},
		{"-5", time.Time{}, false, true},
		{"soon", time.Time{}, false, true},
	} {
		at, never, err := AccountExpiry(tc.v)
		if (err != nil) != tc.err || never != tc.never || !at.Equal(tc.at) {
			t.Errorf("AccountExpiry(%s) = %v, %v, %v; want %v, %v (error %v)", tc.v, at, never, err, tc.at, tc.never, tc.err)
		}
	}
	for _, tc := range []struct {
		v       string
		now     time.Time
		expired bool
	}{
		{"133801632000000000", new2025.Add(-time.Nanosecond), false},
		{"133801632000000000", new2025, true},
		{"133801632000000000", new2025.Add(time.Hour), true},
		{"0", new2025, false},
		{"9223372036854775807", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		got, err := AccountExpired(tc.v, tc.now)
		if err != nil || got != tc.expired {
			t.Errorf("AccountExpired(%s, %v) = %v, %v; want %v", tc.v, tc.now, got, err, tc.expired)
		}
	}
}
