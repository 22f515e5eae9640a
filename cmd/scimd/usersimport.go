package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/userimport"
)

// scimd users import: a CSV file of users upserted through package
// userimport (see its documentation and the README).

func cmdUsersImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("users import", usersSubs["import"], stderr)
	cf := addConfigFlags(fs, false)
	orgName := fs.String("org", "", "organization name (default: the configured defaultOrg)")
	dry := fs.Bool("dry-run", false, "check every row against the organization's policy; write nothing")
	reportPath := fs.String("report", "", "write every row's result to this CSV file (default: print the rows that failed)")
	match := fs.String("match", "userName", "find existing users by userName or externalId")
	template := fs.Bool("template", false, "print the CSV header of an import file and exit")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *template {
		if len(pos) != 0 {
			return fmt.Errorf("%w: users import --template takes no FILE", errUsage)
		}
		fmt.Fprint(stdout, userimport.Template())
		return nil
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: users import takes exactly one FILE.csv (- for standard input)", errUsage)
	}
	m := userimport.Match(*match)
	if m != userimport.MatchUserName && m != userimport.MatchExternalID {
		return fmt.Errorf("%w: --match %q: want userName or externalId", errUsage, *match)
	}
	in, size, err := openInput(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	return withConfig(ctx, cf, func(cfg Config, d *directory.Service) error {
		name := *orgName
		if name == "" {
			name = cfg.DefaultOrg
		}
		org, err := orgByName(ctx, d, name)
		if err != nil {
			return err
		}
		emit, finish, err := importOutput(*reportPath, stdout)
		if err != nil {
			return err
		}
		cr := &countingReader{r: in}
		bar := newProgressBar(stderr, size, cr)
		u := osUser()
		opt := userimport.Options{
			Actor:    directory.Actor{OrgID: org.ID, Source: directory.SourceImport, Name: u, Who: "import:" + u},
			Match:    m,
			DryRun:   *dry,
			Progress: bar.update,
		}
		sum, runErr := userimport.Run(ctx, d, cr, opt, emit)
		bar.clear()
		if err := finish(); err != nil && runErr == nil {
			runErr = fmt.Errorf("writing the report: %w", err)
		}
		prefix := ""
		if *dry {
			prefix = "dry run, nothing written: "
		}
		fmt.Fprintf(stdout, "%s%s\n", prefix, sum)
		switch {
		case runErr != nil:
			return runErr
		case !sum.OK() && *reportPath != "":
			return fmt.Errorf("%d rows rejected, %d incomplete: see %s", sum.Rejected, sum.Incomplete, *reportPath)
		case !sum.OK():
			return fmt.Errorf("%d rows rejected, %d incomplete", sum.Rejected, sum.Incomplete)
		}
		return nil
	})
}

// openInput opens the import file ("-": standard input) and returns its
// size (0 when unknown).
func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return f, size, nil
}

// importOutput returns what receives each row's result: the report file,
// or, without one, a line on stdout for each row that was not fully
// applied.
func importOutput(path string, stdout io.Writer) (emit func(userimport.Result) error, finish func() error, err error) {
	if path == "" {
		emit = func(r userimport.Result) error {
			switch {
			case r.Status == userimport.Rejected:
				fmt.Fprintf(stdout, "line %d: %s: rejected: %s\n", r.Line, r.UserName, r.Reason)
			case len(r.Failed) > 0:
				for _, f := range r.Failed {
					fmt.Fprintf(stdout, "line %d: %s: %s, but %s\n", r.Line, r.UserName, r.Status, f)
				}
			}
			return nil
		}
		return emit, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	rep, err := userimport.NewReport(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return rep.Write, func() error {
		err := rep.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressBar draws the import's progress on a terminal, at most ten
// times a second; on anything else it draws nothing.
type progressBar struct {
	w    io.Writer // nil: not a terminal
	size int64
	read *countingReader
	last time.Time
}

func newProgressBar(stderr io.Writer, size int64, read *countingReader) *progressBar {
	p := &progressBar{size: size, read: read}
	if f, ok := stderr.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		p.w = stderr
	}
	return p
}

func (p *progressBar) update(rows int) {
	if p.w == nil || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	if p.size <= 0 {
		fmt.Fprintf(p.w, "\rimporting: %d rows", rows)
		return
	}
	const width = 30
	frac := min(float64(p.read.n.Load())/float64(p.size), 1)
	done := int(frac * width)
	bar := strings.Repeat("=", done) + strings.Repeat(" ", width-done)
	fmt.Fprintf(p.w, "\rimporting [%s] %3.0f%%  %d rows", bar, frac*100, rows)
}

// clear erases the bar's line.
func (p *progressBar) clear() {
	if p.w != nil && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
