package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// adminSubs are the "scimd admin" subcommands and their synopses.
var adminSubs = map[string]string{
	"create":   "scimd admin create --org ORG --email EMAIL [--role owner|user_admin|auditor] [--name NAME] [--password-file F | --password-env VAR]",
	"list":     "scimd admin list --org ORG",
	"role":     "scimd admin role --org ORG --email EMAIL --role ROLE",
	"disable":  "scimd admin disable --org ORG --email EMAIL",
	"enable":   "scimd admin enable --org ORG --email EMAIL",
	"password": "scimd admin password --org ORG --email EMAIL [--password-file F | --password-env VAR]",
}

var adminOrder = []string{"create", "list", "role", "disable", "enable", "password"}

// cmdAdmin manages the console's admin accounts from the command line,
// which may do what no signed-in admin may (bootstrap the first owner,
// recover a locked-out organization); the organization still keeps an
// active owner.
func cmdAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, err := subcommand("admin", args, adminSubs, adminOrder, stdout)
	if err != nil {
		return err
	}
	fs := newFlags("admin "+sub, adminSubs[sub], stderr)
	cf := addConfigFlags(fs, false)
	var orgName, email, role, name, pwFile, pwEnv string
	fs.StringVar(&orgName, "org", "", "organization name")
	if sub != "list" {
		fs.StringVar(&email, "email", "", "the admin's email address (their sign-in name)")
	}
	if sub == "create" || sub == "role" {
		fs.StringVar(&role, "role", "", "owner, user_admin or auditor")
	}
	if sub == "create" {
		fs.StringVar(&name, "name", "", "the admin's display name")
	}
	if sub == "create" || sub == "password" {
		fs.StringVar(&pwFile, "password-file", "", "read the password from this file (else a password is generated and printed once)")
		fs.StringVar(&pwEnv, "password-env", "", "read the password from this environment variable")
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 0 || orgName == "" || (sub != "list" && email == "") {
		return fmt.Errorf("%w: %s", errUsage, adminSubs[sub])
	}
	var r store.AdminRole
	switch {
	case sub == "create" && role == "":
		r = store.RoleOwner
	case role != "":
		if r, err = directory.ParseRole(role); err != nil {
			return fmt.Errorf("%w: --role: %v", errUsage, err)
		}
	case sub == "role":
		return fmt.Errorf("%w: admin role needs --role", errUsage)
	}
	return withDirectory(ctx, cf, func(d *directory.Service) error {
		o, err := orgByName(ctx, d, orgName)
		if err != nil {
			return err
		}
		if sub == "list" {
			return listAdmins(ctx, d, o, stdout)
		}
		if sub == "create" {
			pw, generated, err := adminPassword(pwFile, pwEnv)
			if err != nil {
				return err
			}
			a, err := d.CreateAdmin(ctx, nil, o.ID, email, name, r, pw)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "admin %s (%s) created in %s\n", a.Email, a.Role, o.Name)
			if generated {
				fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
			}
			return nil
		}
		a, err := d.Store().AdminByEmail(ctx, o.ID, email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no admin %q in %s (see scimd admin list)", email, o.Name)
		}
		if err != nil {
			return err
		}
		switch sub {
		case "role":
			_, err = d.SetAdminRole(ctx, nil, o.ID, a.ID, r)
		case "disable", "enable":
			_, err = d.SetAdminDisabled(ctx, nil, o.ID, a.ID, sub == "disable")
		case "password":
			var pw string
			var generated bool
			if pw, generated, err = adminPassword(pwFile, pwEnv); err == nil {
				if err = d.SetAdminPassword(ctx, nil, o.ID, a.ID, pw); err == nil && generated {
					fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
				}
			}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "admin %s: %s done\n", a.Email, sub)
		return nil
	})
}

// adminPassword reads the password from a file or the environment, or
// generates one (generated reports which).
func adminPassword(file, env string) (pw string, generated bool, err error) {
	switch {
	case file != "" && env != "":
		return "", false, fmt.Errorf("%w: give --password-file or --password-env, not both", errUsage)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", false, fmt.Errorf("reading the password: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), false, nil
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", false, fmt.Errorf("environment variable %s is not set", env)
		}
		return v, false, nil
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", false, fmt.Errorf("generating a password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), true, nil
}

func listAdmins(ctx context.Context, d *directory.Service, o store.Org, stdout io.Writer) error {
	as, err := d.Store().Admins(ctx, o.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSTATE\tLAST SIGN-IN")
	for _, a := range as {
		state, last := "active", "-"
		if a.Disabled {
			state = "disabled"
		}
		if a.LockedUntil != nil && time.Now().Before(*a.LockedUntil) {
			state += " (locked)"
		}
		if a.LastLogin != nil {
			last = a.LastLogin.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Email, a.Name, a.Role, state, last)
	}
	return tw.Flush()
}
