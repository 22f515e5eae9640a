package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// scimd users import | export | restore | purge: the user lifecycle beyond
// SCIM, each write through package directory (the organization's policy
// and the audit trail apply).

var usersSubs = map[string]string{
	"import":  "scimd users import FILE.csv [--org ORG] [--dry-run] [--report F.csv] [--match userName|externalId] | scimd users import --template",
	"export":  "scimd users export --org ORG [--format csv|json] [--include-archived] [--output F] [flags]",
	"restore": "scimd users restore --org ORG ID [flags]",
	"purge":   "scimd users purge --org ORG [--archived-before AGE] [ID] [--dry-run] [--yes] [flags]",
}

func cmdUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, err := subcommand("users", args, usersSubs, []string{"import", "export", "restore", "purge"}, stdout)
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		return cmdUsersImport(ctx, args[1:], stdout, stderr)
	case "export":
		return cmdUsersExport(ctx, args[1:], stdout, stderr)
	case "restore":
		return cmdUsersRestore(ctx, args[1:], stdout, stderr)
	default:
		return cmdUsersPurge(ctx, args[1:], stdout, stderr)
	}
}

// withConfig loads the configuration, opens the store and runs fn.
func withConfig(ctx context.Context, cf *configFlags, fn func(Config, *directory.Service) error) error {
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cfg, directory.New(st))
}

// osUser names the person running the command, for the audit trail.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v := os.Getenv("USER"); v != "" {
		return v
	}
	return "unknown"
}

// cliActor is an admin at the command line: events name "cli:<OS user>".
func cliActor(orgID string) directory.Actor {
	u := osUser()
	return directory.Actor{OrgID: orgID, Source: directory.SourceAdmin, Name: u, Who: "cli:" + u}
}

func cmdUsersRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("users restore", usersSubs["restore"], stderr)
	cf := addConfigFlags(fs, false)
	orgName := fs.String("org", "", "organization name")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *orgName == "" || len(pos) != 1 {
		return fmt.Errorf("%w: users restore needs --org and exactly one user ID", errUsage)
	}
	id := pos[0]
	return withDirectory(ctx, cf, func(d *directory.Service) error {
		org, err := orgByName(ctx, d, *orgName)
		if err != nil {
			return err
		}
		u, err := d.Restore(ctx, cliActor(org.ID), store.KindUser, id)
		var ue *store.UniqueError
		var pe *directory.PolicyError
		switch {
		case errors.As(err, &ue):
			return fmt.Errorf("cannot restore user %s: its %s %q is taken by another user now; rename or archive that user first", id, ue.Attr, ue.Value)
		case errors.As(err, &pe):
			return fmt.Errorf("cannot restore user %s: %s", id, pe.Msg)
		case errors.Is(err, store.ErrNotFound):
			if _, gerr := d.Store().Get(ctx, org.ID, store.KindUser, id); gerr == nil {
				return fmt.Errorf("user %s is not archived", id)
			}
			return fmt.Errorf("organization %q has no archived user %s (see scimd users export --include-archived)", org.Name, id)
		case err != nil:
			return err
		}
		gs, err := d.Store().Groups(ctx, org.ID, []string{u.ID})
		if err != nil {
			return err
		}
		teams := 0
		for _, g := range gs[u.ID] {
			if g.Direct {
				teams++
			}
		}
		state := "active"
		if !u.Active {
			state = "inactive"
		}
		fmt.Fprintf(stdout, "user %s (%s) restored: %s, member of %d teams\n", u.ID, u.Name, state, teams)
		return nil
	})
}

func cmdUsersPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("users purge", usersSubs["purge"], stderr)
	cf := addConfigFlags(fs, false)
	orgName := fs.String("org", "", "organization name")
	before := fs.String("archived-before", "", "purge users archived longer ago than this, e.g. 90d (default: the organization's retention)")
	dry := fs.Bool("dry-run", false, "list what would be purged; change nothing")
	yes := fs.Bool("yes", false, "purge: erase the users' personal data for good")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *orgName == "" || len(pos) > 1 {
		return fmt.Errorf("%w: users purge needs --org and at most one user ID", errUsage)
	}
	var age time.Duration
	if *before != "" {
		if age, err = parseAge(*before); err != nil || age <= 0 {
			return fmt.Errorf("%w: --archived-before %q: want a positive duration such as 90d", errUsage, *before)
		}
	}
	return withDirectory(ctx, cf, func(d *directory.Service) error {
		org, err := orgByName(ctx, d, *orgName)
		if err != nil {
			return err
		}
		if age == 0 {
			p, err := d.Policy(ctx, org.ID)
			if err != nil {
				return err
			}
			age = directory.Retention(p)
		}
		a := cliActor(org.ID)
		if len(pos) == 1 {
			return purgeOne(ctx, d, a, pos[0], age, *dry, *yes, stdout)
		}
		cutoff := time.Now().UTC().Add(-age)
		if *yes && !*dry {
			n, err := d.PurgeArchived(ctx, a, cutoff)
			fmt.Fprintf(stdout, "purged %d users archived before %s\n", n, cutoff.Format(time.RFC3339))
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tARCHIVED")
		n := 0
		err = store.EachPage(ctx, d.Store(), org.ID, store.KindUser, store.Query{Archived: true, ArchivedBefore: cutoff}, 500,
			func(rs []store.Resource) error {
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Name, r.Archived.Format(time.RFC3339))
				}
				n += len(rs)
				return tw.Flush()
			})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d users archived before %s would be purged\n", n, cutoff.Format(time.RFC3339))
		if !*dry && n > 0 {
			return fmt.Errorf("refusing to purge without --yes: purging erases their personal data for good")
		}
		return nil
	})
}

// purgeOne purges, or checks, one archived user: it must have been
// archived longer than age ago.
func purgeOne(ctx context.Context, d *directory.Service, a directory.Actor, id string, age time.Duration, dry, yes bool, stdout io.Writer) error {
	r, err := d.Store().GetArchived(ctx, a.OrgID, store.KindUser, id)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := d.Store().Get(ctx, a.OrgID, store.KindUser, id); gerr == nil {
			return fmt.Errorf("user %s: %w", id, directory.ErrStillActive)
		}
		return fmt.Errorf("no archived user %s", id)
	}
	if err != nil {
		return err
	}
	cutoff := time.Now().UTC().Add(-age)
	if !r.Archived.Before(cutoff) {
		return fmt.Errorf("user %s was archived on %s, less than %s ago; it may be purged from %s",
			id, r.Archived.Format(time.RFC3339), formatAge(age), r.Archived.Add(age).Format(time.RFC3339))
	}
	if !yes || dry {
		fmt.Fprintf(stdout, "user %s (%s), archived %s, would be purged\n", id, r.Name, r.Archived.Format(time.RFC3339))
		if !dry {
			return fmt.Errorf("refusing to purge without --yes: purging erases the user's personal data for good")
		}
		return nil
	}
	if err := d.Purge(ctx, a, store.KindUser, id, cutoff); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s) purged: its personal data is erased, its audit trail anonymised\n", id, r.Name)
	return nil
}
