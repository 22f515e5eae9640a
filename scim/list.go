package scim

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// listResponse is RFC 7644 §3.4.2's ListResponse; every counter is always
// present and Resources is always an array (Okta and Entra need both).
// A page by cursor (RFC 9865 §2) has no startIndex, nextCursor and
// previousCursor when there is such a page, and totalResults only on the
// first page (later pages are not counted).
type listResponse struct {
	Schemas        []string `json:"schemas"`
	TotalResults   *int     `json:"totalResults,omitempty"`
	StartIndex     int      `json:"startIndex,omitempty"` // ≥ 1 on an index page
	ItemsPerPage   int      `json:"itemsPerPage"`
	NextCursor     string   `json:"nextCursor,omitempty"`
	PreviousCursor string   `json:"previousCursor,omitempty"`
	Resources      []any    `json:"Resources"`
}

func newList(total, start int, items []any) listResponse {
	if items == nil {
		items = []any{}
	}
	resp := listResponse{Schemas: []string{schema.ListResponseURN},
		StartIndex: start, ItemsPerPage: len(items), Resources: items}
	if total >= 0 { // -1: not counted
		resp.TotalResults = &total
	}
	return resp
}

// listParams are the parameters of a query as sent, from the URL of a GET
// (RFC 7644 §3.4.2) or the body of a POST .search (§3.4.3): one builder
// reads both. Numbers stay text until parsed; "" means absent.
type listParams struct {
	filter, sortBy, sortOrder string
	attributes, excluded      string
	startIndex, count         string
	cursor                    string
	hasCursor                 bool // cursor given, even empty (RFC 9865: first page)
}

func paramsFromURL(v url.Values) listParams {
	return listParams{
		filter: v.Get("filter"), sortBy: v.Get("sortBy"), sortOrder: v.Get("sortOrder"),
		attributes: v.Get("attributes"), excluded: v.Get("excludedAttributes"),
		startIndex: v.Get("startIndex"), count: v.Get("count"),
		cursor: v.Get("cursor"), hasCursor: v.Has("cursor"),
	}
}

// listRequest is a parsed query of one resource type.
type listRequest struct {
	q    store.Query
	proj schema.Projection
	// cursor is set when paging by cursor (RFC 9865): what every cursor of
	// this query carries.
	cursor *cursorState
}

// list serves GET /{Type} (RFC 7644 §3.4.2): filter, sortBy/sortOrder,
// startIndex/count or cursor/count paging (RFC 9865),
// attributes/excludedAttributes.
func (h *resourceHandler) list(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	return h.query(w, r, p, paramsFromURL(r.URL.Query()))
}

