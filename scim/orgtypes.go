package scim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// Organizations' resource types: the core User and Group types extended
// with the organization's own schema extensions (store.SchemaStore) and
// advertising its role and entitlement catalogues (store.Policy), cached
// briefly per organization.

const (
	// orgTypesTTL is how long an organization's types are reused before
	// its schemas are read again. It bounds how long replicas disagree
	// after "scimd schema add" or "remove": a few seconds, no messaging.
	orgTypesTTL = 5 * time.Second
	// orgTypesSweep is the cache size above which expired entries are
	// dropped on insert, so that the cache never grows past the number of
	// recently active organizations by much.
	orgTypesSweep = 1024
)

// typeCache maps an organization id to its resource types. Its zero value
// is ready to use.
type typeCache struct {
	mu  sync.Mutex
	m   map[string]orgTypes
	now func() time.Time // nil: time.Now (tests set a clock)
}

type orgTypes struct {
	users, groups *schema.ResourceType
	expires       time.Time
}

func (c *typeCache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *typeCache) get(orgID string) (orgTypes, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[orgID]
	if !ok || !c.clock().Before(t.expires) {
		return orgTypes{}, false
	}
	return t, true
}

func (c *typeCache) put(orgID string, users, groups *schema.ResourceType) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock()
	if c.m == nil {
		c.m = map[string]orgTypes{}
	}
	if len(c.m) >= orgTypesSweep {
		for id, t := range c.m {
			if !now.Before(t.expires) {
				delete(c.m, id)
			}
		}
	}
	c.m[orgID] = orgTypes{users: users, groups: groups, expires: now.Add(orgTypesTTL)}
}

// loadTypes reads an organization's schemas and builds its types. Two
// requests missing the cache at once both read: the read is one small
// indexed query, cheaper than coordinating.
func (s *Server) loadTypes(ctx context.Context, orgID string) (users, groups *schema.ResourceType, err error) {
	if t, ok := s.orgTypes.get(orgID); ok {
		return t.users, t.groups, nil
	}
	defs, err := s.dir.Store().OrgSchemas(ctx, orgID)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the schemas of organization %q: %w", orgID, err)
	}
	users, groups, err = extendTypes(s.users, s.groups, defs)
	if err != nil {
		return nil, nil, err
	}
	pol, err := s.dir.Policy(ctx, orgID)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the policy of organization %q: %w", orgID, err)
	}
	users = withCatalogues(users, pol)
	s.orgTypes.put(orgID, users, groups)
	return users, groups, nil
}

// extendTypes returns users and groups extended with defs, in the order
// given (the store lists them by URN). Without definitions the shared
// types come back as they are. A definition that no longer parses, or
// that clashes with another, is an error rather than skipped: serving the
// organization without it would silently drop its values on the next
// PUT.
func extendTypes(users, groups *schema.ResourceType, defs []store.OrgSchema) (*schema.ResourceType, *schema.ResourceType, error) {
	if len(defs) == 0 {
		return users, groups, nil
	}
	var ue, ge []schema.Extension
	taken := []string{users.Schema.ID, groups.Schema.ID}
	for _, e := range users.Extensions {
		taken = append(taken, e.Schema.ID)
	}
	for _, e := range groups.Extensions {
		taken = append(taken, e.Schema.ID)
	}
	for _, d := range defs {
		ext, err := schema.ParseExtensionDefinition(d.Definition)
		if err != nil {
			return nil, nil, fmt.Errorf("organization schema %q: %w", d.URN, err)
		}
		if ext.Schema.ID != d.URN {
			return nil, nil, fmt.Errorf("organization schema %q: its definition has id %q", d.URN, ext.Schema.ID)
		}
		for _, u := range taken {
			if schema.URNsOverlap(u, d.URN) {
				return nil, nil, fmt.Errorf("organization schema %q clashes with schema %q", d.URN, u)
			}
		}
		taken = append(taken, d.URN)
		switch d.Kind {
		case store.KindUser:
			ue = append(ue, ext)
		case store.KindGroup:
			ge = append(ge, ext)
		default:
			return nil, nil, fmt.Errorf("organization schema %q extends unknown resource type %q", d.URN, d.Kind)
		}
	}
	if len(ue) > 0 {
		users = users.Extend(ue...)
	}
	if len(ge) > 0 {
		groups = groups.Extend(ge...)
	}
	return users, groups, nil
}

// withCatalogues returns users with the organization's role and
// entitlement catalogues listed as the canonicalValues (RFC 7643 §7) of
// roles.value and entitlements.value, so that /Schemas tells an identity
// provider's admin which values this organization accepts (package
// directory enforces them). Without catalogues users comes back as it is;
// otherwise the changed attributes are copies and users, shared by every
// organization, is never modified.
func withCatalogues(users *schema.ResourceType, p store.Policy) *schema.ResourceType {
	cats := map[string][]store.CatalogEntry{"roles": p.Roles, "entitlements": p.Entitlements}
	var core *schema.Schema
	for name, cat := range cats {
		a := users.Schema.Attr(name)
		if len(cat) == 0 || a == nil || a.Sub("value") == nil {
			continue
		}
		values := make([]string, len(cat))
		for i, e := range cat {
			values[i] = e.Value
		}
		if core == nil {
			c := *users.Schema
			c.Attributes = slices.Clone(c.Attributes)
			core = &c
		}
		ac := *a
		ac.SubAttributes = slices.Clone(a.SubAttributes)
		for i, sub := range ac.SubAttributes {
			if sub.Name == "value" {
				sc := *sub
				sc.CanonicalValues = values
				ac.SubAttributes[i] = &sc
			}
		}
		core.Attributes[slices.Index(core.Attributes, a)] = &ac
	}
	if core == nil {
		return users
	}
	out := *users
	out.Schema = core
	return &out
}
