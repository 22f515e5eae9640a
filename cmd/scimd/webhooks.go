package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/webhook"
)

// "scimd webhooks …": an organization's webhooks and their delivery state;
// and the delivery worker serve runs.

var _ webhook.Store = (*sqlstore.Store)(nil)

var webhooksUsage = map[string]string{
	"create":  "scimd webhooks create --org ORG --url URL [--secret-file F | --secret-env VAR] [--events TYPES] [--format json|set] [--from-start] [flags]",
	"list":    "scimd webhooks list --org ORG [flags]",
	"status":  "scimd webhooks status --org ORG [flags]",
	"delete":  "scimd webhooks delete --org ORG ID [flags]",
	"enable":  "scimd webhooks enable --org ORG ID [flags]",
	"disable": "scimd webhooks disable --org ORG ID [flags]",
}

var webhooksOrder = []string{"create", "list", "status", "delete", "enable", "disable"}

// envWebhookPoll sets how often serve's delivery worker looks for new
// events (a Go duration; default 5s).
const envWebhookPoll = "SCIMD_WEBHOOK_POLL_INTERVAL"

type webhookFlags struct {
	org, url, secretFile, secretEnv, events, format string
	fromStart                                       bool
}

func cmdWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, err := subcommand("webhooks", args, webhooksUsage, webhooksOrder, stdout)
	if err != nil {
		return err
	}
	fs := newFlags("webhooks "+sub, webhooksUsage[sub], stderr)
	cf := addConfigFlags(fs, false)
	var f webhookFlags
	fs.StringVar(&f.org, "org", "", "organization name")
	if sub == "create" {
		fs.StringVar(&f.url, "url", "", "the receiver's http:// or https:// URL")
		fs.StringVar(&f.secretFile, "secret-file", "", "read the signing secret from this file (default: generate one and print it once)")
		fs.StringVar(&f.secretEnv, "secret-env", "", "read the signing secret from this environment variable")
		fs.StringVar(&f.events, "events", "", "comma-separated event types and meanings to deliver, e.g. user.created,leaver (default: all)")
		fs.StringVar(&f.format, "format", webhook.FormatJSON, "payload format: json, or set (RFC 9967 Security Event Tokens)")
		fs.BoolVar(&f.fromStart, "from-start", false, "deliver the organization's past events too (default: only events after creation)")
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	needsID := sub == "delete" || sub == "enable" || sub == "disable"
	switch {
	case f.org == "":
		return fmt.Errorf("%w: webhooks %s needs --org", errUsage, sub)
	case needsID && len(pos) != 1:
		return fmt.Errorf("%w: webhooks %s takes exactly one ID", errUsage, sub)
	case !needsID && len(pos) != 0:
		return fmt.Errorf("%w: webhooks %s takes no arguments", errUsage, sub)
	}
	var spec store.Webhook
	if sub == "create" {
		if spec, err = f.spec(); err != nil {
			return err
		}
	}
	return withDirectory(ctx, cf, func(d *directory.Service) error {
		o, err := orgByName(ctx, d, f.org)
		if err != nil {
			return err
		}
		st, ok := d.Store().(webhook.Store)
		if !ok {
			return errors.New("this store keeps no webhooks")
		}
		switch sub {
		case "create":
			spec.OrgID = o.ID
			return createWebhook(ctx, st, spec, f, stdout)
		case "list":
			return listWebhooks(ctx, st, o.ID, stdout)
		case "status":
			return webhookStatus(ctx, st, o.ID, stdout)
		case "delete":
			err = st.DeleteWebhook(ctx, o.ID, pos[0])
		default:
			err = st.SetWebhookEnabled(ctx, o.ID, pos[0], sub == "enable")
		}
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no webhook %q in organization %q (see scimd webhooks list)", pos[0], f.org)
		}
		if err == nil {
			fmt.Fprintf(stdout, "webhook %s %sd\n", pos[0], sub)
		}
		return err
	})
}

