package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "scimd migrate [flags]", stderr)
	cf := addConfigFlags(fs, false)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withConfig(ctx, cf, func(cfg Config, d *directory.Service) error {
		fmt.Fprintln(stdout, "migrations applied")
		if len(cfg.Orgs) == 0 {
			return nil
		}
		if err := applyOrgPolicies(ctx, d, cfg.Orgs, newLogger(cfg, io.Discard)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "policies of %d configured organizations applied\n", len(cfg.Orgs))
		return nil
	})
}

// withDirectory loads the configuration, opens the store and runs fn.
func withDirectory(ctx context.Context, cf *configFlags, fn func(*directory.Service) error) error {
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(directory.New(st))
}

func cmdOrg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && orgPolicySubs[args[0]] != "" {
		return cmdOrgPolicy(ctx, args[0], args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintf(stdout, "Usage:\n  scimd org create NAME [flags]\n  scimd org list [flags]\n  %s\n  %s\n",
				orgPolicySubs["set"], orgPolicySubs["show"])
			return nil
		}
		return fmt.Errorf("%w: want \"org create NAME\", \"org list\", \"org set ORG\" or \"org show ORG\"", errUsage)
	}
	sub := args[0]
	fs := newFlags("org "+sub, map[string]string{"create": "scimd org create NAME [flags]", "list": "scimd org list [flags]"}[sub], stderr)
	cf := addConfigFlags(fs, false)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if len(pos) != 1 {
			return fmt.Errorf("%w: org create takes exactly one NAME", errUsage)
		}
		return withDirectory(ctx, cf, func(d *directory.Service) error {
			o, err := d.CreateOrg(ctx, pos[0])
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("organization %q already exists", pos[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\t%s\n", o.ID, o.Name)
			return nil
		})
	default:
		if len(pos) != 0 {
			return fmt.Errorf("%w: org list takes no arguments", errUsage)
		}
		return withDirectory(ctx, cf, func(d *directory.Service) error {
			orgs, err := d.Store().Orgs(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED")
			for _, o := range orgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", o.ID, o.Name, o.Created.Format(time.RFC3339))
			}
			return tw.Flush()
		})
	}
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" || s == "help" }

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := map[string]string{
		"create": "scimd token create --org ORG --name NAME [--admin [--role owner|user_admin|auditor]] [flags]",
		"list":   "scimd token list [--org ORG] [flags]",
		"revoke": "scimd token revoke ID [flags]",
	}
	sub, err := subcommand("token", args, subs, []string{"create", "list", "revoke"}, stdout)
	if err != nil {
		return err
	}
	fs := newFlags("token "+sub, subs[sub], stderr)
	cf := addConfigFlags(fs, false)
	var orgName, name, role string
	var admin bool
	if sub != "revoke" {
		fs.StringVar(&orgName, "org", "", "organization name")
	}
	if sub == "create" {
		fs.StringVar(&name, "name", "", "token name (who uses it, e.g. okta-prod)")
		fs.BoolVar(&admin, "admin", false, "issue an admin API token (/api/v1) instead of a SCIM one")
		fs.StringVar(&role, "role", "", "an admin token's role: owner (the default), user_admin or auditor")
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if len(pos) != 0 || orgName == "" || name == "" {
			return fmt.Errorf("%w: token create needs --org and --name and no arguments", errUsage)
		}
		tokenRole := store.RoleOwner
		if role != "" {
			if !admin {
				return fmt.Errorf("%w: --role is for admin tokens (--admin)", errUsage)
			}
			if tokenRole, err = directory.ParseRole(role); err != nil {
				return fmt.Errorf("%w: --role: %v", errUsage, err)
			}
		}
		return withDirectory(ctx, cf, func(d *directory.Service) error {
			o, err := orgByName(ctx, d, orgName)
			if err != nil {
				return err
			}
			create := d.CreateToken
			if admin {
				create = func(ctx context.Context, orgID, name string) (string, store.Token, error) {
					return d.CreateAdminToken(ctx, orgID, name, tokenRole)
				}
			}
			tok, _, err := create(ctx, o.ID, name)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, tok) // only the token, so scripts can capture it
			return nil
		})
	case "list":
		if len(pos) != 0 {
			return fmt.Errorf("%w: token list takes no arguments", errUsage)
		}
		return withDirectory(ctx, cf, func(d *directory.Service) error {
			orgID := ""
			if orgName != "" {
				o, err := orgByName(ctx, d, orgName)
				if err != nil {
					return err
				}
				orgID = o.ID
			}
			toks, err := d.Store().Tokens(ctx, orgID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tORG\tNAME\tSCOPE\tCREATED\tREVOKED")
			for _, t := range toks {
				revoked := "-"
				if t.Revoked != nil {
					revoked = t.Revoked.Format(time.RFC3339)
				}
				scope := t.Scope
				switch {
				case scope == "":
					scope = store.ScopeSCIM
				case scope == store.ScopeAdmin && t.Role != "":
					scope += " (" + string(t.Role) + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.OrgID, t.Name, scope, t.Created.Format(time.RFC3339), revoked)
			}
			return tw.Flush()
		})
	default:
		if len(pos) != 1 {
			return fmt.Errorf("%w: token revoke takes exactly one ID", errUsage)
		}
		return withDirectory(ctx, cf, func(d *directory.Service) error {
			err := d.Store().RevokeToken(ctx, pos[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no token %q", pos[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "token %s revoked\n", pos[0])
			return nil
		})
	}
}

func orgByName(ctx context.Context, d *directory.Service, name string) (store.Org, error) {
	o, err := d.Store().OrgByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return o, fmt.Errorf("no organization %q (see scimd org list)", name)
	}
	return o, err
}
