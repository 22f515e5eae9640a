package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/userimport"
)

// Export of users and teams, streamed page by page (memory does not grow
// with the organization), as CSV (the users' columns are import's, so an
// export imports back) or as a JSON array: the same files as
// `scimd users export` and `scimd teams export`.

// exportPage is the page size of exports.
const exportPage = 500

// exportFormat reads format=csv|json (default csv) and include_archived.
func exportFormat(r *http.Request, users bool) (format string, archived bool, err error) {
	v := r.URL.Query()
	known := []string{"format"}
	if users {
		known = append(known, "include_archived")
	}
	if err := onlyParams(v, known...); err != nil {
		return "", false, err
	}
	format = v.Get("format")
	switch format {
	case "":
		format = "csv"
	case "csv", "json":
	default:
		return "", false, errorf(http.StatusBadRequest, "format=%q: want csv or json", format)
	}
	if a := v.Get("include_archived"); a != "" {
		if archived, err = strconv.ParseBool(a); err != nil {
			return "", false, errorf(http.StatusBadRequest, "include_archived=%q: want true or false", a)
		}
	}
	return format, archived, nil
}

// exportUsers serves GET /export/users?format=csv|json&include_archived=true:
// the live users, then (when asked) the archived ones.
func (s *Server) exportUsers(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	format, archived, err := exportFormat(r, true)
	if err != nil {
		return err
	}
	ctx, st := r.Context(), s.dir.Store()
	enc := newRecordWriter(w, format, "users", userimport.ExportColumns())
	ex := &userExporter{st: st, org: p.OrgID, paths: userimport.NewTeamPaths(st, p.OrgID), enc: enc}
	if err := eachPage(ctx, st, p.OrgID, store.KindUser, store.Query{}, ex.page(ctx)); err != nil {
		return enc.fail(err)
	}
	if archived {
		if err := eachPage(ctx, st, p.OrgID, store.KindUser, store.Query{Archived: true}, ex.page(ctx)); err != nil {
			return enc.fail(err)
		}
	}
	return enc.close()
}

// eachPage calls fn with every page of a List, following keysets.
func eachPage(ctx context.Context, st store.Store, orgID string, kind store.Kind, q store.Query, fn func([]store.Resource) error) error {
	q.Count, q.NoTotal = exportPage, true
	for {
		page, err := st.List(ctx, orgID, kind, q)
		if err != nil {
			return err
		}
		if len(page.Resources) > 0 {
			if err := fn(page.Resources); err != nil {
				return err
			}
		}
		if !page.HasNext || len(page.Keys) == 0 {
			return nil
		}
		k := page.Keys[len(page.Keys)-1]
		q.After = &k
	}
}

// userExporter writes pages of users.
type userExporter struct {
	st    store.Store
	org   string
	paths *userimport.TeamPaths
	enc   *recordWriter
}

