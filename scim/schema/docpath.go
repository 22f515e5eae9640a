package schema

// Helpers over stored documents (map[string]any, as decoded from JSON),
// shared by every package that reads or writes SCIM documents.

// Field returns m's value for the attribute name, matched exactly first
// and then case-insensitively (RFC 7643 §2.1: attribute names are
// case-insensitive).
func Field(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if equalFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// GetKeys returns the value at the nested keys of doc (as Resolved.Keys
// gives them), or nil.
func GetKeys(doc map[string]any, keys []string) any {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}
