package store

import (
	"context"
	"time"
)

// Webhook is an organization's subscription to its events, and the state
// of their delivery. The event table is the outbox (see Event): a webhook
// keeps only a cursor into it, so delivery state is one row per webhook.
type Webhook struct {
	OrgID string
	ID    string
	URL   string
	// Secret keys the deliveries' HMAC signatures. A signing key must be
	// kept as is (it cannot be hashed); it is never logged nor listed.
	Secret string
	// Events are the event types and meanings ("user.created", "leaver")
	// delivered; empty delivers every event.
	Events  []string
	Format  string // "json" or "set"
	Enabled bool
	Created time.Time // assigned by the store

	State WebhookState
	// Lease is who delivers the webhook now, if anyone.
	Lease Lease
	// LatestSeq is the organization's highest event Seq when the webhook
	// was read (as LastEventSeq): LatestSeq - State.Cursor events,
	// filtered ones included, are still to pass. Set by the store on read.
	LatestSeq int64
}

// WebhookState is where a webhook's delivery stands. All times are UTC.
type WebhookState struct {
	// Cursor is the Seq of the last event acknowledged by the receiver or
	// passed over by the webhook's filter: the next delivery is the first
	// matching event after it.
	Cursor int64
	// Attempts counts the failed attempts at the event after the cursor
	// (0 once it is acknowledged).
	Attempts int
	// NextAttempt is when the event after the cursor may be tried again;
	// zero when it may be tried now.
	NextAttempt time.Time
	LastAttempt *time.Time
	LastSuccess *time.Time
	// LastStatus is the HTTP status of the last attempt (0: none, or no
	// response); LastError why it failed ("" after a success).
	LastStatus int
	LastError  string
}

// Lease is a time-limited claim on delivering one webhook, so that among
// several processes sharing a database one delivers a webhook at a time.
type Lease struct {
	Owner string
	Until time.Time // zero: not held
}

// WebhookStore keeps webhooks and their delivery state. Every method is
// one transaction; times are UTC at the store's precision.
type WebhookStore interface {
	// CreateWebhook inserts w (OrgID, ID, URL, Secret and Format set by
	// the caller; State.Cursor where delivery starts). A taken id is a
	// *UniqueError, an unknown organization ErrNotFound.
	CreateWebhook(ctx context.Context, w Webhook) error
	// Webhook returns one webhook of the organization (ErrNotFound).
	Webhook(ctx context.Context, orgID, id string) (Webhook, error)
	// Webhooks lists the organization's webhooks, oldest first.
	Webhooks(ctx context.Context, orgID string) ([]Webhook, error)
	// DeleteWebhook removes a webhook and its state (ErrNotFound).
	DeleteWebhook(ctx context.Context, orgID, id string) error
	// SetWebhookEnabled enables or disables a webhook (ErrNotFound).
	// Enabling clears the backoff: the next attempt is due at once.
	SetWebhookEnabled(ctx context.Context, orgID, id string, enabled bool) error

	// EnabledWebhooks lists the enabled webhooks of every organization,
	// each with its LatestSeq: what a delivery worker polls. It is the
	// one read that spans organizations; its per-webhook lookup stays
	// inside the webhook's organization.
	EnabledWebhooks(ctx context.Context) ([]Webhook, error)
	// ClaimWebhook takes the lease of an enabled webhook when it is free
	// or expired at now, and returns the webhook as claimed; ok is false,
	// with no error, when another owner holds it or it is disabled or
	// gone. A claim by the current owner succeeds (it renews the lease).
	ClaimWebhook(ctx context.Context, orgID, id string, l Lease, now time.Time) (w Webhook, ok bool, err error)
	// SaveWebhookState replaces the delivery state, and extends the lease
	// to l.Until, if l.Owner still holds the lease and the cursor is still
	// prev; otherwise it changes nothing and returns ErrPreconditionFailed
	// (the lease was lost: the caller stops delivering).
	SaveWebhookState(ctx context.Context, orgID, id string, l Lease, prev int64, st WebhookState) error
	// ReleaseWebhook gives up owner's lease (a no-op when owner does not
	// hold it).
	ReleaseWebhook(ctx context.Context, orgID, id, owner string) error
}
