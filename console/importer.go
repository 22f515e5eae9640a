package console

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/userimport"
)

// The import page: upload a CSV file, check it with a dry run, import it,
// and read the per-row report. The report is the answer to the upload
// itself (it is kept nowhere to redirect to); importing the same file
// again changes nothing more, as rows match existing users.

type importData struct {
	Columns []string
	Match   string
	Report  *importReport
}

type importReport struct {
	DryRun   bool
	FileName string
	Summary  userimport.Summary
	Rows     []userimport.Result
	Hidden   int    // complete rows left out of the table
	CSV      string // the file, to import after a dry run ("" when too large to carry)
	Err      string // what stopped the import
}

const (
	reportRows = 500     // complete rows shown; rows with a problem always are
	carryBytes = 2 << 20 // the largest file a dry run's page carries for its import
)

func (s *Server) importPage(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	return s.render(w, r, &p, http.StatusOK, "import", view{Title: "Import users", Section: "import",
		Data: importData{Columns: userimport.Columns(), Match: string(userimport.MatchUserName)}})
}

func (s *Server) importRun(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error {
	d := importData{Columns: userimport.Columns(), Match: r.PostFormValue("match")}
	match := userimport.Match(d.Match)
	if match != userimport.MatchUserName && match != userimport.MatchExternalID {
		return &pageError{Status: http.StatusBadRequest, Msg: "Match existing users by userName or externalId."}
	}
	rep := &importReport{DryRun: r.PostFormValue("mode") != "apply", FileName: r.PostFormValue("filename")}
	var data []byte
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return err
		}
		rep.FileName = h.Filename
	} else {
		data = []byte(r.PostFormValue("csv"))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return redirect(w, r, BasePath+"/import", "error", "Choose a CSV file to import.")
	}
	opt := userimport.Options{Match: match, DryRun: rep.DryRun,
		Actor: directory.Actor{OrgID: p.OrgID, Source: directory.SourceImport, Name: who(p), InactiveReason: directory.ReasonAdmin,
			Who: "import:" + who(p)}}
	complete := 0
	sum, err := s.imp.Import(r.Context(), bytes.NewReader(data), opt, func(res userimport.Result) error {
		if res.Complete() {
			if complete >= reportRows {
				rep.Hidden++
				return nil
			}
			complete++
		}
		rep.Rows = append(rep.Rows, res)
		return nil
	})
	rep.Summary = sum
	status := http.StatusOK
	if err != nil {
		rep.Err = s.clientText(r, err)
		status = http.StatusUnprocessableEntity
		var in *userimport.InputError
		if !errors.As(err, &in) {
			status = http.StatusInternalServerError
		}
	}
	if rep.DryRun && err == nil && len(data) <= carryBytes {
		rep.CSV = string(data)
	}
	d.Report = rep
	title := "Import report"
	if rep.DryRun {
		title = "Dry run report"
	}
	return s.render(w, r, &p, status, "import", view{Title: title, Section: "import", Data: d})
}
