package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// maxLimit caps a page of events (the store's own cap).
const maxLimit = 1000

// eventJSON is one event as the API returns it.
type eventJSON struct {
	Seq          int64           `json:"seq"`
	ID           string          `json:"id"`
	Time         string          `json:"time"`          // RFC 3339, UTC
	Txn          string          `json:"txn,omitempty"` // shared by the events of one write
	Type         string          `json:"type"`
	Meaning      string          `json:"meaning,omitempty"` // joiner, mover, leaver
	ResourceType string          `json:"resourceType"`      // User, Group
	ResourceID   string          `json:"resourceId"`
	Actor        string          `json:"actor"`
	Data         json.RawMessage `json:"data"`
}

// eventPage is the response of GET /events. Next is the cursor to pass as
// after for the following page: the last event's seq, or the request's
// own after when the page is empty, so that a client polling for new
// events always has a cursor to send.
type eventPage struct {
	Events []eventJSON `json:"events"`
	Next   string      `json:"next"`
}

// listEvents serves GET /api/v1/events: the organization's events in seq
// order, after the cursor, filtered by type or meaning, resource and time.
//
//	after=SEQ        only events after this seq (the previous page's next); default 0
//	type=T           an event type or a meaning (joiner, mover, leaver); repeat or
//	                 separate with commas for several; default all
//	resource=ID      only the events of one user or group
//	since=RFC3339    only events at or after this time
//	limit=N          at most N events, 1 to 1000; default 100
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.events(w, r, p, false)
}

// listAudit serves GET /api/v1/audit: the audit trail, which is the
// events (GET /events) with user=ID as another name for resource=ID.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.events(w, r, p, true)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal, audit bool) error {
	v := r.URL.Query()
	if audit && v.Has("user") {
		if v.Has("resource") {
			return errorf(http.StatusBadRequest, "give user or resource, not both")
		}
		v["resource"] = v["user"]
		delete(v, "user")
	}
	q, err := parseEventQuery(v, audit)
	if err != nil {
		return err
	}
	evs, err := s.dir.Store().Events(r.Context(), p.OrgID, q)
	if err != nil {
		return err
	}
	page := eventPage{Events: eventsOf(evs), Next: strconv.FormatInt(q.After, 10)}
	if len(evs) > 0 {
		page.Next = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	return writeJSON(w, http.StatusOK, page)
}

// eventsOf is events as the API returns them.
func eventsOf(evs []store.Event) []eventJSON {
	out := make([]eventJSON, 0, len(evs))
	for _, e := range evs {
		data := e.Data
		if len(data) == 0 {
			data = json.RawMessage("null") // a purged resource's events keep no data
		}
		out = append(out, eventJSON{
			Seq: e.Seq, ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), Txn: e.Txn, Type: e.Type, Meaning: e.Meaning,
			ResourceType: string(e.Kind), ResourceID: e.ResourceID, Actor: e.Actor, Data: data,
		})
	}
	return out
}

// parseEventQuery reads the query parameters of GET /events, refusing
// (400) unknown parameters and malformed values with a message that says
// what is expected.
func parseEventQuery(v url.Values, audit bool) (store.EventQuery, error) {
	var q store.EventQuery
	for k := range v {
		switch k {
		case "after", "type", "resource", "since", "limit":
		default:
			names := "after, type, resource, since and limit"
			if audit {
				names = "after, type, user (or resource), since and limit"
			}
			return q, errorf(http.StatusBadRequest, "unknown parameter %q; the parameters are %s", k, names)
		}
	}
	single := func(name string) (string, error) {
		if len(v[name]) > 1 {
			return "", errorf(http.StatusBadRequest, "parameter %s is given %d times; give it once", name, len(v[name]))
		}
		return strings.TrimSpace(v.Get(name)), nil
	}
	s, err := single("after")
	if err != nil {
		return q, err
	}
	if s != "" {
		if q.After, err = strconv.ParseInt(s, 10, 64); err != nil || q.After < 0 {
			return q, errorf(http.StatusBadRequest,
				"after=%q is not a cursor: pass the next value of the previous page (a non-negative integer)", s)
		}
	}
	if s, err = single("limit"); err != nil {
		return q, err
	}
	if s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit < 1 || q.Limit > maxLimit {
			return q, errorf(http.StatusBadRequest, "limit=%q must be an integer from 1 to %d", s, maxLimit)
		}
	}
	if s, err = single("since"); err != nil {
		return q, err
	}
	if s != "" {
		if q.Since, err = time.Parse(time.RFC3339, s); err != nil {
			return q, errorf(http.StatusBadRequest,
				"since=%q is not an RFC 3339 time (for example 2025-01-31T09:00:00Z)", s)
		}
	}
	if q.ResourceID, err = single("resource"); err != nil {
		return q, err
	}
	known := directory.EventTypes()
	for _, raw := range v["type"] {
		for _, t := range strings.Split(raw, ",") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if !slices.Contains(known, t) {
				return q, errorf(http.StatusBadRequest, "type=%q is not an event type or meaning; known: %s",
					t, strings.Join(known, ", "))
			}
			if !slices.Contains(q.Types, t) {
				q.Types = append(q.Types, t)
			}
		}
	}
	return q, nil
}
