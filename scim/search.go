package scim

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/filter"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// search serves POST /{Type}/.search (RFC 7644 §3.4.3): the parameters of
// a GET list in a SearchRequest body, with the same meaning and the same
// ListResponse, cursors included (RFC 9865 §3).
func (h *resourceHandler) search(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	lp, err := readSearch(r)
	if err != nil {
		return err
	}
	return h.query(w, r, p, lp)
}

// rootList serves GET on the base path: a query over every resource type
// (RFC 7644 §3.4.2.1).
func (s *Server) rootList(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	return s.rootQuery(w, r, p, paramsFromURL(r.URL.Query()))
}

// rootSearch serves POST /.search (RFC 7644 §3.4.3), the same as rootList
// with the parameters in the body.
func (s *Server) rootSearch(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	lp, err := readSearch(r)
	if err != nil {
		return err
	}
	return s.rootQuery(w, r, p, lp)
}

// readSearch reads a SearchRequest body (RFC 7644 §3.4.3). Keys are
// case-insensitive and unknown keys are ignored; "schemas" may be left out
// but, when given, must name the SearchRequest message. attributes and
// excludedAttributes are arrays of names (a comma-separated string is
// accepted too); startIndex and count are numbers; null means absent.
func readSearch(r *http.Request) (listParams, error) {
	var lp listParams
	body, err := decodeJSON(r)
	if err != nil {
		return lp, err
	}
	for k, v := range body {
		if v == nil {
			continue
		}
		var err error
		switch strings.ToLower(k) {
		case "schemas":
			err = checkSearchSchemas(v)
		case "attributes":
			lp.attributes, err = searchNames(k, v)
		case "excludedattributes":
			lp.excluded, err = searchNames(k, v)
		case "filter":
			lp.filter, err = searchString(k, v)
		case "sortby":
			lp.sortBy, err = searchString(k, v)
		case "sortorder":
			lp.sortOrder, err = searchString(k, v)
		case "startindex":
			lp.startIndex, err = searchNumber(k, v)
		case "count":
			lp.count, err = searchNumber(k, v)
		case "cursor":
			lp.cursor, err = searchString(k, v)
			lp.hasCursor = true
		}
		if err != nil {
			return lp, err
		}
	}
	return lp, nil
}

func checkSearchSchemas(v any) error {
	list, _ := v.([]any)
	for _, s := range list {
		if u, ok := s.(string); ok && strings.EqualFold(u, schema.SearchRequestURN) {
			return nil
		}
	}
	return scimerr.BadRequest(scimerr.InvalidSyntax, "a search request's schemas must list %s", schema.SearchRequestURN)
}

func searchString(key string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", scimerr.BadRequest(scimerr.InvalidValue, "%s must be a string", key)
	}
	return s, nil
}

func searchNumber(key string, v any) (string, error) {
	switch n := v.(type) {
	case json.Number:
		return n.String(), nil
	case string: // lenient: "10"
		return n, nil
	}
	return "", scimerr.BadRequest(scimerr.InvalidValue, "%s must be a number", key)
}

func searchNames(key string, v any) (string, error) {
	switch l := v.(type) {
	case string:
		return l, nil
	case []any:
		names := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return "", scimerr.BadRequest(scimerr.InvalidValue, "%s must be an array of attribute names", key)
			}
			names = append(names, s)
		}
		return strings.Join(names, ","), nil
	}
	return "", scimerr.BadRequest(scimerr.InvalidValue, "%s must be an array of attribute names", key)
}

