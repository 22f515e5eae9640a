package directory

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/scimd/scimd/store"
)

// Sources of authority (DESIGN.md §3).
const (
	SourceSCIM   = "scim"
	SourceAdmin  = "admin"
	SourceImport = "import"
)

// Reasons a user is inactive.
const (
	ReasonIdP   = "idp"   // the identity provider set active=false
	ReasonAdmin = "admin" // an admin deactivated the user
)

// Actor is who makes a change: an API token, a sync run, a CLI user.
type Actor struct {
	OrgID  string
	Source string // the source it writes as ("scim", "ldap:corp", ...)
	Name   string // token name, sync run id, CLI user
	// InactiveReason is recorded when this actor sets active=false.
	InactiveReason string
	// Who, when set, is how audit events name the actor ("cli:alice");
	// else it follows from Source and Name (Label).
	Who string
}

// Service applies the rules on top of a store.
type Service struct {
	store store.Store
}

// New returns a Service over st.
func New(st store.Store) *Service { return &Service{store: st} }

// Store returns the underlying store, for readers.
func (s *Service) Store() store.Store { return s.store }

// NewID returns a fresh resource id: a time-ordered UUID (version 7), so the
// store's default id order is creation order.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil { // only when the system's random source fails
		return uuid.NewString()
	}
	return id.String()
}

// writer returns the store view a's writes go through: the organization's
// policy is enforced and every change recorded with its events, in the
// write's transaction.
func (s *Service) writer(ctx context.Context, a Actor) (store.Store, store.Policy, error) {
	p, err := s.store.Policy(ctx, a.OrgID)
	if err != nil {
		return nil, p, err
	}
	return s.store.Recording(hook(a, p)), p, nil
}

// Create stores a new resource owned by the actor's source. r.Attrs is the
// canonical document; the columns are derived from it. The organization's
// policy applies (catalogues, seat limit).
func (s *Service) Create(ctx context.Context, a Actor, r store.Resource, members []string) (store.Resource, error) {
	w, p, err := s.writer(ctx, a)
	if err != nil {
		return store.Resource{}, err
	}
	a.prepare(&r)
	if err := checkCatalogues(p, &r, nil); err != nil {
		return store.Resource{}, err
	}
	return w.Create(ctx, r, members)
}

// prepare readies a new resource for the store: owned by the actor's
// organization and (unless set) source, with an id, active unless the
// document says otherwise, its columns derived from the document, and an
// inactive one's reason kept when given, else the actor's.
func (a Actor) prepare(r *store.Resource) {
	r.OrgID = a.OrgID
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Source == "" {
		r.Source = a.Source
	}
	if r.Kind == store.KindUser {
		if _, ok := r.Attrs["active"]; !ok {
			r.Attrs["active"] = true // RFC 7643 leaves the default to us: a provisioned user is active
		}
	}
	reason := r.InactiveReason
	Derive(r)
	switch {
	case r.Active:
		r.InactiveReason = ""
	case reason != "":
		r.InactiveReason = reason
	default:
		r.InactiveReason = a.reason()
	}
}

// Update runs fn on the current resource and stores the result, keeping the
// columns and the lifecycle in step with the document. The organization's
// policy applies (catalogues, immutable attributes, seat limit).
func (s *Service) Update(ctx context.Context, a Actor, kind store.Kind, id string, fn store.UpdateFunc) (store.Resource, error) {
	w, p, err := s.writer(ctx, a)
	if err != nil {
		return store.Resource{}, err
	}
	return update(ctx, w, p, a, kind, id, fn)
}

// update is Update through a writer w already holding policy p.
func update(ctx context.Context, w store.Store, p store.Policy, a Actor, kind store.Kind, id string, fn store.UpdateFunc) (store.Resource, error) {
	return w.Update(ctx, a.OrgID, kind, id, func(r *store.Resource) (*store.MemberChange, error) {
		before := *r
		before.Attrs = store.CloneAttrs(r.Attrs)
		wasActive := r.Active
		mc, err := fn(r)
		if err != nil {
			return nil, err
		}
		Derive(r)
		switch {
		case r.Active:
			r.InactiveReason = ""
		case wasActive:
			r.InactiveReason = a.reason()
		}
		if err := checkImmutable(p, &before, r); err != nil {
			return nil, err
		}
		if err := checkCatalogues(p, r, &before); err != nil {
			return nil, err
		}
		return mc, nil
	})
}

// Archive archives a resource: it answers 404 from then on, keeps its
// history and frees its name. check may veto it.
func (s *Service) Archive(ctx context.Context, a Actor, kind store.Kind, id string, check func(store.Resource) error) error {
	w, _, err := s.writer(ctx, a)
	if err != nil {
		return err
	}
	return w.Archive(ctx, a.OrgID, kind, id, check)
}

func (a Actor) reason() string {
	if a.InactiveReason != "" {
		return a.InactiveReason
	}
	return ReasonAdmin
}

// Derive sets the indexed columns of r from its document: Name, ExternalID,
// DisplayName and Active.
func Derive(r *store.Resource) {
	str := func(v any) string { s, _ := v.(string); return s }
	r.ExternalID = str(r.Attrs["externalId"])
	switch r.Kind {
	case store.KindUser:
		r.Name = str(r.Attrs["userName"])
		r.DisplayName = str(r.Attrs["displayName"])
		if r.DisplayName == "" {
			if n, ok := r.Attrs["name"].(map[string]any); ok {
				r.DisplayName = str(n["formatted"])
				if r.DisplayName == "" {
					r.DisplayName = strings.TrimSpace(str(n["givenName"]) + " " + str(n["familyName"]))
				}
			}
		}
		if active, ok := r.Attrs["active"].(bool); ok {
			r.Active = active
		} else { // a document without active (a PUT that omits it) keeps the state
			r.Attrs["active"] = r.Active
		}
	case store.KindGroup:
		r.Name = str(r.Attrs["displayName"])
		r.DisplayName = r.Name
		r.Active = true
	}
}
