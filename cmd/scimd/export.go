package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/userimport"
)

// scimd users export | teams export: an organization's users and teams,
// streamed page by page (memory does not grow with the organization),
// as CSV (the users' columns are import's, so an export imports back) or
// as a JSON array.

// exportPage is the page size of exports.
const exportPage = 500

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
		return writeOutput(f.output, stdout, func(w io.Writer) error {
			enc := newRecordWriter(w, f.format, userimport.ExportColumns())
			ex := &userExporter{st: d.Store(), org: org.ID, paths: userimport.NewTeamPaths(d.Store(), org.ID), enc: enc}
			if err := eachPage(ctx, d.Store(), org.ID, store.KindUser, store.Query{}, exportPage, ex.page(ctx)); err != nil {
				return err
			}
			if f.archive {
				if err := eachPage(ctx, d.Store(), org.ID, store.KindUser, store.Query{Archived: true}, exportPage, ex.page(ctx)); err != nil {
					return err
				}
			}
			return enc.close()
		})
	})
}

// userExporter writes pages of users.
type userExporter struct {
	st    store.Store
	org   string
	paths *userimport.TeamPaths
	enc   *recordWriter
}

// userJSON is one user of a JSON export.
type userJSON struct {
	ID             string         `json:"id"`
	Source         string         `json:"source"`
	Active         bool           `json:"active"`
	InactiveReason string         `json:"inactiveReason,omitempty"`
	Created        time.Time      `json:"created"`
	Modified       time.Time      `json:"modified"`
	Archived       *time.Time     `json:"archived,omitempty"`
	Teams          []string       `json:"teams,omitempty"`   // paths of the direct teams
	Manager        string         `json:"manager,omitempty"` // the manager's userName
	SCIM           map[string]any `json:"scim"`              // the SCIM document as stored
}

