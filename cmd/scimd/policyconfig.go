package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// The "orgs:" section of the configuration file: organizations and their
// policies, validated with the rest of the configuration (every problem
// reported at once) and applied by serve and migrate at every start: a
// listed organization is created when missing and its policy replaced by
// the file's (a field left out takes its default).
//
//	orgs:
//	  - name: acme
//	    policy:
//	      seatLimit: 50
//	      roles:
//	        - {value: Admin, description: Full access}
//	        - Member
//	      entitlements: [Fleet, Billing]
//	      externalUserTypes: [External, Contractor]
//	      deleteMode: archive
//	      immutable: [userType, employeeNumber]
//	      moverAttributes: [department, title, manager]
//	      retention: 90d

// OrgConfig is one organization of the configuration file.
type OrgConfig struct {
	Name   string       `yaml:"name"`
	Policy PolicyConfig `yaml:"policy"`
}

// PolicyConfig is store.Policy as the configuration file writes it.
type PolicyConfig struct {
	SeatLimit         int            `yaml:"seatLimit"`
	Roles             []CatalogEntry `yaml:"roles"`
	Entitlements      []CatalogEntry `yaml:"entitlements"`
	ExternalUserTypes []string       `yaml:"externalUserTypes"`
	DeleteMode        string         `yaml:"deleteMode"`
	Immutable         []string       `yaml:"immutable"`
	MoverAttributes   []string       `yaml:"moverAttributes"`
	Retention         string         `yaml:"retention"` // e.g. 90d, 12w, 36h
}

// CatalogEntry is a role or entitlement: a mapping {value, description},
// or just the value.
type CatalogEntry store.CatalogEntry

// UnmarshalYAML reads a value or a {value, description} mapping,
// refusing unknown keys.
func (e *CatalogEntry) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		e.Value = n.Value
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: %s must be a string", v.Line, k.Value)
			}
			switch k.Value {
			case "value":
				e.Value = v.Value
			case "description":
				e.Description = v.Value
			default:
				return fmt.Errorf("line %d: unknown key %q in a catalogue entry (want value and description)", k.Line, k.Value)
			}
		}
		return nil
	}
	return fmt.Errorf("line %d: a catalogue entry is a value or {value, description}", n.Line)
}

// policy converts the entry; the error lists every problem.
func (p PolicyConfig) policy() (store.Policy, error) {
	out := store.Policy{
		SeatLimit:         p.SeatLimit,
		Roles:             catalogue(p.Roles),
		Entitlements:      catalogue(p.Entitlements),
		ExternalUserTypes: nilIfEmpty(p.ExternalUserTypes),
		DeleteMode:        p.DeleteMode,
		Immutable:         nilIfEmpty(p.Immutable),
		MoverAttributes:   nilIfEmpty(p.MoverAttributes),
	}
	var errs []error
	if p.Retention != "" {
		d, err := parseAge(p.Retention)
		if err != nil {
			errs = append(errs, fmt.Errorf("retention: %w", err))
		}
		out.Retention = d
	}
	if err := directory.ValidatePolicy(out); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// catalogue returns nil (any value) for an empty list: the store does not
// keep an empty catalogue apart from none.
func catalogue(es []CatalogEntry) []store.CatalogEntry {
	if len(es) == 0 {
		return nil
	}
	out := make([]store.CatalogEntry, len(es))
	for i, e := range es {
		out[i] = store.CatalogEntry{Value: strings.TrimSpace(e.Value), Description: strings.TrimSpace(e.Description)}
	}
	return out
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// validateOrgs reports every problem of every organization entry.
func (c *Config) validateOrgs() []string {
	var p []string
	seen := map[string]int{}
	for i, o := range c.Orgs {
		where := fmt.Sprintf("orgs[%d]", i)
		if o.Name != "" {
			where += fmt.Sprintf(" (%s)", o.Name)
		}
		name := strings.TrimSpace(o.Name)
		if name == "" {
			p = append(p, where+": name is required")
		} else if j, dup := seen[strings.ToLower(name)]; dup {
			p = append(p, fmt.Sprintf("%s: organization %q is already listed (orgs[%d])", where, name, j))
		} else {
			seen[strings.ToLower(name)] = i
		}
		if _, err := o.Policy.policy(); err != nil {
			for _, e := range splitErrors(err) {
				p = append(p, where+": policy: "+e)
			}
		}
	}
	return p
}

// splitErrors flattens an errors.Join tree into its messages.
func splitErrors(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitErrors(e)...)
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}

// applyOrgPolicies creates the configured organizations that are missing
// and sets each one's policy.
func applyOrgPolicies(ctx context.Context, d *directory.Service, orgs []OrgConfig, log *slog.Logger) error {
	for i, o := range orgs {
		p, err := o.Policy.policy()
		if err != nil { // validated by load; a Config may be built without it
			return fmt.Errorf("orgs[%d] (%s): %w", i, o.Name, err)
		}
		org, created, err := d.EnsureOrg(ctx, o.Name)
		if err != nil {
			return fmt.Errorf("orgs[%d]: %w", i, err)
		}
		if created {
			log.Info("organization created", "org", org.Name)
		}
		if err := d.SetPolicy(ctx, org.ID, p); err != nil {
			return fmt.Errorf("orgs[%d] (%s): setting the policy: %w", i, o.Name, err)
		}
		log.Info("organization policy applied", "org", org.Name, "seat_limit", p.SeatLimit)
	}
	return nil
}

// configuredOrg reports whether the configuration file sets the named
// organization's policy.
func (c *Config) configuredOrg(name string) bool {
	for _, o := range c.Orgs {
		if strings.EqualFold(strings.TrimSpace(o.Name), name) {
			return true
		}
	}
	return false
}

// parseAge reads a positive or zero length of time: Go's durations
// (36h, 90m) and whole days and weeks (90d, 2w).
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for unit, d := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%q is not a duration (e.g. 90d, 2w, 36h)", s)
			}
			return time.Duration(v) * d, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (e.g. 90d, 2w, 36h)", s)
	}
	return d, nil
}

// formatAge writes a duration as parseAge reads it, in days when whole.
func formatAge(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
