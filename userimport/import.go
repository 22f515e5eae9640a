package userimport

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/scimd/scimd/directory"
)

// Match is the attribute an import finds existing users by.
type Match string

// The attributes an import can match by.
const (
	MatchUserName   Match = "userName"   // case-insensitively, as userName is unique
	MatchExternalID Match = "externalId" // exactly; a row whose externalId is empty is refused
)

// Options configure one import.
type Options struct {
	// Actor is who the writes are recorded as; its OrgID is the
	// organization imported into. Source should be directory.SourceImport:
	// created users and teams are owned by it.
	Actor  directory.Actor
	Match  Match // "" is MatchUserName
	DryRun bool  // check every row, write nothing
	// Progress, if set, is called after each row with the number of rows
	// read so far.
	Progress func(rows int)
}

// Status is what a row did to its user.
type Status string

// Row statuses. In a dry run they say what the row would do.
const (
	Created   Status = "created"
	Updated   Status = "updated" // the user's attributes or team memberships changed
	Unchanged Status = "unchanged"
	Rejected  Status = "rejected" // nothing of the row was written
)

// Result is the outcome of one row.
type Result struct {
	Line     int // the row's line in the file (of its first line when quoted values span several)
	UserName string
	ID       string // the user's id ("" when rejected, or created by a dry run)
	Status   Status
	Reason   string // why the row was rejected
	// Failed lists what did not apply after the user's own write
	// succeeded (a team placement, the manager): the row is incomplete.
	Failed []string
	// Notes lists what else the row did or, in a dry run, would do
	// (teams created).
	Notes []string
}

// Complete reports whether everything the row asked for was applied.
func (r Result) Complete() bool { return r.Status != Rejected && len(r.Failed) == 0 }

// Summary counts the rows of an import by outcome.
type Summary struct {
	Rows, Created, Updated, Unchanged, Rejected int
	Incomplete                                  int // rows written but with Failed parts
}

func (s *Summary) add(r Result) {
	s.Rows++
	switch r.Status {
	case Created:
		s.Created++
	case Updated:
		s.Updated++
	case Unchanged:
		s.Unchanged++
	case Rejected:
		s.Rejected++
	}
	if r.Status != Rejected && len(r.Failed) > 0 {
		s.Incomplete++
	}
}

// OK reports whether every row was applied completely.
func (s Summary) OK() bool { return s.Rejected == 0 && s.Incomplete == 0 }

func (s Summary) String() string {
	out := fmt.Sprintf("%d rows: %d created, %d updated, %d unchanged, %d rejected", s.Rows, s.Created, s.Updated, s.Unchanged, s.Rejected)
	if s.Incomplete > 0 {
		out += fmt.Sprintf("; %d incomplete (the user was written, a team or the manager was not)", s.Incomplete)
	}
	return out
}

// InputError is a problem with the import file itself rather than with
// one of its rows: the file is empty, its header row is malformed CSV,
// names an unknown column or one twice, or lacks a required column. Run
// returns it before reading any data row, so nothing was written. Its
// text names the problem and is safe to show whoever sent the file.
type InputError struct {
	Msg string
	Err error // the cause, such as a *csv.ParseError; may be nil
}

func (e *InputError) Error() string { return e.Msg }

func (e *InputError) Unwrap() error { return e.Err }

// Run imports the CSV read from in (a header row, then one user per row)
// into the organization of opt.Actor, calling emit with each row's result
// (in file order, except that a row whose manager comes later in the file
// is emitted at the end, once the manager is known). It returns the
// counts, or an error that stops the import: a problem with the file
// itself (an *InputError: nothing was written), or a read error, emit's
// error, the context's, or the database failing (rows before it are
// written and were emitted). A row's own problems, malformed CSV
// included, never stop it: the row is rejected.
func Run(ctx context.Context, d *directory.Service, in io.Reader, opt Options, emit func(Result) error) (Summary, error) {
	var sum Summary
	im, err := newImporter(ctx, d, opt)
	if err != nil {
		return sum, err
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	rec, err := r.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return sum, &InputError{Msg: "the file is empty: it needs a header row (see scimd users import --template)"}
	case errors.As(err, &pe):
		return sum, &InputError{Msg: "reading the header: " + err.Error(), Err: err}
	case err != nil:
		return sum, fmt.Errorf("reading the header: %w", err)
	}
	h, err := parseHeader(rec, im.opt.Match)
	if err != nil {
		return sum, err
	}
	out := func(res Result) error {
		sum.add(res)
		return emit(res)
	}
	if err := im.rows(ctx, r, h, out); err != nil {
		im.abandon(out)
		return sum, err
	}
	return sum, im.finish(ctx, out)
}

// rows reads and imports the data rows.
func (im *importer) rows(ctx context.Context, r *csv.Reader, h header, out func(Result) error) error {
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		res, o := Result{}, emitRow
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			res = Result{Line: pe.StartLine, Status: Rejected, Reason: pe.Err.Error()}
		case err != nil:
			return fmt.Errorf("reading the file: %w", err)
		default:
			line, _ := r.FieldPos(0)
			if res, o, err = im.row(ctx, h, line, rec); err != nil {
				if res.Status != "" { // the user was written before the failure
					_ = out(res)
				}
				return fmt.Errorf("line %d: %w", line, err)
			}
		}
		if o == emitRow {
			if err := out(res); err != nil {
				return err
			}
		}
		if im.opt.Progress != nil {
			im.opt.Progress(n)
		}
	}
}
