package scim

import (
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
type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

func newList(total, start int, items []any) listResponse {
	if items == nil {
		items = []any{}
	}
	return listResponse{Schemas: []string{schema.ListResponseURN}, TotalResults: total,
		StartIndex: start, ItemsPerPage: len(items), Resources: items}
}

// list serves GET /{Type} (RFC 7644 §3.4.2): filter, sortBy/sortOrder,
// startIndex/count paging, attributes/excludedAttributes.
func (h *resourceHandler) list(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	q, err := h.parseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	proj, err := h.projection(r)
	if err != nil {
		return err
	}
	page, err := h.s.dir.Store().List(r.Context(), p.OrgID, h.kind, q)
	if err != nil {
		return err
	}
	rel, err := h.loadRelated(r.Context(), p.OrgID, page.Resources, proj)
	if err != nil {
		return err
	}
	base := h.s.baseURL(r)
	items := make([]any, 0, len(page.Resources))
	for _, res := range page.Resources {
		items = append(items, h.render(base, res, rel, proj))
	}
	return writeJSON(w, http.StatusOK, newList(page.Total, q.StartIndex, items))
}

// parseQuery reads the list parameters. Paging is lenient as RFC 7644
// §3.4.2.4 asks: startIndex below 1 means 1, a negative count means 0, and
// a count above the maximum is clamped to it.
func (h *resourceHandler) parseQuery(v url.Values) (store.Query, error) {
	q := store.Query{StartIndex: 1, Count: h.s.cfg.MaxResults}
	if s := v.Get("startIndex"); s != "" {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return q, scimerr.BadRequest(scimerr.InvalidValue, "startIndex must be an integer, not %q", s)
		}
		q.StartIndex = max(n, 1)
	}
	if s := v.Get("count"); s != "" {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return q, scimerr.BadRequest(scimerr.InvalidValue, "count must be an integer, not %q", s)
		}
		q.Count = min(max(n, 0), h.s.cfg.MaxResults)
	}
	if s := v.Get("filter"); strings.TrimSpace(s) != "" {
		f, err := filter.Parse(s)
		if err != nil {
			return q, filterError(err)
		}
		if q.Filter, err = h.rt.Compile(f); err != nil {
			return q, err
		}
	}
	if s := v.Get("sortBy"); s != "" {
		attr, err := h.rt.SortAttr(s)
		if err != nil {
			return q, err
		}
		q.SortBy = attr
	}
	switch strings.ToLower(v.Get("sortOrder")) {
	case "", "ascending":
	case "descending":
		q.Descending = true
	default:
		return q, scimerr.BadRequest(scimerr.InvalidValue, "sortOrder must be ascending or descending")
	}
	return q, nil
}

func filterError(err error) error {
	var se *filter.SyntaxError
	if errors.As(err, &se) {
		return scimerr.BadRequest(scimerr.InvalidFilter, "invalid filter: %s", se.Msg)
	}
	return err
}
