package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// PolicyError is a write an organization's policy refuses. Its text is
// safe to show a client; Type says which rule (and which SCIM error it
// becomes: RFC 7644 §3.12 scimType invalidValue or mutability, or a 403 for
// the seat limit).
type PolicyError struct {
	Type string // PolicyInvalidValue, PolicyMutability or PolicySeatLimit
	Msg  string
}

// The rules a PolicyError can name.
const (
	PolicyInvalidValue = "invalidValue" // a value outside the role or entitlement catalogue
	PolicyMutability   = "mutability"   // an attribute declared immutable changed
	PolicySeatLimit    = "seatLimit"    // the write would use more seats than the limit
)

func (e *PolicyError) Error() string { return e.Msg }

// Delete modes (store.Policy.DeleteMode).
const (
	DeleteArchive    = "archive"
	DeleteDeactivate = "deactivate"
)

// DefaultRetention is how long archived users are kept when the policy
// does not say.
const DefaultRetention = 90 * 24 * time.Hour

// defaultExternal and defaultMovers fill a zero Policy.
var (
	defaultExternal = []string{"External"}
	defaultMovers   = []string{"department", "title", "manager", "organization"}
)

// externalTypes returns the userType values that make a user external.
func externalTypes(p store.Policy) []string {
	if p.ExternalUserTypes == nil {
		return defaultExternal
	}
	return p.ExternalUserTypes
}

// moverAttrs returns the attributes whose change makes a mover.
func moverAttrs(p store.Policy) []string {
	if p.MoverAttributes == nil {
		return defaultMovers
	}
	return p.MoverAttributes
}

// Retention returns the policy's retention for archived users.
func Retention(p store.Policy) time.Duration {
	if p.Retention <= 0 {
		return DefaultRetention
	}
	return p.Retention
}

// External reports whether r is an external user under p (userType
// compared case-insensitively).
func External(p store.Policy, r *store.Resource) bool {
	ut, _ := r.Attrs["userType"].(string)
	if ut == "" {
		return false
	}
	for _, t := range externalTypes(p) {
		if strings.EqualFold(t, ut) {
			return true
		}
	}
	return false
}

// usesSeat reports whether r occupies a seat: a live, active, internal user.
func usesSeat(p store.Policy, r *store.Resource) bool {
	return r != nil && r.Kind == store.KindUser && r.Active && r.Archived == nil && !External(p, r)
}

// seatExpr selects the users that occupy a seat under p, for ResetSeats.
func seatExpr(p store.Policy) store.Expr {
	active := store.Compare{Attr: store.Attr{Column: store.ColActive}, Op: store.OpEq, Value: true}
	types := externalTypes(p)
	ors := make([]store.Expr, 0, len(types))
	for _, t := range types {
		ors = append(ors, store.Compare{Attr: store.Attr{Path: []string{"userType"}, Type: store.TypeString}, Op: store.OpEq, Value: t})
	}
	if len(ors) == 0 {
		return active
	}
	return store.And{L: active, R: store.Not{X: orAll(ors)}}
}

func orAll(xs []store.Expr) store.Expr {
	x := xs[0]
	for _, y := range xs[1:] {
		x = store.Or{L: x, R: y}
	}
	return x
}

// ValidatePolicy reports every problem of p at once.
func ValidatePolicy(p store.Policy) error {
	var errs []error
	for _, cat := range []struct {
		name string
		es   []store.CatalogEntry
	}{{"roles", p.Roles}, {"entitlements", p.Entitlements}} {
		seen := map[string]bool{}
		for _, e := range cat.es {
			v := strings.TrimSpace(e.Value)
			switch {
			case v == "":
				errs = append(errs, fmt.Errorf("%s: a value is empty", cat.name))
			case seen[store.Fold(v)]:
				errs = append(errs, fmt.Errorf("%s: %q is listed twice", cat.name, v))
			}
			seen[store.Fold(v)] = true
		}
	}
	if p.SeatLimit < 0 {
		errs = append(errs, fmt.Errorf("seatLimit: %d is negative", p.SeatLimit))
	}
	if p.DeleteMode != "" && p.DeleteMode != DeleteArchive && p.DeleteMode != DeleteDeactivate {
		errs = append(errs, fmt.Errorf("deleteMode: %q is neither %q nor %q", p.DeleteMode, DeleteArchive, DeleteDeactivate))
	}
	if p.Retention < 0 {
		errs = append(errs, fmt.Errorf("retention: %s is negative", p.Retention))
	}
	for _, a := range p.Immutable {
		if strings.TrimSpace(a) == "" {
			errs = append(errs, errors.New("immutable: an attribute name is empty"))
		}
	}
	return errors.Join(errs...)
}

