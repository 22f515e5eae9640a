package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// RFC 9967 SCIM Security Event Tokens. Each event is one SET (RFC 8417),
// a JWT signed with HS256 (RFC 7515, RFC 7518 §3.2) keyed with the
// webhook's secret, so that a receiver that holds the secret verifies who
// issued it even after a TLS-terminating proxy (RFC 9967 §5 asks for a
// JWS signature then); an unsecured "alg":"none" token is never sent.
// The JOSE header is {"alg":"HS256","typ":"secevent+jwt","kid":<webhook
// id>} (RFC 8417 §2.3 explicit typing).
//
// Claims: iss (the issuer: scimd's public URL), iat (when the event was
// recorded, so every attempt sends the same token), jti (unique per
// webhook and event, the same on every attempt), aud (the webhook's URL),
// txn (RFC 9967 §2.2: the id of the write that recorded the event,
// shared by the events of one write; the event id for events recorded
// before scimd kept it), sub_id (RFC 9967 §2.1: format "scim", the
// resource's relative uri and id; never sub), events.
//
// Events are the "notice" forms (RFC 9967 §2.4): they name the changed
// attributes, never their values, so a token carries no personal data; a
// receiver reads the resource with SCIM GET when it needs it. The
// mapping from scimd's event types:
//
//	user.created, group.created, *.restored   prov:create:notice (restored: it reappears with its id)
//	user.updated, group.updated,
//	group.members_changed, user.teams_changed prov:patch:notice (PUT and PATCH alike)
//	user.activated                            prov:patch:notice + prov:activate
//	user.deactivated                          prov:patch:notice + prov:deactivate
//	user.archived, group.archived             prov:delete (SCIM DELETE archives; the resource answers 404)
//	user.purged, group.purged                 none: nothing visible to SCIM changes; not sent
//
// Several event URIs in one SET are one state change of one resource
// (RFC 9967 §2.1).

// SET event URIs (RFC 9967 §7.4).
const (
	SETCreate     = "urn:ietf:params:scim:event:prov:create:notice"
	SETPatch      = "urn:ietf:params:scim:event:prov:patch:notice"
	SETDelete     = "urn:ietf:params:scim:event:prov:delete"
	SETActivate   = "urn:ietf:params:scim:event:prov:activate"
	SETDeactivate = "urn:ietf:params:scim:event:prov:deactivate"
)

// SubID is the RFC 9967 §2.1 subject of a SET.
type SubID struct {
	Format string `json:"format"` // "scim"
	URI    string `json:"uri"`    // "/Users/<id>", relative to the SCIM base URL
	ID     string `json:"id"`
}

// SETClaims are the claims of a SET scimd issues.
type SETClaims struct {
	Iss    string                    `json:"iss"`
	Iat    int64                     `json:"iat"`
	Jti    string                    `json:"jti"`
	Aud    string                    `json:"aud"`
	Txn    string                    `json:"txn"`
	SubID  SubID                     `json:"sub_id"`
	Events map[string]map[string]any `json:"events"`
}

type joseHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid,omitempty"`
}

// setEvents maps an event to its SET events; nil when it has none.
func setEvents(e store.Event) (map[string]map[string]any, error) {
	var d directory.EventData
	if len(e.Data) > 0 {
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, fmt.Errorf("decoding the data of event %s: %w", e.ID, err)
		}
	}
	notice := func(first ...string) map[string]any {
		attrs := append([]string{}, first...)
		add := func(a string) {
			if !slices.Contains(attrs, a) {
				attrs = append(attrs, a)
			}
		}
		for _, c := range d.Changes {
			add(c.Attr)
		}
		if len(d.Added)+len(d.Removed) > 0 {
			add("members")
		}
		if e.Type == directory.EventUserTeamsChanged {
			add("groups")
		}
		return map[string]any{"attributes": attrs}
	}
	switch e.Type {
	case directory.EventUserCreated, directory.EventGroupCreated:
		return map[string]map[string]any{SETCreate: notice("id")}, nil
	case directory.EventUserRestored, directory.EventGroupRestored:
		return map[string]map[string]any{SETCreate: {"attributes": []string{"id"}}}, nil
	case directory.EventUserUpdated, directory.EventGroupUpdated, directory.EventGroupMembersChange,
		directory.EventUserTeamsChanged:
		return map[string]map[string]any{SETPatch: notice()}, nil
	case directory.EventUserActivated:
		return map[string]map[string]any{SETPatch: notice(), SETActivate: {}}, nil
	case directory.EventUserDeactivated:
		return map[string]map[string]any{SETPatch: notice(), SETDeactivate: {}}, nil
	case directory.EventUserArchived, directory.EventGroupArchived:
		return map[string]map[string]any{SETDelete: {}}, nil
	}
	return nil, nil
}

// EncodeSET returns the SET of event e for webhook h, signed with its
// secret; ok is false when e has no SET form (see the table above).
func EncodeSET(e store.Event, h store.Webhook, issuer string) (token string, ok bool, err error) {
	events, err := setEvents(e)
	if err != nil || events == nil {
		return "", false, err
	}
	endpoint := "/Users/"
	if e.Kind == store.KindGroup {
		endpoint = "/Groups/"
	}
	jti := sha256.Sum256([]byte(h.ID + "/" + e.ID))
	claims := SETClaims{
		Iss: issuer, Iat: e.Time.Unix(), Jti: hex.EncodeToString(jti[:16]), Aud: h.URL, Txn: txnOf(e),
		SubID:  SubID{Format: "scim", URI: endpoint + e.ResourceID, ID: e.ResourceID},
		Events: events,
	}
	head, err := json.Marshal(joseHeader{Alg: "HS256", Typ: "secevent+jwt", Kid: h.ID})
	if err != nil {
		return "", false, err
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", false, fmt.Errorf("encoding the SET of event %s: %w", e.ID, err)
	}
	input := b64(head) + "." + b64(body)
	return input + "." + b64(hs256(h.Secret, input)), true, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func hs256(secret, input string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(input))
	return m.Sum(nil)
}

// ErrBadToken is what DecodeSET reports for a token it does not accept.
var ErrBadToken = errors.New("webhook: invalid security event token")

// DecodeSET verifies a SET as a receiver does (HS256 with the webhook's
// secret, typ secevent+jwt; any other alg, "none" included, is refused)
// and returns its claims.
func DecodeSET(token, secret string) (SETClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return SETClaims{}, fmt.Errorf("%w: want three dot-separated parts", ErrBadToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	var h joseHeader
	if err != nil || json.Unmarshal(raw, &h) != nil {
		return SETClaims{}, fmt.Errorf("%w: malformed header", ErrBadToken)
	}
	if h.Alg != "HS256" || h.Typ != "secevent+jwt" {
		return SETClaims{}, fmt.Errorf("%w: header alg %q typ %q; want HS256 and secevent+jwt", ErrBadToken, h.Alg, h.Typ)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, hs256(secret, parts[0]+"."+parts[1])) {
		return SETClaims{}, fmt.Errorf("%w: signature does not match", ErrBadToken)
	}
	raw, err = base64.RawURLEncoding.DecodeString(parts[1])
	var c SETClaims
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return SETClaims{}, fmt.Errorf("%w: malformed claims", ErrBadToken)
	}
	return c, nil
}

// txnOf is the transaction an event belongs to.
func txnOf(e store.Event) string {
	if e.Txn != "" {
		return e.Txn
	}
	return e.ID
}
