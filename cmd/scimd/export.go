package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/userimport"
)

// scimd users export | teams export: an organization's users and teams
// as CSV (the users' columns are import's, so an export imports back) or
// as a JSON array, written by package userimport (ExportUsers,
// ExportTeams), to standard output or to a file that appears only once
// complete.

// exportFlags are the flags both exports share.
type exportFlags struct {
	cf      *configFlags
	org     string
	format  string
	output  string
	archive bool
}

func parseExportFlags(name string, args []string, stderr io.Writer, users bool) (*exportFlags, error) {
	fs := newFlags(name, map[bool]string{true: usersSubs["export"], false: teamsSubs["export"]}[users], stderr)
	f := &exportFlags{cf: addConfigFlags(fs, false)}
	fs.StringVar(&f.org, "org", "", "organization name")
	fs.StringVar(&f.format, "format", "csv", "csv or json")
	fs.StringVar(&f.output, "output", "", "file to write (default: standard output)")
	if users {
		fs.BoolVar(&f.archive, "include-archived", false, "add the archived users (not purged) after the live ones")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if f.org == "" || len(pos) != 0 {
		return nil, fmt.Errorf("%w: %s needs --org and no arguments", errUsage, name)
	}
	if f.format != "csv" && f.format != "json" {
		return nil, fmt.Errorf("%w: --format %q: want csv or json", errUsage, f.format)
	}
	return f, nil
}

// writeOutput runs fn on the output: standard output, or a file written
// beside its final name and renamed into place once complete.
func writeOutput(path string, stdout io.Writer, fn func(io.Writer) error) error {
	if path == "" || path == "-" {
		return fn(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func cmdUsersExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseExportFlags("users export", args, stderr, true)
	if err != nil {
		return err
	}
	return withDirectory(ctx, f.cf, func(d *directory.Service) error {
		org, err := orgByName(ctx, d, f.org)
		if err != nil {
			return err
		}
		opt := userimport.ExportOptions{Format: userimport.Format(f.format), Archived: f.archive}
		return writeOutput(f.output, stdout, func(w io.Writer) error {
			return userimport.ExportUsers(ctx, d.Store(), org.ID, w, opt)
		})
	})
}

var teamsSubs = map[string]string{
	"export": "scimd teams export --org ORG [--format csv|json] [--output F] [flags]",
}

func cmdTeams(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if _, err := subcommand("teams", args, teamsSubs, []string{"export"}, stdout); err != nil {
		return err
	}
	f, err := parseExportFlags("teams export", args[1:], stderr, false)
	if err != nil {
		return err
	}
	return withDirectory(ctx, f.cf, func(d *directory.Service) error {
		org, err := orgByName(ctx, d, f.org)
		if err != nil {
			return err
		}
		opt := userimport.ExportOptions{Format: userimport.Format(f.format)}
		return writeOutput(f.output, stdout, func(w io.Writer) error {
			return userimport.ExportTeams(ctx, d.Store(), org.ID, w, opt)
		})
	})
}