// spec checks the create flags (usage errors) and reads the secret.
func (f webhookFlags) spec() (store.Webhook, error) {
	if f.url == "" {
		return store.Webhook{}, fmt.Errorf("%w: webhooks create needs --url", errUsage)
	}
	if f.secretFile != "" && f.secretEnv != "" {
		return store.Webhook{}, fmt.Errorf("%w: give --secret-file or --secret-env, not both", errUsage)
	}
	events, err := webhook.ParseEvents(f.events)
	if err != nil {
		return store.Webhook{}, fmt.Errorf("%w: --events: %v", errUsage, err)
	}
	w := store.Webhook{URL: f.url, Events: events, Format: f.format}
	switch {
	case f.secretFile != "":
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return w, fmt.Errorf("reading the secret: %w", err)
		}
		w.Secret = strings.TrimSpace(string(b))
	case f.secretEnv != "":
		w.Secret = os.Getenv(f.secretEnv)
		if w.Secret == "" {
			return w, fmt.Errorf("%w: environment variable %s is empty or unset", errUsage, f.secretEnv)
		}
	}
	check := w
	if check.Secret == "" {
		check.Secret = strings.Repeat("x", 32) // generated later
	}
	if err := webhook.Validate(check); err != nil {
		return w, fmt.Errorf("%w: %v", errUsage, err)
	}
	return w, nil
}

func createWebhook(ctx context.Context, st webhook.Store, spec store.Webhook, f webhookFlags, stdout io.Writer) error {
	w, err := webhook.Create(ctx, st, spec, f.fromStart)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, w.ID)
	if spec.Secret == "" {
		// Printed once, here only; never logged nor listed.
		fmt.Fprintf(stdout, "secret (shown once, store it now): %s\n", w.Secret)
	}
	return nil
}

func listWebhooks(ctx context.Context, st webhook.Store, orgID string, stdout io.Writer) error {
	hooks, err := st.Webhooks(ctx, orgID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tFORMAT\tEVENTS\tENABLED\tCREATED")
	for _, h := range hooks {
		events := strings.Join(h.Events, ",")
		if events == "" {
			events = "all"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\n", h.ID, h.URL, h.Format, events, h.Enabled, h.Created.Format(time.RFC3339))
	}
	return tw.Flush()
}

func webhookStatus(ctx context.Context, st webhook.Store, orgID string, stdout io.Writer) error {
	hooks, err := st.Webhooks(ctx, orgID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tENABLED\tCURSOR\tLATEST\tBACKLOG\tATTEMPTS\tNEXT ATTEMPT\tLAST STATUS\tLAST SUCCESS\tLAST ERROR")
	for _, h := range hooks {
		s := h.State
		next := "-"
		if s.Attempts > 0 && h.Enabled {
			next = "now"
			if !s.NextAttempt.IsZero() {
				next = s.NextAttempt.Format(time.RFC3339)
			}
		}
		status, lastErr := "-", s.LastError
		if s.LastStatus != 0 {
			status = strconv.Itoa(s.LastStatus)
		}
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%s\t%t\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", h.ID, h.Enabled, s.Cursor, h.LatestSeq,
			max(h.LatestSeq-s.Cursor, 0), s.Attempts, next, status, timeOrDash(s.LastSuccess), truncate(lastErr, 60))
	}
	return tw.Flush()
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// startWebhooks runs the delivery worker until ctx ends; stop cancels it
// and waits for the deliveries in flight.
func startWebhooks(ctx context.Context, cfg Config, st *sqlstore.Store, log *slog.Logger, reg prometheus.Registerer) (stop func(), err error) {
	wc := webhook.Config{Store: st, Logger: log, Registerer: reg, Issuer: cfg.PublicURL}
	if v := os.Getenv(envWebhookPoll); v != "" {
		if wc.PollInterval, err = time.ParseDuration(v); err != nil || wc.PollInterval <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive duration", envWebhookPoll, v)
		}
	}
	w, err := webhook.New(wc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			log.Error("webhook delivery stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}