func (ex *userExporter) page(ctx context.Context) func([]store.Resource) error {
	return func(rs []store.Resource) error {
		ids := make([]string, len(rs))
		var bosses []string
		for i, r := range rs {
			ids[i] = r.ID
			if m := userimport.ManagerID(r.Attrs); m != "" {
				bosses = append(bosses, m)
			}
		}
		teams, err := ex.paths.UserTeams(ctx, ids)
		if err != nil {
			return err
		}
		names, err := userNames(ctx, ex.st, ex.org, bosses)
		if err != nil {
			return err
		}
		for _, r := range rs {
			manager := names[userimport.ManagerID(r.Attrs)]
			if ex.enc.json != nil {
				err = ex.enc.value(userJSON{ID: r.ID, Source: r.Source, Active: r.Active, InactiveReason: r.InactiveReason,
					Created: r.Created, Modified: r.Modified, Archived: r.Archived, Teams: teams[r.ID], Manager: manager, SCIM: r.Attrs})
			} else {
				archived := ""
				if r.Archived != nil {
					archived = r.Archived.Format(time.RFC3339)
				}
				err = ex.enc.record(append(userimport.EncodeUser(r, teams[r.ID], manager), r.ID, r.Source, archived))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// userNames returns the userNames of live users by id (absent: none).
func userNames(ctx context.Context, st store.Store, orgID string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += 100 {
		part := ids[start:min(start+100, len(ids))]
		var f store.Expr
		for i, id := range part {
			c := store.Compare{Attr: store.Attr{Column: store.ColID, Type: store.TypeString, CaseExact: true}, Op: store.OpEq, Value: id}
			if i == 0 {
				f = c
			} else {
				f = store.Or{L: f, R: c}
			}
		}
		page, err := st.List(ctx, orgID, store.KindUser, store.Query{Filter: f, Count: len(part)})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Resources {
			out[r.ID] = r.Name
		}
	}
	return out, nil
}

var teamsSubs = map[string]string{
	"export": "scimd teams export --org ORG [--format csv|json] [--output F] [flags]",
}

func cmdTeams(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || teamsSubs[args[0]] == "" {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintf(stdout, "Usage:\n  %s\n", teamsSubs["export"])
			return nil
		}
		return fmt.Errorf("%w: want \"teams export\"", errUsage)
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
		st := d.Store()
		paths := userimport.NewTeamPaths(st, org.ID)
		return writeOutput(f.output, stdout, func(w io.Writer) error {
			enc := newRecordWriter(w, f.format, []string{"id", "name", "path", "source", "members", "subTeams"})
			err := eachPage(ctx, st, org.ID, store.KindGroup, store.Query{}, 50, func(gs []store.Resource) error {
				return exportTeams(ctx, st, org.ID, paths, enc, gs)
			})
			if err != nil {
				return err
			}
			return enc.close()
		})
	})
}

// teamJSON is one team of a JSON export.
type teamJSON struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Path     string       `json:"path"`
	Source   string       `json:"source"`
	Members  []memberJSON `json:"members"`  // users, directly
	SubTeams []memberJSON `json:"subTeams"` // teams, directly
}

type memberJSON struct {
	ID       string `json:"id"`
	UserName string `json:"userName,omitempty"`
	Name     string `json:"name,omitempty"`
}

func exportTeams(ctx context.Context, st store.Store, orgID string, paths *userimport.TeamPaths, enc *recordWriter, gs []store.Resource) error {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	members, err := st.Members(ctx, orgID, ids)
	if err != nil {
		return err
	}
	for _, g := range gs {
		path, err := paths.Path(ctx, g.ID, g.Name)
		if err != nil {
			return err
		}
		var userIDs []string
		t := teamJSON{ID: g.ID, Name: g.Name, Path: path, Source: g.Source, Members: []memberJSON{}, SubTeams: []memberJSON{}}
		for _, m := range members[g.ID] {
			if m.Kind == store.KindUser {
				userIDs = append(userIDs, m.ID)
			} else {
				t.SubTeams = append(t.SubTeams, memberJSON{ID: m.ID, Name: m.Display})
			}
		}
		names, err := userNames(ctx, st, orgID, userIDs)
		if err != nil {
			return err
		}
		userList, subList := make([]string, 0, len(userIDs)), make([]string, 0, len(t.SubTeams))
		for _, id := range userIDs {
			t.Members = append(t.Members, memberJSON{ID: id, UserName: names[id]})
			userList = append(userList, names[id])
		}
		for _, s := range t.SubTeams {
			subList = append(subList, s.Name)
		}
		if enc.json != nil {
			err = enc.value(t)
		} else {
			err = enc.record([]string{g.ID, g.Name, path, g.Source, userimport.JoinList(userList), userimport.JoinList(subList)})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// recordWriter streams CSV records, or the elements of a JSON array (one
// per line).
type recordWriter struct {
	w    io.Writer
	csv  *csv.Writer   // nil for JSON
	json *json.Encoder // nil for CSV; encodes into buf
	buf  bytes.Buffer
	n    int
}

func newRecordWriter(w io.Writer, format string, header []string) *recordWriter {
	rw := &recordWriter{w: w}
	if format == "json" {
		rw.json = json.NewEncoder(&rw.buf)
		rw.json.SetEscapeHTML(false)
		return rw
	}
	rw.csv = csv.NewWriter(w)
	_ = rw.csv.Write(header) // errors surface at Flush
	return rw
}

func (rw *recordWriter) record(rec []string) error {
	return rw.csv.Write(rec)
}

func (rw *recordWriter) value(v any) error {
	sep := ",\n"
	if rw.n == 0 {
		sep = "[\n"
	}
	rw.n++
	rw.buf.Reset()
	rw.buf.WriteString(sep)
	if err := rw.json.Encode(v); err != nil {
		return err
	}
	_, err := rw.w.Write(bytes.TrimSuffix(rw.buf.Bytes(), []byte("\n")))
	return err
}

func (rw *recordWriter) close() error {
	if rw.csv != nil {
		rw.csv.Flush()
		return rw.csv.Error()
	}
	end := "\n]\n"
	if rw.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(rw.w, end)
	return err
}