// userExport is one user of a JSON export.
type userExport struct {
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
				err = ex.enc.value(userExport{ID: r.ID, Source: r.Source, Active: r.Active, InactiveReason: r.InactiveReason,
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

// exportTeams serves GET /export/teams?format=csv|json: every live team
// with its path, direct users and direct sub-teams.
func (s *Server) exportTeams(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	format, _, err := exportFormat(r, false)
	if err != nil {
		return err
	}
	ctx, st := r.Context(), s.dir.Store()
	paths := userimport.NewTeamPaths(st, p.OrgID)
	enc := newRecordWriter(w, format, "teams", []string{"id", "name", "path", "source", "members", "subTeams"})
	err = eachPage(ctx, st, p.OrgID, store.KindGroup, store.Query{}, func(gs []store.Resource) error {
		return exportTeamPage(ctx, st, p.OrgID, paths, enc, gs)
	})
	if err != nil {
		return enc.fail(err)
	}
	return enc.close()
}

// teamExport is one team of a JSON export.
type teamExport struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Path     string        `json:"path"`
	Source   string        `json:"source"`
	Members  []exportedRef `json:"members"`  // users, directly
	SubTeams []exportedRef `json:"subTeams"` // teams, directly
}

type exportedRef struct {
	ID       string `json:"id"`
	UserName string `json:"userName,omitempty"`
	Name     string `json:"name,omitempty"`
}

func exportTeamPage(ctx context.Context, st store.Store, orgID string, paths *userimport.TeamPaths, enc *recordWriter, gs []store.Resource) error {
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
		t := teamExport{ID: g.ID, Name: g.Name, Path: path, Source: g.Source, Members: []exportedRef{}, SubTeams: []exportedRef{}}
		for _, m := range members[g.ID] {
			if m.Kind == store.KindUser {
				userIDs = append(userIDs, m.ID)
			} else {
				t.SubTeams = append(t.SubTeams, exportedRef{ID: m.ID, Name: m.Display})
			}
		}
		names, err := userNames(ctx, st, orgID, userIDs)
		if err != nil {
			return err
		}
		userList, subList := make([]string, 0, len(userIDs)), make([]string, 0, len(t.SubTeams))
		for _, id := range userIDs {
			t.Members = append(t.Members, exportedRef{ID: id, UserName: names[id]})
			userList = append(userList, names[id])
		}
		for _, sub := range t.SubTeams {
			subList = append(subList, sub.Name)
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
// per line), as the response. The response starts with the first record:
// an error before it is an ordinary error response; after it, the
// response can only be cut short (fail).
type recordWriter struct {
	w       http.ResponseWriter
	name    string   // the file's base name
	format  string   // csv or json
	header  []string // the CSV header
	csv     *csv.Writer
	json    *json.Encoder // nil for CSV; encodes into buf
	buf     bytes.Buffer
	n       int
	started bool
}

func newRecordWriter(w http.ResponseWriter, format, name string, header []string) *recordWriter {
	rw := &recordWriter{w: w, name: name, format: format, header: header}
	if format == "json" {
		rw.json = json.NewEncoder(&rw.buf)
		rw.json.SetEscapeHTML(false)
	}
	return rw
}

// start sends the headers and, for CSV, the header record.
func (rw *recordWriter) start() error {
	if rw.started {
		return nil
	}
	rw.started = true
	ct := "text/csv; charset=utf-8"
	if rw.format == "json" {
		ct = "application/json; charset=utf-8"
	}
	h := rw.w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, rw.name, rw.format))
	h.Set("Cache-Control", "no-store")
	rw.w.WriteHeader(http.StatusOK)
	if rw.json == nil {
		rw.csv = csv.NewWriter(rw.w)
		return rw.csv.Write(rw.header)
	}
	return nil
}

func (rw *recordWriter) record(rec []string) error {
	if err := rw.start(); err != nil {
		return err
	}
	return rw.csv.Write(rec)
}

func (rw *recordWriter) value(v any) error {
	if err := rw.start(); err != nil {
		return err
	}
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

// close ends the file.
func (rw *recordWriter) close() error {
	if err := rw.start(); err != nil {
		return fmt.Errorf("%w: %w", errWritten, err)
	}
	if rw.csv != nil {
		rw.csv.Flush()
		if err := rw.csv.Error(); err != nil {
			return fmt.Errorf("%w: %w", errWritten, err)
		}
		return nil
	}
	end := "\n]\n"
	if rw.n == 0 {
		end = "[]\n"
	}
	if _, err := io.WriteString(rw.w, end); err != nil {
		return fmt.Errorf("%w: %w", errWritten, err)
	}
	return nil
}

// fail is the error of an export that stopped: an ordinary error before
// the response started; after, the connection is cut (errAborted) so
// that the client sees a failed download, not a short file.
func (rw *recordWriter) fail(err error) error {
	if !rw.started {
		return err
	}
	return fmt.Errorf("%w: export stopped: %w", errAborted, err)
}
