package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/userimport"
)

// CSV import (package userimport): a dry run reports what each row would
// do and writes nothing; an apply writes each row as its own change.

func (s *Server) exchangeRoutes() []route {
	return []route{
		{method: "POST", path: "/import", act: need(directory.ActImport), maxBody: maxImportBody, h: s.importUsers},
		{method: "GET", path: "/import/template", act: need(directory.ActImport), h: s.importTemplate},
		{method: "GET", path: "/export/users", act: need(directory.ActExport), h: s.exportUsers},
		{method: "GET", path: "/export/teams", act: need(directory.ActExport), h: s.exportTeams},
	}
}

// importRow is one row of the report.
type importRow struct {
	Line     int      `json:"line"`
	UserName string   `json:"userName"`
	ID       string   `json:"id,omitempty"`
	Result   string   `json:"result"` // created, updated, unchanged, rejected
	Reason   string   `json:"reason,omitempty"`
	Failed   []string `json:"failed,omitempty"` // what did not apply although the user was written
	Notes    []string `json:"notes,omitempty"`
}

// importSummary counts the rows by outcome.
type importSummary struct {
	Rows       int  `json:"rows"`
	Created    int  `json:"created"`
	Updated    int  `json:"updated"`
	Unchanged  int  `json:"unchanged"`
	Rejected   int  `json:"rejected"`
	Incomplete int  `json:"incomplete"`
	OK         bool `json:"ok"` // the whole file was read and every row applied (or, in a dry run, would apply) completely
}

// importReport is the response of POST /import.
type importReport struct {
	DryRun  bool          `json:"dryRun"`
	Summary importSummary `json:"summary"`
	Rows    []importRow   `json:"rows"`
	// Error is set when the import stopped partway (the response's
	// status is then the error's): the rows listed were applied (or, in
	// a dry run, checked), the rest of the file was not.
	Error string `json:"error,omitempty"`
}

// importUsers serves POST /import?dry_run=true|false&match=userName|externalId:
// the CSV file as the body (text/csv) or as the "file" field of a
// multipart form. dry_run is required, so that nobody applies a file by
// forgetting it. A problem with the file itself (empty, a bad header) is
// 400 and nothing is written; a bad row is reported and never stops the
// others.
//
// An import that stops partway (the database failing, the body cut short
// or over the limit) has already written the rows before: it answers the
// error's status (500, 413, ...) with the report of those rows and the
// error in its "error" field, so that the client knows what was applied
// and can fix and resend the rest (rows already applied come back
// unchanged).
func (s *Server) importUsers(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	v := r.URL.Query()
	if err := onlyParams(v, "dry_run", "match"); err != nil {
		return err
	}
	dry, err := strconv.ParseBool(v.Get("dry_run"))
	if err != nil {
		return errorf(http.StatusBadRequest, "dry_run=%q: say dry_run=true to check the file, dry_run=false to apply it", v.Get("dry_run"))
	}
	match := userimport.Match(v.Get("match"))
	switch strings.ToLower(string(match)) {
	case "", "username":
		match = userimport.MatchUserName
	case "externalid":
		match = userimport.MatchExternalID
	default:
		return errorf(http.StatusBadRequest, "match=%q: want userName or externalId", match)
	}
	in, err := csvBody(r)
	if err != nil {
		return err
	}
	defer in.Close()
	a := p.Actor()
	a.Source, a.Who = directory.SourceImport, "import:"+a.Name
	rep := importReport{DryRun: dry, Rows: []importRow{}}
	sum, err := userimport.Run(r.Context(), s.dir, in, userimport.Options{Actor: a, Match: match, DryRun: dry},
		func(res userimport.Result) error {
			rep.Rows = append(rep.Rows, importRow{Line: res.Line, UserName: res.UserName, ID: res.ID,
				Result: string(res.Status), Reason: res.Reason, Failed: res.Failed, Notes: res.Notes})
			return nil
		})
	rep.Summary = importSummary{Rows: sum.Rows, Created: sum.Created, Updated: sum.Updated, Unchanged: sum.Unchanged,
		Rejected: sum.Rejected, Incomplete: sum.Incomplete, OK: err == nil && sum.OK()}
	var bad *userimport.InputError
	switch {
	case err == nil:
		return writeJSON(w, http.StatusOK, rep)
	case errors.As(err, &bad):
		return errorf(http.StatusBadRequest, "%s", bad.Msg)
	case sum.Rows == 0: // stopped before any row: an ordinary error
		return err
	}
	e := s.response(r, err)
	rep.Error = e.Message
	return writeJSON(w, e.Status, rep)
}

// csvBody returns the uploaded file: the "file" part of a multipart form,
// or the body itself.
func csvBody(r *http.Request) (io.ReadCloser, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		if r.MultipartForm == nil {
			if err := r.ParseMultipartForm(8 << 20); err != nil {
				if e := classify(err); e != nil {
					return nil, e
				}
				return nil, errorf(http.StatusBadRequest, "reading the form: %v", err)
			}
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "the form has no file field named \"file\"")
		}
		return f, nil
	case "text/csv", "application/csv", "text/plain", "application/octet-stream":
		return r.Body, nil
	}
	return nil, errorf(http.StatusUnsupportedMediaType,
		"send the CSV file as Content-Type: text/csv, or as the \"file\" field of a multipart/form-data form")
}

// importTemplate serves GET /import/template: the header line of an
// import file.
func (s *Server) importTemplate(w http.ResponseWriter, _ *http.Request, _ directory.AdminPrincipal) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="users-template.csv"`)
	_, err := io.WriteString(w, userimport.Template())
	return err
}
