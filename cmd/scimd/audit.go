package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// scimd audit list: an organization's audit trail (store.Events), oldest
// first, from a position (--after) on.

const auditSynopsis = "scimd audit list --org ORG [--user ID|USERNAME] [--type T,…] [--since 2026-01-01|7d] [--after SEQ] [--limit N] [--format table|json] [flags]"

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if _, err := subcommand("audit", args, map[string]string{"list": auditSynopsis}, []string{"list"}, stdout); err != nil {
		return err
	}
	fs := newFlags("audit list", auditSynopsis, stderr)
	cf := addConfigFlags(fs, false)
	orgName := fs.String("org", "", "organization name")
	userArg := fs.String("user", "", "only the events of this user (id, or userName of a live or archived user)")
	types := fs.String("type", "", "only these event types or meanings, comma-separated (user.created, joiner, mover, leaver, …)")
	since := fs.String("since", "", "only events from this date (2026-01-01), time (RFC 3339) or age (7d, 12h) on")
	after := fs.Int64("after", 0, "only events after this sequence number (the SEQ column)")
	limit := fs.Int("limit", 100, "most events to list")
	format := fs.String("format", "table", "table or json")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	var problems []string
	if *orgName == "" || len(pos) != 0 {
		problems = append(problems, "audit list needs --org and no arguments")
	}
	q := store.EventQuery{After: *after, Types: splitComma(*types)}
	for _, t := range q.Types {
		if !slices.Contains(directory.EventTypes(), t) {
			problems = append(problems, fmt.Sprintf("--type %q: want one of %s", t, strings.Join(directory.EventTypes(), ", ")))
		}
	}
	if *since != "" {
		if q.Since, err = parseSince(*since, time.Now()); err != nil {
			problems = append(problems, "--since: "+err.Error())
		}
	}
	if *limit < 1 {
		problems = append(problems, "--limit must be at least 1")
	}
	if *after < 0 {
		problems = append(problems, "--after must not be negative")
	}
	if *format != "table" && *format != "json" {
		problems = append(problems, fmt.Sprintf("--format %q: want table or json", *format))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errUsage, strings.Join(problems, "; "))
	}
	return withDirectory(ctx, cf, func(d *directory.Service) error {
		org, err := orgByName(ctx, d, *orgName)
		if err != nil {
			return err
		}
		if *userArg != "" {
			if q.ResourceID, err = userID(ctx, d.Store(), org.ID, *userArg); err != nil {
				return err
			}
		}
		var evs []store.Event
		for len(evs) < *limit {
			q.Limit = min(*limit-len(evs), 1000)
			page, err := d.Store().Events(ctx, org.ID, q)
			if err != nil {
				return err
			}
			evs = append(evs, page...)
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1].Seq
		}
		if err := printEvents(stdout, *format, evs); err != nil {
			return err
		}
		if len(evs) == *limit {
			fmt.Fprintf(stderr, "scimd: %d events listed; there may be more: --after %d\n", len(evs), evs[len(evs)-1].Seq)
		}
		return nil
	})
}

// parseSince reads a date, an RFC 3339 time or an age before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := parseAge(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2026-01-01), a time (RFC 3339) nor an age (7d)", s)
}

// userID resolves --user: an id as it is (a purged user's events keep
// it), else the userName of a live, then of an archived, user.
func userID(ctx context.Context, st store.Store, orgID, arg string) (string, error) {
	if _, err := uuid.Parse(arg); err == nil {
		return arg, nil
	}
	f := store.Compare{Attr: store.Attr{Column: store.ColName, Type: store.TypeString}, Op: store.OpEq, Value: arg}
	for _, archived := range []bool{false, true} {
		page, err := st.List(ctx, orgID, store.KindUser, store.Query{Filter: f, Count: 1, Archived: archived})
		if err != nil {
			return "", err
		}
		if len(page.Resources) > 0 {
			return page.Resources[0].ID, nil
		}
	}
	return "", fmt.Errorf("no user %q: give a user id or the userName of a live or archived user", arg)
}

// eventJSON is one event of audit list --format json.
type eventJSON struct {
	Seq        int64           `json:"seq"`
	ID         string          `json:"id"`
	Time       time.Time       `json:"time"`
	Type       string          `json:"type"`
	Meaning    string          `json:"meaning,omitempty"`
	Kind       store.Kind      `json:"kind"`
	ResourceID string          `json:"resourceId"`
	Actor      string          `json:"actor"`
	Data       json.RawMessage `json:"data"`
}

func printEvents(w io.Writer, format string, evs []store.Event) error {
	if format == "json" {
		out := make([]eventJSON, len(evs))
		for i, e := range evs {
			data := e.Data
			if len(data) == 0 {
				data = json.RawMessage("{}")
			}
			out[i] = eventJSON{Seq: e.Seq, ID: e.ID, Time: e.Time, Type: e.Type, Meaning: e.Meaning, Kind: e.Kind,
				ResourceID: e.ResourceID, Actor: e.Actor, Data: data}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tTYPE\tMEANING\tACTOR\tRESOURCE\tDETAIL")
	for _, e := range evs {
		meaning := e.Meaning
		if meaning == "" {
			meaning = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Type, meaning, e.Actor,
			e.ResourceID, eventDetail(e.Data))
	}
	return tw.Flush()
}

// eventDetail summarises an event's data on one line: the name, the
// attributes changed, the members added and removed, the reason.
func eventDetail(raw json.RawMessage) string {
	var d directory.EventData
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return ""
	}
	var parts []string
	if d.Name != "" {
		parts = append(parts, fmt.Sprintf("%q", d.Name))
	}
	if len(d.Changes) > 0 {
		attrs := make([]string, len(d.Changes))
		for i, c := range d.Changes {
			attrs[i] = c.Attr
			if j := strings.LastIndex(c.Attr, ":"); j >= 0 { // an extension's: its own name
				attrs[i] = c.Attr[j+1:]
			}
		}
		parts = append(parts, "changed "+strings.Join(attrs, ", "))
	}
	if len(d.Added) > 0 {
		parts = append(parts, fmt.Sprintf("+%d members", len(d.Added)))
	}
	if len(d.Removed) > 0 {
		parts = append(parts, fmt.Sprintf("-%d members", len(d.Removed)))
	}
	if d.Membership != "" {
		parts = append(parts, d.Membership+" team "+d.Team)
	}
	if d.Reason != "" {
		parts = append(parts, "reason "+d.Reason)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}
