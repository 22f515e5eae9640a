package scim

import (
	"net/http"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// Discovery endpoints (RFC 7644 §4, RFC 7643 §5–7). They take no query
// parameters; a filter is refused with 403 as §4 asks.

func noFilter(r *http.Request) error {
	if r.URL.Query().Has("filter") {
		return scimerr.New(http.StatusForbidden, "", "filtering is not supported on discovery endpoints")
	}
	return nil
}

func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request, _ directory.Principal) error {
	if err := noFilter(r); err != nil {
		return err
	}
	base := s.baseURL(r)
	supported := func(b bool) map[string]any { return map[string]any{"supported": b} }
	return writeJSON(w, http.StatusOK, map[string]any{
		"schemas":        []string{schema.ServiceProviderConfigURN},
		"patch":          supported(true),
		"bulk":           map[string]any{"supported": true, "maxOperations": s.cfg.BulkMaxOperations, "maxPayloadSize": s.cfg.BulkMaxPayloadBytes},
		"filter":         map[string]any{"supported": true, "maxResults": s.cfg.MaxResults},
		"changePassword": supported(true),
		"sort":           supported(true),
		"etag":           supported(true),
		// RFC 9865 §4. Index paging stays the default (§2.4): existing
		// clients send neither startIndex nor cursor.
		"pagination": map[string]any{
			"cursor":                  true,
			"index":                   true,
			"defaultPaginationMethod": "index",
			"defaultPageSize":         s.cfg.MaxResults,
			"maxPageSize":             s.cfg.MaxResults,
			"cursorTimeout":           timeoutSeconds(s.cfg.CursorTimeout),
		},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "Authentication with a bearer token issued by `scimd token create`.",
			"specUri":     "https://www.rfc-editor.org/rfc/rfc6750",
			"primary":     true,
		}},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     base + "/ServiceProviderConfig",
		},
	})
}

func (s *Server) types(r *http.Request, p directory.Principal) ([]*schema.ResourceType, error) {
	users, groups, err := s.typesFor(r.Context(), p.OrgID)
	return []*schema.ResourceType{users, groups}, err
}

func (s *Server) resourceTypes(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	if err := noFilter(r); err != nil {
		return err
	}
	types, err := s.types(r, p)
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	var items []any
	for _, rt := range types {
		items = append(items, rt.Document(base+"/ResourceTypes/"+rt.ID))
	}
	return writeJSON(w, http.StatusOK, newList(len(items), 1, items))
}

func (s *Server) resourceType(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	types, err := s.types(r, p)
	if err != nil {
		return err
	}
	for _, rt := range types {
		if strings.EqualFold(rt.ID, r.PathValue("id")) {
			return writeJSON(w, http.StatusOK, rt.Document(s.baseURL(r)+"/ResourceTypes/"+rt.ID))
		}
	}
	return scimerr.New(http.StatusNotFound, "", "no resource type %q", r.PathValue("id"))
}

// allSchemas lists every schema once: core schemas and their extensions.
func (s *Server) allSchemas(r *http.Request, p directory.Principal) ([]*schema.Schema, error) {
	types, err := s.types(r, p)
	if err != nil {
		return nil, err
	}
	var list []*schema.Schema
	seen := map[string]bool{}
	for _, rt := range types {
		for _, sc := range append([]*schema.Schema{rt.Schema}, extensionSchemas(rt)...) {
			if !seen[sc.ID] {
				seen[sc.ID] = true
				list = append(list, sc)
			}
		}
	}
	return list, nil
}

func extensionSchemas(rt *schema.ResourceType) []*schema.Schema {
	var list []*schema.Schema
	for _, e := range rt.Extensions {
		list = append(list, e.Schema)
	}
	return list
}

func (s *Server) schemas(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	if err := noFilter(r); err != nil {
		return err
	}
	all, err := s.allSchemas(r, p)
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	var items []any
	for _, sc := range all {
		items = append(items, sc.Document(base+"/Schemas/"+sc.ID))
	}
	return writeJSON(w, http.StatusOK, newList(len(items), 1, items))
}

func (s *Server) schema(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	all, err := s.allSchemas(r, p)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	for _, sc := range all {
		if strings.EqualFold(sc.ID, id) {
			return writeJSON(w, http.StatusOK, sc.Document(s.baseURL(r)+"/Schemas/"+sc.ID))
		}
	}
	return scimerr.New(http.StatusNotFound, "", "no schema %q", id)
}
