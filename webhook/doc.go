// Package webhook delivers an organization's events (store.Event, the
// audit trail that doubles as the outbox) to the HTTP endpoints it
// subscribed: payload encoding (scimd's JSON, or RFC 9967 SCIM Security
// Event Tokens), signing (HMAC-SHA256 over timestamp and body), and the
// delivery worker (retries with backoff until acknowledged, in order, at
// least once, its state in the database so that it survives restarts,
// one delivering replica per webhook).
//
// Delivery model: each webhook has a cursor, the Seq of the last event
// its receiver acknowledged (or its filter passed over). The worker
// delivers the first matching event after the cursor and moves the cursor
// only when a 2xx answer acknowledges it; the next event waits until
// then. Order per resource, and across resources, is therefore Seq order,
// which is commit order. The price is head-of-line blocking: a receiver
// that keeps failing one event holds back every later event of that
// webhook (and only that webhook) until it accepts it or an admin disables
// or deletes the webhook.
//
// It knows the store contract (events, webhooks) and the directory's
// event vocabulary; it must not import SQL drivers, store/sqlstore, scim
// or sync.
package webhook
