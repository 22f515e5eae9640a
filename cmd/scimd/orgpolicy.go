package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"gopkg.in/yaml.v3"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// scimd org set | show: an organization's policy (store.Policy), enforced
// by package directory on every writer.

var orgPolicySubs = map[string]string{
	"set": "scimd org set ORG [--seat-limit N] [--roles 'Value=Description,…' | --roles-file F.yaml] " +
		"[--entitlements … | --entitlements-file F.yaml] [--external-user-types External,Contractor] " +
		"[--delete-mode archive|deactivate] [--immutable userType,employeeNumber] [--mover-attributes …] [--retention 90d] [flags]",
	"show": "scimd org show ORG [--format text|json] [flags]",
}

// policyFlags are org set's flags; only those given change the policy.
type policyFlags struct {
	seatLimit                                          int
	roles, rolesFile, ents, entsFile                   string
	external, deleteMode, immutable, movers, retention string
}

func (f *policyFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.seatLimit, "seat-limit", 0, "most active internal users (0: no limit)")
	fs.StringVar(&f.roles, "roles", "", "role catalogue: 'Value=Description,…' ('' clears it: any role is accepted)")
	fs.StringVar(&f.rolesFile, "roles-file", "", "role catalogue from a YAML or JSON list of {value, description}")
	fs.StringVar(&f.ents, "entitlements", "", "entitlement catalogue: 'Value=Description,…' ('' clears it)")
	fs.StringVar(&f.entsFile, "entitlements-file", "", "entitlement catalogue from a YAML or JSON list")
	fs.StringVar(&f.external, "external-user-types", "", "userType values that make a user external, comma-separated ('': External)")
	fs.StringVar(&f.deleteMode, "delete-mode", "", "what a SCIM DELETE of a user does: archive or deactivate")
	fs.StringVar(&f.immutable, "immutable", "", "attributes that cannot change once set, comma-separated ('': none)")
	fs.StringVar(&f.movers, "mover-attributes", "", "attributes whose change makes a mover event, comma-separated ('': department,title,manager,organization)")
	fs.StringVar(&f.retention, "retention", "", "how long archived users are kept before purge may erase them, e.g. 90d ('': 90d)")
}

// apply changes p by the flags that were set, reporting every problem.
func (f *policyFlags) apply(set map[string]bool, p *store.Policy) error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if set["roles"] && set["roles-file"] {
		bad("give --roles or --roles-file, not both")
	}
	if set["entitlements"] && set["entitlements-file"] {
		bad("give --entitlements or --entitlements-file, not both")
	}
	if set["seat-limit"] {
		p.SeatLimit = f.seatLimit
	}
	for _, c := range []struct {
		flag, file string
		val, path  string
		dst        *[]store.CatalogEntry
	}{{"roles", "roles-file", f.roles, f.rolesFile, &p.Roles}, {"entitlements", "entitlements-file", f.ents, f.entsFile, &p.Entitlements}} {
		switch {
		case set[c.flag]:
			*c.dst = parseCatalogue(c.val)
		case set[c.file]:
			cat, err := readCatalogue(c.path)
			if err != nil {
				bad("--%s: %v", c.file, err)
			}
			*c.dst = cat
		}
	}
	if set["external-user-types"] {
		p.ExternalUserTypes = splitComma(f.external)
	}
	if set["delete-mode"] {
		p.DeleteMode = f.deleteMode
	}
	if set["immutable"] {
		p.Immutable = splitComma(f.immutable)
	}
	if set["mover-attributes"] {
		p.MoverAttributes = splitComma(f.movers)
	}
	if set["retention"] {
		p.Retention = 0
		if f.retention != "" {
			d, err := parseAge(f.retention)
			if err != nil {
				bad("--retention: %v", err)
			}
			p.Retention = d
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errUsage, strings.Join(problems, "; "))
	}
	return nil
}

// parseCatalogue reads 'Value=Description,Value,…' ("" is no catalogue).
func parseCatalogue(s string) []store.CatalogEntry {
	var out []store.CatalogEntry
	for _, item := range strings.Split(s, ",") {
		if strings.TrimSpace(item) == "" && strings.TrimSpace(s) == "" {
			continue
		}
		v, d, _ := strings.Cut(item, "=")
		out = append(out, store.CatalogEntry{Value: strings.TrimSpace(v), Description: strings.TrimSpace(d)})
	}
	return out
}

