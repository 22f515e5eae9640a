package webhook

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/scimd/scimd/store"
)

// Payload is the body of a json-format delivery: one event. It is the
// same bytes on every attempt.
type Payload struct {
	ID       string          `json:"id"`  // the event's id (HeaderEventID)
	Seq      int64           `json:"seq"` // its Seq in the organization
	OrgID    string          `json:"orgId"`
	Type     string          `json:"type"`              // "user.updated"
	Meaning  string          `json:"meaning,omitempty"` // "joiner", "mover", "leaver"
	Time     time.Time       `json:"time"`              // when it happened, UTC
	Txn      string          `json:"txn,omitempty"`     // shared by the events of one write
	Resource Resource        `json:"resource"`
	Actor    string          `json:"actor"` // "token:okta", "sync:corp:<run>", "cli:alice"
	Data     json.RawMessage `json:"data"`  // directory.EventData: changes, members, reason
}

// Resource names the resource an event is about.
type Resource struct {
	Type string `json:"type"` // "User" or "Group"
	ID   string `json:"id"`
}

// Content types of deliveries.
const (
	contentJSON = "application/json"
	contentSET  = "application/secevent+jwt" // RFC 8417 §2.3
)

// encode renders the body of e for webhook h; skip is true when the
// format has nothing to say about e (the cursor moves past it).
func encode(e store.Event, h store.Webhook, issuer string) (body []byte, contentType string, skip bool, err error) {
	switch h.Format {
	case FormatSET:
		tok, ok, err := EncodeSET(e, h, issuer)
		return []byte(tok), contentSET, !ok, err
	case FormatJSON, "":
		data := e.Data
		if len(data) == 0 {
			data = json.RawMessage("{}")
		}
		b, err := json.Marshal(Payload{ID: e.ID, Seq: e.Seq, OrgID: e.OrgID, Txn: e.Txn, Type: e.Type, Meaning: e.Meaning,
			Time: e.Time.UTC(), Resource: Resource{Type: string(e.Kind), ID: e.ResourceID}, Actor: e.Actor, Data: data})
		if err != nil {
			return nil, "", false, fmt.Errorf("encoding event %s: %w", e.ID, err)
		}
		return b, contentJSON, false, nil
	}
	return nil, "", false, fmt.Errorf("webhook %s: unknown format %q", h.ID, h.Format)
}
