package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/userimport"
)

// Export of users and teams: the files of `scimd users export` and
// `scimd teams export` (package userimport writes both), streamed as the
// response.

// exportOptions reads format=csv|json (default csv) and, for users,
// include_archived.
func exportOptions(r *http.Request, users bool) (userimport.ExportOptions, error) {
	var opt userimport.ExportOptions
	v := r.URL.Query()
	known := []string{"format"}
	if users {
		known = append(known, "include_archived")
	}
	if err := onlyParams(v, known...); err != nil {
		return opt, err
	}
	switch f := userimport.Format(v.Get("format")); f {
	case "":
		opt.Format = userimport.FormatCSV
	case userimport.FormatCSV, userimport.FormatJSON:
		opt.Format = f
	default:
		return opt, errorf(http.StatusBadRequest, "format=%q: want csv or json", f)
	}
	if a := v.Get("include_archived"); a != "" {
		var err error
		if opt.Archived, err = strconv.ParseBool(a); err != nil {
			return opt, errorf(http.StatusBadRequest, "include_archived=%q: want true or false", a)
		}
	}
	return opt, nil
}

// exportUsers serves GET /export/users?format=csv|json&include_archived=true:
// the live users, then (when asked) the archived ones.
func (s *Server) exportUsers(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	opt, err := exportOptions(r, true)
	if err != nil {
		return err
	}
	dl := &download{w: w, name: "users", format: opt.Format}
	return dl.end(userimport.ExportUsers(r.Context(), s.dir.Store(), p.OrgID, dl, opt))
}

// exportTeams serves GET /export/teams?format=csv|json: every live team
// with its path, direct users and direct sub-teams.
func (s *Server) exportTeams(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	opt, err := exportOptions(r, false)
	if err != nil {
		return err
	}
	dl := &download{w: w, name: "teams", format: opt.Format}
	return dl.end(userimport.ExportTeams(r.Context(), s.dir.Store(), p.OrgID, dl, opt))
}

// download is the response of an export, as the io.Writer the export
// writes to. The status and headers go with the first bytes, so an export
// that fails before writing any (userimport buffers its output) is an
// ordinary error response; one that fails later can only be cut short.
type download struct {
	w       http.ResponseWriter
	name    string            // the file's base name
	format  userimport.Format // its extension, and its Content-Type
	started bool
	werr    error // the first error writing to the client
}

func (d *download) start() {
	if d.started {
		return
	}
	d.started = true
	ct := "text/csv; charset=utf-8"
	if d.format == userimport.FormatJSON {
		ct = "application/json; charset=utf-8"
	}
	h := d.w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, d.name, d.format))
	h.Set("Cache-Control", "no-store")
	d.w.WriteHeader(http.StatusOK)
}

func (d *download) Write(p []byte) (int, error) {
	d.start()
	n, err := d.w.Write(p)
	if err != nil && d.werr == nil {
		d.werr = err
	}
	return n, err
}

// end is the handler's result once the export returned err. Before the
// response started, err is an ordinary error response. After it, when
// writing to the client failed (it went away) the response just ends
// (errWritten); any other failure cuts the connection (errAborted), so
// that the client sees a failed download, not a short file.
func (d *download) end(err error) error {
	switch {
	case !d.started && err == nil:
		d.start()
		return nil
	case !d.started || err == nil:
		return err
	case d.werr != nil:
		return fmt.Errorf("%w: %w", errWritten, err)
	}
	return fmt.Errorf("%w: export stopped: %w", errAborted, err)
}
