package userimport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/scimd/scimd/store"
)

// Export: an organization's users or teams as a file, CSV (the users'
// columns are import's, so an export imports back as it was) or a JSON
// array with one element per line. `scimd users export`, `scimd teams
// export` and the admin API's GET /export/users and /export/teams all
// write it here, each to its own destination.

// Format is the file format of an export.
type Format string

// The export formats.
const (
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
)

// ExportOptions configure one export.
type ExportOptions struct {
	Format Format // "" is FormatCSV
	// Archived adds the archived (not purged) users after the live ones,
	// with their archived cell set (ExportUsers only).
	Archived bool
	// PageSize is how many resources each keyset page reads; 0 is 500
	// users or 50 teams (a page of teams holds their member lists too).
	PageSize int
}

// The default page sizes of exports.
const (
	userPage = 500
	teamPage = 50
)

func (o ExportOptions) pageSize(def int) int {
	if o.PageSize > 0 {
		return o.PageSize
	}
	return def
}

// TeamExportColumns returns the columns of a teams export: the team's id,
// name, path (as import reads it), owning source, and its direct users
// (userNames) and direct sub-teams (names), each a list as JoinList
// writes it.
func TeamExportColumns() []string {
	return []string{"id", "name", "path", "source", "members", "subTeams"}
}

// UserJSON is one user of a JSON users export.
type UserJSON struct {
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

// TeamJSON is one team of a JSON teams export.
type TeamJSON struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Path     string       `json:"path"`
	Source   string       `json:"source"`
	Members  []MemberJSON `json:"members"`  // users, directly
	SubTeams []MemberJSON `json:"subTeams"` // teams, directly
}

// MemberJSON is a direct member of a team: a user (ID and UserName) or
// a sub-team (ID and Name).
type MemberJSON struct {
	ID       string `json:"id"`
	UserName string `json:"userName,omitempty"`
	Name     string `json:"name,omitempty"`
}

// ExportUsers writes the live users of an organization to w, in id order,
// then (with opt.Archived) the archived ones: as CSV, a row per user in
// ExportColumns (EncodeUser's cells, then id, source and the archived
// time in RFC 3339), or as a JSON array of UserJSON. It reads keyset
// pages (store.EachPage), so memory holds one page and the paths of the
// teams met, whatever the organization's size. On an error the output
// ends where it stopped: the caller must not take it for a whole file.
func ExportUsers(ctx context.Context, st store.Store, orgID string, w io.Writer, opt ExportOptions) error {
	enc, err := newRecordWriter(w, opt.Format, ExportColumns())
	if err != nil {
		return err
	}
	ex := &userExporter{st: st, org: orgID, paths: NewTeamPaths(st, orgID), enc: enc}
	n := opt.pageSize(userPage)
	if err := store.EachPage(ctx, st, orgID, store.KindUser, store.Query{}, n, ex.page(ctx)); err != nil {
		return err
	}
	if opt.Archived {
		if err := store.EachPage(ctx, st, orgID, store.KindUser, store.Query{Archived: true}, n, ex.page(ctx)); err != nil {
			return err
		}
	}
	return enc.close()
}

// userExporter writes pages of users.
type userExporter struct {
	st    store.Store
	org   string
	paths *TeamPaths
	enc   *recordWriter
}

