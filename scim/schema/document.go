package schema

// Document returns the schema's discovery representation (RFC 7643 §7,
// as served by GET /Schemas, RFC 7644 §4): schemas, id, name, description,
// attributes with every characteristic and, for complex attributes, their
// subAttributes, and meta{resourceType "Schema", location}. Characteristic
// values are the camelCase keywords of §7; no value is null (Entra's
// schema discovery rejects nulls, idp-traffic §4.3). canonicalValues and
// referenceTypes appear when non-empty. Attributes marked hidden are left
// out. location is the absolute URL of the schema resource; "" omits it.
func (s *Schema) Document(location string) map[string]any {
	return map[string]any{
		"schemas":     []any{SchemaURN},
		"id":          s.ID,
		"name":        s.Name,
		"description": s.Description,
		"attributes":  attributeDocs(s.Attributes),
		"meta":        metaDoc("Schema", location),
	}
}

func attributeDocs(attrs []*Attribute) []any {
	out := make([]any, 0, len(attrs))
	for _, a := range attrs {
		if !a.hidden {
			out = append(out, attributeDoc(a))
		}
	}
	return out
}

// attributeDoc renders one attribute definition (RFC 7643 §7
// "attributes" and §2.2 characteristics).
func attributeDoc(a *Attribute) map[string]any {
	d := map[string]any{
		"name":        a.Name,
		"type":        string(a.Type),
		"multiValued": a.MultiValued,
		"description": a.Description,
		"required":    a.Required,
		"caseExact":   a.CaseExact,
		"mutability":  string(orDefault(a.Mutability, ReadWrite)),
		"returned":    string(orDefault(a.Returned, Default)),
		"uniqueness":  string(orDefault(a.Uniqueness, None)),
	}
	if len(a.CanonicalValues) > 0 {
		d["canonicalValues"] = stringsToAny(a.CanonicalValues)
	}
	if len(a.ReferenceTypes) > 0 {
		d["referenceTypes"] = stringsToAny(a.ReferenceTypes)
	}
	if a.Type == Complex {
		d["subAttributes"] = attributeDocs(a.SubAttributes)
	}
	return d
}

// Document returns the resource type's discovery representation
// (RFC 7643 §6, as served by GET /ResourceTypes, RFC 7644 §4): schemas,
// id, name, endpoint, description, schema, schemaExtensions (only when
// there are extensions) and meta{resourceType "ResourceType", location}.
func (rt *ResourceType) Document(location string) map[string]any {
	d := map[string]any{
		"schemas":     []any{ResourceTypeURN},
		"id":          rt.ID,
		"name":        rt.Name,
		"endpoint":    rt.Endpoint,
		"description": rt.Description,
		"schema":      rt.Schema.ID,
		"meta":        metaDoc("ResourceType", location),
	}
	if len(rt.Extensions) > 0 {
		exts := make([]any, 0, len(rt.Extensions))
		for _, e := range rt.Extensions {
			exts = append(exts, map[string]any{"schema": e.Schema.ID, "required": e.Required})
		}
		d["schemaExtensions"] = exts
	}
	return d
}

func metaDoc(resourceType, location string) map[string]any {
	m := map[string]any{"resourceType": resourceType}
	if location != "" {
		m["location"] = location
	}
	return m
}

func orDefault[T ~string](v, def T) T {
	if v == "" {
		return def
	}
	return v
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