// query runs a list or search request and writes the ListResponse.
func (h *resourceHandler) query(w http.ResponseWriter, r *http.Request, p directory.Principal, lp listParams) error {
	req, err := h.parseQuery(p.OrgID, lp)
	if err != nil {
		return err
	}
	page, err := h.s.dir.Store().List(r.Context(), p.OrgID, h.kind, req.q)
	if err != nil {
		return err
	}
	rel, err := h.loadRelated(r.Context(), p.OrgID, page.Resources, req.proj)
	if err != nil {
		return err
	}
	base := h.s.baseURL(r)
	items := make([]any, 0, len(page.Resources))
	for _, res := range page.Resources {
		items = append(items, h.render(base, res, rel, req.proj))
	}
	if req.cursor == nil {
		return writeJSON(w, http.StatusOK, newList(page.Total, req.q.StartIndex, items))
	}
	resp := newList(page.Total, 0, items)
	if resp.NextCursor, resp.PreviousCursor, err = h.s.cursors().links(p.OrgID, *req.cursor, page); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

// parseQuery reads the list parameters. Index paging is lenient as
// RFC 7644 §3.4.2.4 asks: startIndex below 1 means 1, a negative count
// means 0, and a count above the maximum is clamped to it. Cursor paging
// follows RFC 9865 §2: a negative count means 0, a count above the
// maximum or unlike the first page's is 400 invalidCount, and startIndex
// beside a cursor is 400 invalidValue.
func (h *resourceHandler) parseQuery(orgID string, lp listParams) (listRequest, error) {
	var req listRequest
	var err error
	if req.proj, err = h.rt.NewProjection(lp.attributes, lp.excluded); err != nil {
		return req, err
	}
	q := &req.q
	if q.Filter, err = h.compileFilter(lp.filter); err != nil {
		return req, err
	}
	if q.SortBy, err = h.rt.SortAttr(lp.sortBy); err != nil {
		return req, err
	}
	if q.Descending, err = parseSortOrder(lp.sortOrder); err != nil {
		return req, err
	}
	if !lp.hasCursor {
		q.StartIndex, q.Count, err = h.s.indexPaging(lp)
		return req, err
	}
	if lp.startIndex != "" {
		return req, scimerr.BadRequest(scimerr.InvalidValue,
			"startIndex and cursor cannot be combined: page by index or by cursor (RFC 9865 §2.4)")
	}
	if q.Count, err = h.s.cursorCount(lp.count); err != nil {
		return req, err
	}
	st := cursorState{Kind: string(h.kind), Query: fingerprint(h.kind, *q), Count: q.Count}
	req.cursor = &st
	if lp.cursor == "" {
		q.StartIndex = 1 // the first page
		return req, nil
	}
	got, err := h.s.cursors().open(orgID, lp.cursor)
	if err != nil {
		return req, err
	}
	if got.Kind != st.Kind || !bytes.Equal(got.Query, st.Query) {
		return req, scimerr.BadRequest(scimerr.InvalidCursor,
			"the cursor belongs to another query: repeat the filter, sortBy and sortOrder of the first page")
	}
	if got.Count != st.Count {
		return req, scimerr.BadRequest(scimerr.InvalidCount,
			"count must be the same on every page of a cursor query (%d, not %d)", got.Count, st.Count)
	}
	pos := &store.Keyset{Key: got.Key, ID: got.ID}
	// Only the first page counts the matches: a count costs a scan of
	// every match, and RFC 9865 §2.2 lets a cursor page leave
	// totalResults out, so later pages cost the same at any depth.
	q.NoTotal = true
	if got.Back {
		q.Before = pos
	} else {
		q.After = pos
	}
	return req, nil
}

// indexPaging reads startIndex and count for paging by index.
func (s *Server) indexPaging(lp listParams) (start, count int, err error) {
	start, count = 1, s.cfg.MaxResults
	if v := strings.TrimSpace(lp.startIndex); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, 0, scimerr.BadRequest(scimerr.InvalidValue, "startIndex must be an integer, not %q", lp.startIndex)
		}
		start = max(n, 1)
	}
	if v := strings.TrimSpace(lp.count); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, 0, scimerr.BadRequest(scimerr.InvalidValue, "count must be an integer, not %q", lp.count)
		}
		count = min(max(n, 0), s.cfg.MaxResults)
	}
	return start, count, nil
}

// cursorCount reads count for paging by cursor (RFC 9865 §2.1).
func (s *Server) cursorCount(text string) (int, error) {
	v := strings.TrimSpace(text)
	if v == "" {
		return s.cfg.MaxResults, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, scimerr.BadRequest(scimerr.InvalidCount, "count must be an integer, not %q", text)
	}
	if n > s.cfg.MaxResults {
		return 0, scimerr.BadRequest(scimerr.InvalidCount,
			"count must be between 0 and maxPageSize (%d) when paging by cursor", s.cfg.MaxResults)
	}
	return max(n, 0), nil
}

// compileFilter parses and compiles a filter ("" selects all).
func (h *resourceHandler) compileFilter(text string) (store.Expr, error) {
	f, err := parseFilter(text)
	if err != nil || f == nil {
		return nil, err
	}
	return h.rt.Compile(f)
}

// parseFilter parses a filter parameter; "" (or blanks) gives nil.
func parseFilter(text string) (filter.Expr, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	f, err := filter.Parse(text)
	if err != nil {
		return nil, filterError(err)
	}
	return f, nil
}

func parseSortOrder(s string) (descending bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "ascending":
		return false, nil
	case "descending":
		return true, nil
	}
	return false, scimerr.BadRequest(scimerr.InvalidValue, "sortOrder must be ascending or descending")
}

func filterError(err error) error {
	var se *filter.SyntaxError
	if errors.As(err, &se) {
		return scimerr.BadRequest(scimerr.InvalidFilter, "invalid filter: %s", se.Msg)
	}
	return err
}