func (ex *userExporter) page(ctx context.Context) func([]store.Resource) error {
	return func(rs []store.Resource) error {
		ids := make([]string, len(rs))
		var bosses []string
		for i, r := range rs {
			ids[i] = r.ID
			if m := ManagerID(r.Attrs); m != "" {
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
			manager := names[ManagerID(r.Attrs)]
			if ex.enc.json != nil {
				err = ex.enc.value(UserJSON{ID: r.ID, Source: r.Source, Active: r.Active, InactiveReason: r.InactiveReason,
					Created: r.Created, Modified: r.Modified, Archived: r.Archived, Teams: teams[r.ID], Manager: manager, SCIM: r.Attrs})
			} else {
				archived := ""
				if r.Archived != nil {
					archived = r.Archived.Format(time.RFC3339)
				}
				err = ex.enc.record(append(EncodeUser(r, teams[r.ID], manager), r.ID, r.Source, archived))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// ExportTeams writes the live teams of an organization to w, in id order,
// each with its path and its direct users and sub-teams: as CSV in
// TeamExportColumns, or as a JSON array of TeamJSON. It streams keyset
// pages as ExportUsers does; opt.Archived does not apply.
func ExportTeams(ctx context.Context, st store.Store, orgID string, w io.Writer, opt ExportOptions) error {
	enc, err := newRecordWriter(w, opt.Format, TeamExportColumns())
	if err != nil {
		return err
	}
	paths := NewTeamPaths(st, orgID)
	err = store.EachPage(ctx, st, orgID, store.KindGroup, store.Query{}, opt.pageSize(teamPage), func(gs []store.Resource) error {
		return exportTeamPage(ctx, st, orgID, paths, enc, gs)
	})
	if err != nil {
		return err
	}
	return enc.close()
}

func exportTeamPage(ctx context.Context, st store.Store, orgID string, paths *TeamPaths, enc *recordWriter, gs []store.Resource) error {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	members, err := st.Members(ctx, orgID, ids)
	if err != nil {
		return err
	}
	var userIDs []string // of the whole page, each once
	seen := map[string]bool{}
	for _, ms := range members {
		for _, m := range ms {
			if m.Kind == store.KindUser && !seen[m.ID] {
				seen[m.ID] = true
				userIDs = append(userIDs, m.ID)
			}
		}
	}
	names, err := userNames(ctx, st, orgID, userIDs)
	if err != nil {
		return err
	}
	for _, g := range gs {
		path, err := paths.Path(ctx, g.ID, g.Name)
		if err != nil {
			return err
		}
		t := TeamJSON{ID: g.ID, Name: g.Name, Path: path, Source: g.Source, Members: []MemberJSON{}, SubTeams: []MemberJSON{}}
		var userList, subList []string
		for _, m := range members[g.ID] {
			if m.Kind == store.KindUser {
				t.Members = append(t.Members, MemberJSON{ID: m.ID, UserName: names[m.ID]})
				userList = append(userList, names[m.ID])
			} else {
				t.SubTeams = append(t.SubTeams, MemberJSON{ID: m.ID, Name: m.Display})
				subList = append(subList, m.Display)
			}
		}
		if enc.json != nil {
			err = enc.value(t)
		} else {
			err = enc.record([]string{g.ID, g.Name, path, g.Source, JoinList(userList), JoinList(subList)})
		}
		if err != nil {
			return err
		}
	}
	return nil
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

// recordWriter writes CSV records, or the elements of a JSON array (one
// per line), through a buffer: the destination sees whole buffers, and
// the end of the file only from close.
type recordWriter struct {
	bw   *bufio.Writer
	csv  *csv.Writer   // nil for JSON; writes into bw
	json *json.Encoder // nil for CSV; encodes into buf
	buf  bytes.Buffer
	n    int
}

func newRecordWriter(w io.Writer, f Format, header []string) (*recordWriter, error) {
	rw := &recordWriter{bw: bufio.NewWriter(w)}
	switch f {
	case "", FormatCSV:
		rw.csv = csv.NewWriter(rw.bw) // shares bw (bufio does not wrap a large enough bufio.Writer)
		if err := rw.csv.Write(header); err != nil {
			return nil, err
		}
	case FormatJSON:
		rw.json = json.NewEncoder(&rw.buf)
		rw.json.SetEscapeHTML(false)
	default:
		return nil, fmt.Errorf("export format %q: want %s or %s", f, FormatCSV, FormatJSON)
	}
	return rw, nil
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
	_, err := rw.bw.Write(bytes.TrimSuffix(rw.buf.Bytes(), []byte("\n")))
	return err
}

// close ends the file and flushes it.
func (rw *recordWriter) close() error {
	if rw.csv != nil {
		rw.csv.Flush()
		return rw.csv.Error()
	}
	end := "\n]\n"
	if rw.n == 0 {
		end = "[]\n"
	}
	if _, err := rw.bw.WriteString(end); err != nil {
		return err
	}
	return rw.bw.Flush()
}
