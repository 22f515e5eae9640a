// Command scimd is a SCIM 2.0 provisioning server for Users and Groups.
//
//	scimd serve                          run the server
//	scimd migrate                        apply database migrations
//	scimd org create NAME | org list     manage organizations
//	scimd org set ORG [policy flags] | org show ORG   an organization's policy
//	scimd token create --org ORG --name NAME | token list | token revoke ID
//	scimd schema add | list | show | remove   organizations' schema extensions
//	scimd sync run | status | history | show | approve | reject   directory sync
//	scimd webhooks create | list | status | delete | enable | disable   event webhooks
//	scimd users import | export | restore | purge   the user lifecycle
//	scimd teams export                   teams with their paths and members
//	scimd audit list                     the audit trail
//	scimd version
//
// Every subcommand takes --help. This package does configuration, wiring
// and process lifecycle; nothing else composes the parts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `scimd: a SCIM 2.0 provisioning server for Users and Groups

Usage:
  scimd serve [flags]                          run the server (SQLite by default)
  scimd migrate [flags]                        apply database migrations and exit
  scimd org create NAME [flags]                create an organization
  scimd org list [flags]                       list organizations
  scimd org set ORG [--seat-limit N] [--roles 'Value=Description,…'] [--delete-mode archive|deactivate] …
                                               change an organization's policy (only the fields given)
  scimd org show ORG [--format text|json]      an organization's policy and seats used
  scimd token create --org ORG --name NAME [--admin]
                                               issue a SCIM (or admin API) bearer token (prints only the token)
  scimd token list [--org ORG]                 list tokens
  scimd token revoke ID                        revoke a token
  scimd schema add --org ORG --resource User|Group FILE.json
                                               add or replace an extension schema (custom attributes)
  scimd schema list --org ORG                  list an organization's extension schemas
  scimd schema show --org ORG URN              print one extension schema
  scimd schema remove --org ORG URN            remove an extension schema
  scimd sync run [--org ORG] [--source NAME] [--dry-run]
                                               sync LDAP / Active Directory sources now
  scimd sync status [--org ORG]                last run of every configured source
  scimd sync history [--org ORG] [--source NAME]   past runs
  scimd sync show RUN_ID [--state STATE]       a run's changes (the plan of a dry run)
  scimd sync approve RUN_ID | sync reject RUN_ID   let a held run's changes through, or drop them
  scimd webhooks create --org ORG --url URL [--events TYPES] [--format json|set] [--from-start]
                                               subscribe a receiver to events (prints the id, and a generated secret once)
  scimd webhooks list | status --org ORG       webhooks, and their delivery backlog, attempts and errors
  scimd webhooks delete | enable | disable --org ORG ID
  scimd users import FILE.csv [--org ORG] [--dry-run] [--report F.csv] [--match userName|externalId]
                                               create and update users from CSV (--template prints the header)
  scimd users export --org ORG [--format csv|json] [--include-archived] [--output F]
  scimd users restore --org ORG ID             bring an archived user back with its teams
  scimd users purge --org ORG [--archived-before 90d] [ID] [--dry-run] [--yes]
                                               erase archived users' personal data
  scimd teams export --org ORG [--format csv|json] [--output F]
  scimd audit list --org ORG [--user ID] [--type T] [--since 7d] [--after SEQ] [--limit N] [--format table|json]
  scimd admin create --org ORG --email EMAIL [--role owner|user_admin|auditor]
                                               add a console / admin API account (bootstraps the first owner)
  scimd admin list | role | disable | enable | password --org ORG …
                                               manage admin accounts (see scimd admin --help)
  scimd version                                print the version

Run "scimd COMMAND --help" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks a usage error: exit status 2.
var errUsage = errors.New("usage")

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr)
	case "org":
		err = cmdOrg(ctx, rest, stdout, stderr)
	case "token":
		err = cmdToken(ctx, rest, stdout, stderr)
	case "schema":
		err = cmdSchema(ctx, rest, stdout, stderr)
	case "sync":
		err = cmdSync(ctx, rest, stdout, stderr)
	case "webhooks":
		err = cmdWebhooks(ctx, rest, stdout, stderr)
	case "users":
		err = cmdUsers(ctx, rest, stdout, stderr)
	case "teams":
		err = cmdTeams(ctx, rest, stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, rest, stdout, stderr)
	case "admin":
		err = cmdAdmin(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "scimd", version)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "scimd: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "scimd:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "scimd:", err)
		return 1
	}
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, flags and positional arguments in any order (so
// "org create NAME --database-url …" works); a bad flag is a usage error.
// It returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %s", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// subcommand picks the subcommand of the command group from args[0]:
// synopsis holds each subcommand's synopsis, order their order in the
// usage. A help argument prints the group's usage and returns flag.ErrHelp
// (exit 0); a missing or unknown subcommand is a usage error naming them.
func subcommand(group string, args []string, synopsis map[string]string, order []string, stdout io.Writer) (string, error) {
	if len(args) > 0 && synopsis[args[0]] != "" {
		return args[0], nil
	}
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, "Usage:")
		for _, s := range order {
			fmt.Fprintf(stdout, "  %s\n", synopsis[s])
		}
		return "", flag.ErrHelp
	}
	want := make([]string, len(order))
	for i, s := range order {
		want[i] = fmt.Sprintf("%q", group+" "+s)
	}
	list := want[0]
	if n := len(want); n > 1 {
		list = strings.Join(want[:n-1], ", ") + " or " + want[n-1]
	}
	return "", fmt.Errorf("%w: want %s", errUsage, list)
}
