package userimport

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// ReportColumns are the columns of an import report: the row's line and
// userName, the user's id, the result (created, updated, unchanged,
// rejected), why it was rejected, what did not apply although the user
// was written (a team, the manager: the row is incomplete), and what
// else the row did (teams created).
var ReportColumns = []string{"line", "userName", "id", "result", "reason", "failed", "notes"}

// Report writes import results as CSV.
type Report struct{ w *csv.Writer }

// NewReport writes the header of a report to w.
func NewReport(w io.Writer) (*Report, error) {
	r := &Report{w: csv.NewWriter(w)}
	if err := r.w.Write(ReportColumns); err != nil {
		return nil, err
	}
	return r, nil
}

// Write writes one row's result.
func (r *Report) Write(res Result) error {
	return r.w.Write([]string{strconv.Itoa(res.Line), res.UserName, res.ID, string(res.Status), res.Reason,
		strings.Join(res.Failed, "; "), strings.Join(res.Notes, "; ")})
}

// Flush writes what is buffered and returns the first write error.
func (r *Report) Flush() error {
	r.w.Flush()
	return r.w.Error()
}