// Policy returns an organization's policy.
func (s *Service) Policy(ctx context.Context, orgID string) (store.Policy, error) {
	return s.store.Policy(ctx, orgID)
}

// SetPolicy validates and stores an organization's policy, then recounts
// its used seats under the new policy (which users are external, or the
// limit itself, may have changed).
func (s *Service) SetPolicy(ctx context.Context, orgID string, p store.Policy) error {
	if err := ValidatePolicy(p); err != nil {
		return err
	}
	if err := s.store.SetPolicy(ctx, orgID, p); err != nil {
		return err
	}
	_, err := s.store.ResetSeats(ctx, orgID, seatExpr(p))
	return err
}

// SeatsUsed counts the organization's active internal users now.
func (s *Service) SeatsUsed(ctx context.Context, orgID string) (int, error) {
	p, err := s.store.Policy(ctx, orgID)
	if err != nil {
		return 0, err
	}
	page, err := s.store.List(ctx, orgID, store.KindUser, store.Query{Filter: seatExpr(p)})
	if err != nil {
		return 0, err
	}
	return page.Total, nil
}

// CheckUser applies the policy's catalogue and immutability rules to a
// user's next document as a write through the Service would (before is
// the stored user, nil for a new one); accepted catalogue values are
// rewritten in the catalogue's spelling. It is for dry runs, which must
// predict a write without making it: writes check this themselves.
func CheckUser(p store.Policy, before, after *store.Resource) error {
	if before != nil {
		if err := checkImmutable(p, before, after); err != nil {
			return err
		}
	}
	return checkCatalogues(p, after, before)
}

// UsesSeat reports whether r takes a seat under p: a live, active,
// internal user.
func UsesSeat(p store.Policy, r *store.Resource) bool { return usesSeat(p, r) }

// Attr finds an attribute of a document as a policy names it ("userType",
// "name.givenName", an extension attribute by its bare name or full URN
// path), case-insensitively.
func Attr(doc map[string]any, name string) (any, bool) { return lookupAttr(doc, name) }

// checkCatalogues refuses roles and entitlements outside the catalogues
// and rewrites accepted values in the catalogue's spelling. Values the
// user already held before (before, nil for a new user) are kept even
// when the catalogue no longer lists them: narrowing a catalogue must not
// lock its former holders out of every other change (a leaver included).
func checkCatalogues(p store.Policy, r, before *store.Resource) error {
	if r.Kind != store.KindUser {
		return nil
	}
	var old map[string]any
	if before != nil {
		old = before.Attrs
	}
	if err := checkCatalogue("roles", p.Roles, r.Attrs, old); err != nil {
		return err
	}
	return checkCatalogue("entitlements", p.Entitlements, r.Attrs, old)
}

// catalogueValues returns the value of each element of a multi-valued
// complex attribute.
func catalogueValues(attrs map[string]any, attr string) []string {
	vals, _ := attrs[attr].([]any)
	var out []string
	for _, v := range vals {
		if m, ok := v.(map[string]any); ok {
			s, _ := m["value"].(string)
			out = append(out, s)
		}
	}
	return out
}

func checkCatalogue(attr string, cat []store.CatalogEntry, attrs, old map[string]any) error {
	if len(cat) == 0 {
		return nil
	}
	held := catalogueValues(old, attr)
	vals, _ := attrs[attr].([]any)
	for _, v := range vals {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		val, _ := m["value"].(string)
		i := slices.IndexFunc(cat, func(e store.CatalogEntry) bool { return strings.EqualFold(e.Value, val) })
		if i < 0 && slices.Contains(held, val) {
			continue
		}
		if i < 0 {
			allowed := make([]string, len(cat))
			for j, e := range cat {
				allowed[j] = fmt.Sprintf("%q", e.Value)
			}
			return &PolicyError{Type: PolicyInvalidValue, Msg: fmt.Sprintf(
				"%s value %q is not in this organization's catalogue; allowed: %s", attr, val, strings.Join(allowed, ", "))}
		}
		m["value"] = cat[i].Value
	}
	return nil
}

// checkImmutable refuses a change of an attribute the policy declares
// immutable once it has a value.
func checkImmutable(p store.Policy, before, after *store.Resource) error {
	if before.Kind != store.KindUser || len(p.Immutable) == 0 {
		return nil
	}
	was, now := flatten(before.Attrs), flatten(after.Attrs) // once, not per attribute
	for _, name := range p.Immutable {
		old, ok := lookupFlat(was, name)
		if !ok || isEmpty(old) {
			continue
		}
		cur, _ := lookupFlat(now, name)
		if !equalJSON(old, cur) {
			return &PolicyError{Type: PolicyMutability, Msg: fmt.Sprintf(
				"attribute %q cannot change once set (this organization declares it immutable)", name)}
		}
	}
	return nil
}
