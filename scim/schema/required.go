package schema

import (
	"reflect"

	"github.com/scimd/scimd/scim/scimerr"
)

// CheckChangedExtensions enforces "required" (RFC 7643 §2.2) on the
// extensions a change touched: an extension object that differs between
// old and next must hold every attribute its schema requires. Untouched
// extensions are not checked, so a stored document that predates a newly
// required attribute can still be deactivated or renamed by PATCH.
func (rt *ResourceType) CheckChangedExtensions(old, next map[string]any) error {
	for _, e := range rt.Extensions {
		obj, _ := next[e.Schema.ID].(map[string]any)
		if len(obj) == 0 || reflect.DeepEqual(old[e.Schema.ID], next[e.Schema.ID]) {
			continue
		}
		for _, a := range e.Schema.Attributes {
			if a.Required && isEmpty(obj[a.Name]) {
				return scimerr.BadRequest(scimerr.InvalidValue, "attribute %q is required", e.Schema.ID+":"+a.Name)
			}
		}
	}
	return nil
}
