package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// scimd schema add | list | show | remove: an organization's own schema
// extensions (RFC 7643 §3.3, §7), where identity providers send custom
// attributes. A running server sees a change within a few seconds.

func cmdSchema(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := map[string]string{
		"add":    "scimd schema add --org ORG --resource User|Group FILE.json [flags]",
		"list":   "scimd schema list --org ORG [flags]",
		"show":   "scimd schema show --org ORG URN [flags]",
		"remove": "scimd schema remove --org ORG URN [flags]",
	}
	sub, err := subcommand("schema", args, subs, []string{"add", "list", "show", "remove"}, stdout)
	if err != nil {
		return err
	}
	fs := newFlags("schema "+sub, subs[sub], stderr)
	cf := addConfigFlags(fs, false)
	var orgName, resource string
	fs.StringVar(&orgName, "org", "", "organization name")
	if sub == "add" {
		fs.StringVar(&resource, "resource", "", "resource type the schema extends: User or Group")
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if orgName == "" {
		return fmt.Errorf("%w: schema %s needs --org", errUsage, sub)
	}
	switch sub {
	case "add":
		kind, ok := parseKind(resource)
		if len(pos) != 1 || !ok {
			return fmt.Errorf("%w: schema add needs --resource User or Group and exactly one FILE", errUsage)
		}
		def, err := os.ReadFile(pos[0])
		if err != nil {
			return fmt.Errorf("reading schema definition: %w", err)
		}
		if _, err := schema.ParseExtensionDefinition(def); err != nil {
			return fmt.Errorf("%s: %w", pos[0], err) // before touching the database
		}
		return withOrg(ctx, cf, orgName, func(st store.Store, org store.Org) error {
			urn, replaced, err := putOrgSchema(ctx, st, org.ID, kind, def)
			if err != nil {
				return fmt.Errorf("%s: %w", pos[0], err)
			}
			verb := "added"
			if replaced {
				verb = "replaced"
			}
			fmt.Fprintf(stdout, "schema %s %s: extends %s of organization %q\n", urn, verb, kind, org.Name)
			return nil
		})
	case "list":
		if len(pos) != 0 {
			return fmt.Errorf("%w: schema list takes no arguments", errUsage)
		}
		return withOrg(ctx, cf, orgName, func(st store.Store, org store.Org) error {
			list, err := st.OrgSchemas(ctx, org.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "URN\tRESOURCE\tATTRIBUTES\tUPDATED")
			for _, s := range list {
				attrs := "?"
				if ext, err := schema.ParseExtensionDefinition(s.Definition); err == nil {
					attrs = fmt.Sprint(len(ext.Schema.Attributes))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.URN, s.Kind, attrs, s.Updated.Format(time.RFC3339))
			}
			return tw.Flush()
		})
	default: // show, remove
		if len(pos) != 1 {
			return fmt.Errorf("%w: schema %s takes exactly one URN", errUsage, sub)
		}
		return withOrg(ctx, cf, orgName, func(st store.Store, org store.Org) error {
			s, err := findOrgSchema(ctx, st, org, pos[0])
			if err != nil {
				return err
			}
			if sub == "remove" {
				if err := st.DeleteOrgSchema(ctx, org.ID, s.URN); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "schema %s removed from organization %q (stored values stay in the documents, unused)\n", s.URN, org.Name)
				return nil
			}
			var b bytes.Buffer
			if err := json.Indent(&b, s.Definition, "", "  "); err != nil {
				return fmt.Errorf("schema %s: %w", s.URN, err)
			}
			fmt.Fprintf(stdout, "# %s, extends %s, updated %s\n%s\n", s.URN, s.Kind, s.Updated.Format(time.RFC3339), b.String())
			return nil
		})
	}
}

// withOrg opens the store and runs fn with the named organization.
func withOrg(ctx context.Context, cf *configFlags, name string, fn func(store.Store, store.Org) error) error {
	return withDirectory(ctx, cf, func(d *directory.Service) error {
		org, err := orgByName(ctx, d, name)
		if err != nil {
			return err
		}
		return fn(d.Store(), org)
	})
}

// parseKind reads a resource type name, case-insensitively.
func parseKind(s string) (store.Kind, bool) {
	switch {
	case strings.EqualFold(s, "User"):
		return store.KindUser, true
	case strings.EqualFold(s, "Group"):
		return store.KindGroup, true
	}
	return "", false
}

// findOrgSchema finds an organization's schema by URN, case-insensitively
// (RFC 7643 §2.1).
func findOrgSchema(ctx context.Context, st store.Store, org store.Org, urn string) (store.OrgSchema, error) {
	list, err := st.OrgSchemas(ctx, org.ID)
	if err != nil {
		return store.OrgSchema{}, err
	}
	for _, s := range list {
		if strings.EqualFold(s.URN, urn) {
			return s, nil
		}
	}
	return store.OrgSchema{}, fmt.Errorf("organization %q has no schema %q (see scimd schema list): %w", org.Name, urn, store.ErrNotFound)
}

// putOrgSchema validates def and stores it as an extension of kind for
// the organization, replacing the schema with the same URN (compared
// case-insensitively, so a change of case replaces too). A URN that
// overlaps another of the organization's (schema.URNsOverlap) is refused.
func putOrgSchema(ctx context.Context, st store.Store, orgID string, kind store.Kind, def []byte) (urn string, replaced bool, err error) {
	ext, err := schema.ParseExtensionDefinition(def)
	if err != nil {
		return "", false, err
	}
	urn = ext.Schema.ID
	existing, err := st.OrgSchemas(ctx, orgID)
	if err != nil {
		return "", false, err
	}
	var stale []string // the same URN in another case
	for _, e := range existing {
		switch {
		case e.URN == urn:
			replaced = true
		case strings.EqualFold(e.URN, urn):
			replaced = true
			stale = append(stale, e.URN)
		case schema.URNsOverlap(e.URN, urn):
			return "", false, fmt.Errorf("schema %s clashes with the organization's schema %s (one is the other followed by \":\"); remove it first", urn, e.URN)
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, def); err != nil {
		return "", false, err
	}
	if err := st.PutOrgSchema(ctx, store.OrgSchema{OrgID: orgID, URN: urn, Kind: kind, Definition: compact.Bytes()}); err != nil {
		return "", false, err
	}
	for _, old := range stale {
		if err := st.DeleteOrgSchema(ctx, orgID, old); err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", false, err
		}
	}
	return urn, replaced, nil
}
