package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// Store is what webhooks need of storage: the webhooks and the event
// outbox they deliver from. *sqlstore.Store implements it.
type Store interface {
	store.WebhookStore
	// Events returns an organization's events in Seq order (see
	// store.AuditStore).
	Events(ctx context.Context, orgID string, q store.EventQuery) ([]store.Event, error)
	// LastEventSeq is the organization's highest event Seq.
	LastEventSeq(ctx context.Context, orgID string) (int64, error)
}

// Payload formats.
const (
	// FormatJSON is scimd's own JSON document per event (Payload).
	FormatJSON = "json"
	// FormatSET is an RFC 9967 SCIM Security Event Token per event, a JWT
	// signed with HS256 and the webhook's secret (set.go).
	FormatSET = "set"
)

// Delivery request headers.
const (
	// HeaderSignature is "t=<unix seconds>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>" keyed with the webhook's secret>" (Sign, Verify).
	HeaderSignature = "Scimd-Signature"
	// HeaderEventID is the event's id: the same on every attempt, so a
	// receiver drops duplicates by it.
	HeaderEventID = "Scimd-Event-Id"
	// HeaderEventType is the event's type ("user.created").
	HeaderEventType = "Scimd-Event-Type"
	// HeaderEventSeq is the event's Seq in its organization.
	HeaderEventSeq = "Scimd-Event-Seq"
	// HeaderAttempt counts the attempts at this event, from 1.
	HeaderAttempt = "Scimd-Delivery-Attempt"
	// HeaderWebhookID names the webhook.
	HeaderWebhookID = "Scimd-Webhook-Id"
)

// minSecret is the shortest secret accepted: 16 bytes of key.
const minSecret = 16

// NewSecret returns a fresh random secret: 32 bytes, URL-safe base64,
// prefixed "whsec_".
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a webhook secret: %w", err)
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// ParseEvents splits a comma-separated list of event types and meanings,
// checks every name against directory.EventTypes, and drops duplicates.
// An empty list means every event.
func ParseEvents(s string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, checkEvents(out)
}

func checkEvents(names []string) error {
	known := directory.EventTypes()
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("unknown event type %q (one of %s)", n, strings.Join(known, ", "))
		}
	}
	return nil
}

// Validate checks a webhook's URL (absolute http or https, no user
// information), format, event types and secret, reporting every problem.
func Validate(w store.Webhook) error {
	var errs []error
	u, err := url.Parse(w.URL)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("URL %q: %w", w.URL, err))
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		errs = append(errs, fmt.Errorf("URL %q: want an absolute http:// or https:// URL", w.URL))
	case u.User != nil:
		errs = append(errs, fmt.Errorf("URL %q: credentials do not belong in the URL; the signature authenticates deliveries", u.Redacted()))
	}
	if w.Format != FormatJSON && w.Format != FormatSET {
		errs = append(errs, fmt.Errorf("format %q: want %q or %q", w.Format, FormatJSON, FormatSET))
	}
	if err := checkEvents(w.Events); err != nil {
		errs = append(errs, err)
	}
	if len(w.Secret) < minSecret {
		errs = append(errs, fmt.Errorf("secret: want at least %d characters", minSecret))
	}
	return errors.Join(errs...)
}

// Create validates w and stores it enabled, with a new id, a generated
// secret when w.Secret is empty, and Format json when empty. Delivery
// starts after the organization's latest event, or with its first event
// when fromStart is set. It returns the webhook as created, secret
// included: the only time the caller sees a generated secret.
func Create(ctx context.Context, st Store, w store.Webhook, fromStart bool) (store.Webhook, error) {
	if w.Format == "" {
		w.Format = FormatJSON
	}
	if w.Secret == "" {
		s, err := NewSecret()
		if err != nil {
			return w, err
		}
		w.Secret = s
	}
	if err := Validate(w); err != nil {
		return w, err
	}
	w.ID = directory.NewID()
	w.Enabled = true
	w.State = store.WebhookState{}
	if !fromStart {
		last, err := st.LastEventSeq(ctx, w.OrgID)
		if err != nil {
			return w, err
		}
		w.State.Cursor = last
	}
	if err := st.CreateWebhook(ctx, w); err != nil {
		return w, err
	}
	return w, nil
}
