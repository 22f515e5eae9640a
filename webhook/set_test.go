package webhook

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

func eventData(t *testing.T, d directory.EventData) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeSET(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	hook := store.Webhook{ID: "wh1", URL: "https://rp.example.com/events", Secret: "whsec_0123456789abcdef", Format: FormatSET}
	changes := directory.EventData{Changes: []directory.AttrChange{
		{Attr: "userName", New: "alice"}, {Attr: "name.givenName", New: "Alice"},
		{Attr: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", New: "R&D"}}}
	tests := []struct {
		name   string
		ev     store.Event
		events map[string]map[string]any // as decoded from JSON
	}{
		{"created", store.Event{Type: directory.EventUserCreated, Kind: store.KindUser, Data: eventData(t, changes)},
			map[string]map[string]any{SETCreate: {"attributes": []any{"id", "userName", "name.givenName",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}}}},
		{"updated", store.Event{Type: directory.EventUserUpdated, Kind: store.KindUser,
			Data: eventData(t, directory.EventData{Changes: []directory.AttrChange{{Attr: "title"}}})},
			map[string]map[string]any{SETPatch: {"attributes": []any{"title"}}}},
		{"members", store.Event{Type: directory.EventGroupMembersChange, Kind: store.KindGroup,
			Data: eventData(t, directory.EventData{Added: []store.Member{{ID: "u1", Kind: store.KindUser}}})},
			map[string]map[string]any{SETPatch: {"attributes": []any{"members"}}}},
		{"teams", store.Event{Type: directory.EventUserTeamsChanged, Kind: store.KindUser, Data: json.RawMessage(`{"team":"g1","joined":true}`)},
			map[string]map[string]any{SETPatch: {"attributes": []any{"groups"}}}},
		{"activated", store.Event{Type: directory.EventUserActivated, Kind: store.KindUser,
			Data: eventData(t, directory.EventData{Changes: []directory.AttrChange{{Attr: "active", Old: false, New: true}}})},
			map[string]map[string]any{SETPatch: {"attributes": []any{"active"}}, SETActivate: {}}},
		{"deactivated", store.Event{Type: directory.EventUserDeactivated, Kind: store.KindUser,
			Data: eventData(t, directory.EventData{Changes: []directory.AttrChange{{Attr: "active", Old: true, New: false}}})},
			map[string]map[string]any{SETPatch: {"attributes": []any{"active"}}, SETDeactivate: {}}},
		{"archived", store.Event{Type: directory.EventGroupArchived, Kind: store.KindGroup, Data: json.RawMessage(`{}`)},
			map[string]map[string]any{SETDelete: {}}},
		{"restored", store.Event{Type: directory.EventUserRestored, Kind: store.KindUser},
			map[string]map[string]any{SETCreate: {"attributes": []any{"id"}}}},
	}
	for _, tc := range tests {
		e := tc.ev
		e.ID, e.ResourceID, e.Time, e.Seq = "ev-"+tc.name, "r-"+tc.name, at, 9
		tok, ok, err := EncodeSET(e, hook, "https://scimd.example.com")
		if err != nil || !ok {
			t.Fatalf("%s: EncodeSET = %v, %v", tc.name, ok, err)
		}
		parts := strings.Split(tok, ".")
		head, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if string(head) != `{"alg":"HS256","typ":"secevent+jwt","kid":"wh1"}` {
			t.Errorf("%s: JOSE header %s", tc.name, head)
		}
		rawClaims, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var generic map[string]any
		if err := json.Unmarshal(rawClaims, &generic); err != nil {
			t.Fatal(err)
		}
		for _, claim := range []string{"iss", "iat", "jti", "aud", "txn", "sub_id", "events"} {
			if _, ok := generic[claim]; !ok {
				t.Errorf("%s: claim %q missing from %s", tc.name, claim, rawClaims)
			}
		}
		if _, ok := generic["sub"]; ok {
			t.Errorf("%s: RFC 9967 §2.1 forbids the sub claim", tc.name)
		}
		c, err := DecodeSET(tok, hook.Secret)
		if err != nil {
			t.Fatalf("%s: DecodeSET: %v", tc.name, err)
		}
		endpoint := map[store.Kind]string{store.KindUser: "/Users/", store.KindGroup: "/Groups/"}[e.Kind]
		if c.Iss != "https://scimd.example.com" || c.Iat != at.Unix() || c.Aud != hook.URL || c.Txn != e.ID ||
			c.SubID != (SubID{Format: "scim", URI: endpoint + e.ResourceID, ID: e.ResourceID}) || len(c.Jti) != 32 {
			t.Errorf("%s: claims %+v", tc.name, c)
		}
		if !reflect.DeepEqual(c.Events, tc.events) {
			t.Errorf("%s: events = %v; want %v", tc.name, c.Events, tc.events)
		}
		// Every attempt sends the same token; another webhook gets another jti.
		again, _, _ := EncodeSET(e, hook, "https://scimd.example.com")
		other := hook
		other.ID = "wh2"
		tok2, _, _ := EncodeSET(e, other, "https://scimd.example.com")
		c2, _ := DecodeSET(tok2, hook.Secret)
		if again != tok || c2.Jti == c.Jti || c2.Txn != c.Txn {
			t.Errorf("%s: want a stable token, a jti per webhook and one txn per event", tc.name)
		}
	}
}

func TestSETSkipsPurgesAndRefusesForgeries(t *testing.T) {
	hook := store.Webhook{ID: "wh1", URL: "https://rp.example.com", Secret: "whsec_0123456789abcdef"}
	if _, ok, err := EncodeSET(store.Event{ID: "e", Type: directory.EventUserPurged, Kind: store.KindUser}, hook, "scimd"); ok || err != nil {
		t.Errorf("a purge has no SET form: ok=%v err=%v", ok, err)
	}
	tok, _, err := EncodeSET(store.Event{ID: "e", Type: directory.EventUserArchived, Kind: store.KindUser, ResourceID: "u"}, hook, "scimd")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"secevent+jwt"}`))
	forged := map[string]string{
		"wrong secret":     "",
		"alg none":         none + "." + parts[1] + ".",
		"claims swapped":   parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"evil"}`)) + "." + parts[2],
		"two parts":        parts[0] + "." + parts[1],
		"bad base64 sig":   parts[0] + "." + parts[1] + ".!!",
		"not a JWT at all": "hello",
	}
	for name, bad := range forged {
		secret := hook.Secret
		if name == "wrong secret" {
			bad, secret = tok, "whsec_another-secret-key"
		}
		if _, err := DecodeSET(bad, secret); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: DecodeSET = %v; want ErrBadToken", name, err)
		}
	}
}