// readCatalogue reads a YAML (or JSON) list of catalogue entries.
func readCatalogue(path string) ([]store.CatalogEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list []CatalogEntry
	if err := yaml.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return catalogue(list), nil
}

func splitComma(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func cmdOrgPolicy(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("org "+sub, orgPolicySubs[sub], stderr)
	cf := addConfigFlags(fs, false)
	var pf policyFlags
	format := "text"
	if sub == "set" {
		pf.register(fs)
	} else {
		fs.StringVar(&format, "format", "text", "text or json")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: org %s takes exactly one organization NAME", errUsage, sub)
	}
	if format != "text" && format != "json" {
		return fmt.Errorf("%w: --format %q: want text or json", errUsage, format)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if sub == "set" {
		given := false
		for _, name := range []string{"seat-limit", "roles", "roles-file", "entitlements", "entitlements-file",
			"external-user-types", "delete-mode", "immutable", "mover-attributes", "retention"} {
			given = given || set[name]
		}
		if !given {
			return fmt.Errorf("%w: org set needs at least one policy flag (see scimd org set --help)", errUsage)
		}
		if err := pf.apply(set, &store.Policy{}); err != nil { // flag problems before touching the database
			return err
		}
	}
	return withConfig(ctx, cf, func(cfg Config, d *directory.Service) error {
		org, err := orgByName(ctx, d, pos[0])
		if err != nil {
			return err
		}
		if sub == "set" {
			p, err := d.Policy(ctx, org.ID)
			if err != nil {
				return err
			}
			if err := pf.apply(set, &p); err != nil {
				return err
			}
			if err := d.SetPolicy(ctx, org.ID, p); err != nil {
				return fmt.Errorf("invalid policy:\n  %s", strings.Join(splitErrors(err), "\n  "))
			}
			if cfg.configuredOrg(org.Name) {
				fmt.Fprintf(stderr, "scimd: warning: the configuration file sets organization %q's policy (orgs:); "+
					"serve and migrate will replace this change at their next start\n", org.Name)
			}
		}
		return showPolicy(ctx, d, org, format, stdout)
	})
}

// policyView is org show's JSON.
type policyView struct {
	Organization string       `json:"organization"`
	ID           string       `json:"id"`
	SeatsUsed    int          `json:"seatsUsed"`
	Policy       store.Policy `json:"policy"`
	Retention    string       `json:"retention"` // the effective retention, as 90d
}

func showPolicy(ctx context.Context, d *directory.Service, org store.Org, format string, stdout io.Writer) error {
	p, err := d.Policy(ctx, org.ID)
	if err != nil {
		return err
	}
	used, err := d.SeatsUsed(ctx, org.ID)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(policyView{Organization: org.Name, ID: org.ID, SeatsUsed: used, Policy: p,
			Retention: formatAge(directory.Retention(p))})
	}
	seats := fmt.Sprintf("%d used (no limit)", used)
	if p.SeatLimit > 0 {
		seats = fmt.Sprintf("%d used of %d", used, p.SeatLimit)
		if used > p.SeatLimit {
			seats += " (over the limit: new and reactivated internal users are refused)"
		}
	}
	list := func(vals []string, def string) string {
		if vals == nil {
			return def
		}
		return strings.Join(vals, ", ")
	}
	retention := formatAge(directory.Retention(p))
	if p.Retention <= 0 {
		retention += " (default)"
	}
	deleteMode := p.DeleteMode
	if deleteMode == "" {
		deleteMode = directory.DeleteArchive + " (default)"
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, row := range [][2]string{
		{"organization", org.Name},
		{"id", org.ID},
		{"seats", seats},
		{"roles", describeCatalogue(p.Roles)},
		{"entitlements", describeCatalogue(p.Entitlements)},
		{"external user types", list(p.ExternalUserTypes, "External (default)")},
		{"delete mode", deleteMode},
		{"immutable", list(p.Immutable, "none")},
		{"mover attributes", list(p.MoverAttributes, "department, title, manager, organization (default)")},
		{"retention", retention},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

func describeCatalogue(cat []store.CatalogEntry) string {
	if cat == nil {
		return "any (no catalogue)"
	}
	out := make([]string, len(cat))
	for i, e := range cat {
		out[i] = e.Value
		if e.Description != "" {
			out[i] += " (" + e.Description + ")"
		}
	}
	return strings.Join(out, ", ")
}