// rootQuery answers a query over Users and Groups together. The results
// are every matching user, then every matching group, each type in the
// requested order (by id without sortBy); startIndex and count page
// across that concatenation and totalResults is the sum. Each resource
// carries its own schemas and meta.resourceType.
//
// A filter or sortBy attribute known to only one type applies to that
// type: in a filter, a comparison on an attribute a type does not have
// is false for that type; a sortBy a type does not have is missing on
// every resource of that type, which then comes in id order (reversed
// when descending, as ties are). An attribute known to neither type is 400 (invalidFilter,
// invalidValue). Cursor paging is not offered here (400 invalidValue):
// page /Users and /Groups by cursor instead.
func (s *Server) rootQuery(w http.ResponseWriter, r *http.Request, p directory.Principal, lp listParams) error {
	if lp.hasCursor {
		return scimerr.BadRequest(scimerr.InvalidValue,
			"cursor paging is not supported when querying the root endpoint; query /Users and /Groups by cursor, or page by startIndex")
	}
	var hs []*resourceHandler
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup} {
		h, err := s.resourceHandler(r.Context(), p.OrgID, kind)
		if err != nil {
			return err
		}
		hs = append(hs, h)
	}
	f, err := parseFilter(lp.filter)
	if err != nil {
		return err
	}
	if err := knownToSome(f, hs); err != nil {
		return err
	}
	sorts, err := rootSort(lp.sortBy, hs)
	if err != nil {
		return err
	}
	desc, err := parseSortOrder(lp.sortOrder)
	if err != nil {
		return err
	}
	start, count, err := s.indexPaging(lp)
	if err != nil {
		return err
	}
	total, items := 0, []any{}
	base := s.baseURL(r)
	for i, h := range hs {
		x, err := compileLoose(h.rt, f)
		if err != nil {
			return err
		}
		proj, err := h.rt.NewProjection(lp.attributes, lp.excluded)
		if err != nil {
			return err
		}
		// Position start of the concatenation, within this type.
		q := store.Query{Filter: x, SortBy: sorts[i], Descending: desc,
			StartIndex: max(start-total, 1), Count: count - len(items)}
		page, err := s.dir.Store().List(r.Context(), p.OrgID, h.kind, q)
		if err != nil {
			return err
		}
		total += page.Total
		rel, err := h.loadRelated(r.Context(), p.OrgID, page.Resources, proj)
		if err != nil {
			return err
		}
		for _, res := range page.Resources {
			items = append(items, h.render(base, res, rel, proj))
		}
	}
	return writeJSON(w, http.StatusOK, newList(total, start, items))
}

// never is a condition no resource meets.
func never() store.Expr {
	return store.Not{X: store.Compare{Attr: store.Attr{Column: store.ColID}, Op: store.OpPresent}}
}

// compileLoose compiles f for rt with every comparison on an attribute rt
// does not have replaced by a false condition.
func compileLoose(rt *schema.ResourceType, f filter.Expr) (store.Expr, error) {
	var path filter.AttrPath
	switch e := f.(type) {
	case nil:
		return nil, nil
	case *filter.And:
		l, r, err := loosePair(rt, e.L, e.R)
		return store.And{L: l, R: r}, err
	case *filter.Or:
		l, r, err := loosePair(rt, e.L, e.R)
		return store.Or{L: l, R: r}, err
	case *filter.Not:
		x, err := compileLoose(rt, e.X)
		return store.Not{X: x}, err
	case *filter.Compare:
		path = e.Path
	case *filter.ValuePath:
		path = e.Path
	}
	if _, err := rt.Resolve(path); err != nil {
		return never(), nil
	}
	return rt.Compile(f)
}

func loosePair(rt *schema.ResourceType, l, r filter.Expr) (store.Expr, store.Expr, error) {
	x, err := compileLoose(rt, l)
	if err != nil {
		return nil, nil, err
	}
	y, err := compileLoose(rt, r)
	return x, y, err
}

// knownToSome fails with 400 invalidFilter when f compares an attribute
// that no resource type has.
func knownToSome(f filter.Expr, hs []*resourceHandler) error {
	var path filter.AttrPath
	switch e := f.(type) {
	case nil:
		return nil
	case *filter.And:
		if err := knownToSome(e.L, hs); err != nil {
			return err
		}
		return knownToSome(e.R, hs)
	case *filter.Or:
		if err := knownToSome(e.L, hs); err != nil {
			return err
		}
		return knownToSome(e.R, hs)
	case *filter.Not:
		return knownToSome(e.X, hs)
	case *filter.Compare:
		path = e.Path
	case *filter.ValuePath:
		path = e.Path
	}
	for _, h := range hs {
		if _, err := h.rt.Resolve(path); err == nil {
			return nil
		}
	}
	return scimerr.BadRequest(scimerr.InvalidFilter, "unknown attribute %q in filter", path.String())
}

// rootSort resolves sortBy for each type: nil for a type that does not
// have the attribute, an error when no type has it or when a type has it
// but cannot sort by it.
func rootSort(sortBy string, hs []*resourceHandler) ([]*store.Attr, error) {
	out := make([]*store.Attr, len(hs))
	var firstErr error
	found := false
	for i, h := range hs {
		a, err := h.rt.SortAttr(sortBy)
		if err == nil {
			out[i], found = a, true
			continue
		}
		if _, rerr := h.rt.ResolveName(strings.TrimSpace(sortBy)); rerr == nil {
			return nil, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if !found {
		return nil, firstErr
	}
	return out, nil
}
