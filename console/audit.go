package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// eventRow is one event as pages list it.
type eventRow struct {
	Seq                  int64
	Time                 time.Time
	Type, Meaning, Actor string
	Kind                 store.Kind
	ResourceID, Name     string
	Link                 string // the resource's page ("" once purged)
	Summary              []string
}

// auditData is the audit trail page.
type auditData struct {
	Type   string
	Types  []string
	Rows   []eventRow
	Older  string // URL of the next older page, "" when none
	Newest string // URL of the newest page, "" when on it
}

const auditPage = 50

func (s *Server) audit(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	q := r.URL.Query()
	d := auditData{Type: q.Get("type"), Types: directory.EventTypes()}
	eq := store.EventQuery{}
	if d.Type != "" {
		if !slices.Contains(d.Types, d.Type) {
			return &pageError{Status: http.StatusBadRequest, Msg: fmt.Sprintf("%q is not an event type.", d.Type)}
		}
		eq.Types = []string{d.Type}
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	evs, next, err := s.eventsBefore(r.Context(), p.OrgID, eq, before, auditPage)
	if err != nil {
		return err
	}
	if d.Rows, err = s.eventRows(r.Context(), p.OrgID, evs); err != nil {
		return err
	}
	link := func(before int64) string {
		v := url.Values{}
		if d.Type != "" {
			v.Set("type", d.Type)
		}
		if before > 0 {
			v.Set("before", strconv.FormatInt(before, 10))
		}
		if len(v) == 0 {
			return BasePath + "/audit"
		}
		return BasePath + "/audit?" + v.Encode()
	}
	if next > 0 {
		d.Older = link(next)
	}
	if before > 0 {
		d.Newest = link(0)
	}
	return s.render(w, r, &p, http.StatusOK, "audit", view{Title: "Audit trail", Section: "audit", Data: d})
}

// eventsBefore returns up to limit events selected by q (its Types and
// ResourceID) with a Seq below before (0: the newest), newest first, and
// the cursor of the next older page (0: none). The store reads events
// forward only; since an organization's Seqs have no gaps, it reads
// growing windows backward from before until it has enough.
func (s *Server) eventsBefore(ctx context.Context, orgID string, q store.EventQuery, before int64, limit int) ([]store.Event, int64, error) {
	if before <= 0 {
		last, err := s.st.LastEventSeq(ctx, orgID)
		if err != nil {
			return nil, 0, err
		}
		before = last + 1
	}
	const batch = 1000
	var out []store.Event
	hi, span := before, int64(limit)*4
	for hi > 1 && len(out) <= limit {
		lo := max(0, hi-1-span) // the window lo < Seq < hi
		var chunk []store.Event
		for after := lo; ; {
			q.After, q.Limit = after, batch
			evs, err := s.st.Events(ctx, orgID, q)
			if err != nil {
				return nil, 0, err
			}
			done := len(evs) < batch
			for _, e := range evs {
				if e.Seq >= hi {
					done = true
					break
				}
				chunk = append(chunk, e)
			}
			if done {
				break
			}
			after = evs[len(evs)-1].Seq
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			out = append(out, chunk[i])
		}
		hi, span = lo+1, span*4
	}
	if len(out) > limit {
		return out[:limit], out[limit-1].Seq, nil
	}
	return out, 0, nil
}

// eventRows describes events for people, naming the teams they mention.
func (s *Server) eventRows(ctx context.Context, orgID string, evs []store.Event) ([]eventRow, error) {
	names := map[string]string{} // resource id -> name, looked up once
	name := func(kind store.Kind, id string) string {
		n, ok := names[id]
		if !ok {
			n = s.resourceName(ctx, orgID, kind, id)
			names[id] = n
		}
		return n
	}
	rows := make([]eventRow, 0, len(evs))
	for _, e := range evs {
		var d directory.EventData
		if len(e.Data) > 0 {
			_ = json.Unmarshal(e.Data, &d) // an undecodable detail shows no summary
		}
		row := eventRow{Seq: e.Seq, Time: e.Time, Type: e.Type, Meaning: e.Meaning, Actor: e.Actor, Kind: e.Kind,
			ResourceID: e.ResourceID, Name: d.Name}
		if !strings.HasSuffix(e.Type, ".purged") {
			row.Link = resourceLink(e.Kind, e.ResourceID)
			if row.Name == "" {
				row.Name = name(e.Kind, e.ResourceID)
			}
		}
		team := ""
		if d.Team != "" {
			team = name(store.KindGroup, d.Team)
		}
		row.Summary = summarize(e.Type, d, team)
		rows = append(rows, row)
	}
	return rows, nil
}

// resourceName is a user's or team's name, live or archived, else "".
func (s *Server) resourceName(ctx context.Context, orgID string, kind store.Kind, id string) string {
	if r, err := s.st.Get(ctx, orgID, kind, id); err == nil {
		return r.Name
	}
	if r, err := s.st.GetArchived(ctx, orgID, kind, id); err == nil && r.Name != "" {
		return r.Name + " (archived)"
	}
	return ""
}

func resourceLink(kind store.Kind, id string) string {
	if kind == store.KindGroup {
		return BasePath + "/teams/" + url.PathEscape(id)
	}
	return BasePath + "/users/" + url.PathEscape(id)
}

// summarize says in a few lines what an event's detail holds.
func summarize(typ string, d directory.EventData, team string) []string {
	var out []string
	if d.Reason != "" {
		out = append(out, "reason: "+reasonText(d.Reason))
	}
	if d.Team != "" {
		if team == "" {
			team = d.Team
		}
		out = append(out, d.Membership+" team "+team)
	}
	if strings.HasSuffix(typ, ".created") {
		if len(d.Changes) > 0 {
			out = append(out, fmt.Sprintf("%d attributes set", len(d.Changes)))
		}
	} else {
		const shown = 4
		for i, c := range d.Changes {
			if i == shown {
				out = append(out, fmt.Sprintf("and %d more changes", len(d.Changes)-shown))
				break
			}
			out = append(out, fmt.Sprintf("%s: %s → %s", c.Attr, shortValue(c.Old), shortValue(c.New)))
		}
	}
	for _, m := range []struct {
		verb string
		ms   []store.Member
	}{{"added", d.Added}, {"removed", d.Removed}} {
		if len(m.ms) == 0 {
			continue
		}
		names := make([]string, 0, 3)
		for _, x := range m.ms[:min(3, len(m.ms))] {
			n := x.Display
			if n == "" {
				n = x.ID
			}
			names = append(names, n)
		}
		more := ""
		if len(m.ms) > 3 {
			more = fmt.Sprintf(" and %d more", len(m.ms)-3)
		}
		out = append(out, fmt.Sprintf("%s %s%s", m.verb, strings.Join(names, ", "), more))
	}
	return out
}

// shortValue renders a JSON value compactly ("—" when absent).
func shortValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return strconv.Quote(truncate(x, 80))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return truncate(string(b), 120)
}

// truncate cuts s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// reasonText explains an inactive reason.
func reasonText(r string) string {
	switch r {
	case directory.ReasonAdmin:
		return "deactivated by an admin"
	case directory.ReasonIdP:
		return "deactivated by the identity provider"
	case directory.ReasonLeft:
		return "left the directory"
	case directory.ReasonDisabled:
		return "disabled in the directory"
	case directory.ReasonExpired:
		return "expired in the directory"
	case "seat_limit":
		return "seat limit"
	}
	return r
}
