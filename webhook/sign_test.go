package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

func TestSignVerify(t *testing.T) {
	secret := "whsec_0123456789abcdef"
	body := []byte(`{"id":"e1"}`)
	at := time.Unix(1_700_000_000, 0)
	h := Sign(secret, at, body)

	// The header is exactly what the README tells receivers to recompute.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(at.Unix(), 10) + "." + string(body)))
	if want := "t=1700000000,v1=" + hex.EncodeToString(m.Sum(nil)); h != want {
		t.Fatalf("Sign = %q; want %q", h, want)
	}
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"valid", secret, h, string(body), at.Add(time.Minute), nil},
		{"second v1 matches", secret, "t=1700000000,v1=00ff," + h[len("t=1700000000,"):], string(body), at, nil},
		{"tampered body", secret, h, `{"id":"e2"}`, at, ErrBadSignature},
		{"wrong secret", "whsec_another-secret", h, string(body), at, ErrBadSignature},
		{"replayed later", secret, h, string(body), at.Add(10 * time.Minute), ErrStale},
		{"from the future", secret, h, string(body), at.Add(-10 * time.Minute), ErrStale},
		{"no timestamp", secret, h[len("t=1700000000,"):], string(body), at, ErrNoSignature},
		{"no signature", secret, "t=1700000000", string(body), at, ErrNoSignature},
		{"garbage", secret, "nonsense", string(body), at, ErrNoSignature},
		{"timestamp swapped", secret, "t=1700000001," + h[len("t=1700000000,"):], string(body), at, ErrBadSignature},
	}
	for _, tc := range tests {
		err := Verify(tc.secret, tc.header, []byte(tc.body), tc.now, 5*time.Minute)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: Verify = %v; want %v", tc.name, err, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	w := &Worker{cfg: Config{BackoffBase: time.Second, BackoffMax: time.Minute}}
	for n, full := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second,
		7: time.Minute, 100: time.Minute} {
		for range 50 {
			if d := w.backoff(n); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v; want within [%v, %v]", n, d, full/2, full)
			}
		}
	}
}

func TestParseEventsAndValidate(t *testing.T) {
	got, err := ParseEvents(" user.created, leaver,user.created ,")
	if err != nil || len(got) != 2 || got[0] != "user.created" || got[1] != "leaver" {
		t.Fatalf("ParseEvents = %v, %v", got, err)
	}
	if _, err := ParseEvents("user.created,user.exploded"); err == nil {
		t.Error("ParseEvents accepted an unknown type")
	}
	ok := func() store.Webhook {
		return store.Webhook{URL: "https://hooks.example.com/x", Secret: "0123456789abcdef", Format: FormatJSON}
	}
	if err := Validate(ok()); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	for name, mod := range map[string]func(*store.Webhook){
		"ftp URL":      func(w *store.Webhook) { w.URL = "ftp://x.example.com" },
		"relative URL": func(w *store.Webhook) { w.URL = "/hooks" },
		"credentials":  func(w *store.Webhook) { w.URL = "https://u:p@x.example.com" },
		"format":       func(w *store.Webhook) { w.Format = "xml" },
		"short secret": func(w *store.Webhook) { w.Secret = "short" },
		"event type":   func(w *store.Webhook) { w.Events = []string{"nope"} },
	} {
		w := ok()
		mod(&w)
		if err := Validate(w); err == nil {
			t.Errorf("Validate accepted a bad %s", name)
		}
	}
}
