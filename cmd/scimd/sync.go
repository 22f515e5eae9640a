package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// "scimd sync …": run directory sources by hand, see their runs, and
// approve or reject held runs.

var syncUsage = map[string]string{
	"run":     "scimd sync run [--org ORG] [--source NAME] [--dry-run] [flags]",
	"status":  "scimd sync status [--org ORG] [flags]",
	"history": "scimd sync history [--org ORG] [--source NAME] [--limit N] [flags]",
	"show":    "scimd sync show RUN_ID [--org ORG] [--state STATE] [flags]",
	"approve": "scimd sync approve RUN_ID [--org ORG] [flags]",
	"reject":  "scimd sync reject RUN_ID [--org ORG] [flags]",
}

var syncOrder = []string{"run", "status", "history", "show", "approve", "reject"}

func cmdSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, err := subcommand("sync", args, syncUsage, syncOrder, stdout)
	if err != nil {
		return err
	}
	fs := newFlags("sync "+sub, syncUsage[sub], stderr)
	cf := addConfigFlags(fs, false)
	var orgName, source, state string
	var dryRun bool
	var limit int
	fs.StringVar(&orgName, "org", "", "organization name (default: every organization)")
	switch sub {
	case "run", "history":
		fs.StringVar(&source, "source", "", "source name (default: every source)")
	case "show":
		fs.StringVar(&state, "state", "", "only changes in this state (applied, held, planned, skipped, failed, rejected, superseded)")
	}
	if sub == "run" {
		fs.BoolVar(&dryRun, "dry-run", false, "compute and print the plan, write nothing")
	}
	if sub == "history" {
		fs.IntVar(&limit, "limit", 20, "runs per source")
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	needsID := sub == "show" || sub == "approve" || sub == "reject"
	if needsID && len(pos) != 1 {
		return fmt.Errorf("%w: sync %s takes exactly one RUN_ID", errUsage, sub)
	}
	if !needsID && len(pos) != 0 {
		return fmt.Errorf("%w: sync %s takes no arguments", errUsage, sub)
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	d := directory.New(st)
	eng, err := ldapsync.NewEngine(ldapsync.EngineConfig{Directory: d, Logger: log, Lock: syncLocker(cfg.DatabaseURL, st)})
	if err != nil {
		return err
	}
	c := &syncCLI{ctx: ctx, cfg: cfg, d: d, eng: eng, log: log, stdout: stdout, stderr: stderr}
	switch sub {
	case "run":
		return c.run(orgName, source, dryRun)
	case "status":
		return c.status(orgName)
	case "history":
		return c.history(orgName, source, limit)
	case "show":
		return c.show(orgName, pos[0], state)
	default:
		return c.decide(orgName, pos[0], sub == "approve")
	}
}

type syncCLI struct {
	ctx    context.Context
	cfg    Config
	d      *directory.Service
	eng    *ldapsync.Engine
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

// sources returns the configured sources matching the filters.
func (c *syncCLI) sources(orgName, source string) ([]SourceConfig, error) {
	var out []SourceConfig
	for _, s := range c.cfg.Sources {
		if (orgName == "" || s.Org == orgName) && (source == "" || s.Name == source) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		if len(c.cfg.Sources) == 0 {
			return nil, errors.New("no directory source is configured (the configuration file's sources: section)")
		}
		return nil, fmt.Errorf("no configured source matches --org %q --source %q", orgName, source)
	}
	return out, nil
}

func (c *syncCLI) run(orgName, source string, dryRun bool) error {
	sources, err := c.sources(orgName, source)
	if err != nil {
		return err
	}
	warnInsecure(c.log, sources)
	var progress io.Writer
	if isTerminal(c.stderr) {
		progress = c.stderr
	}
	failed := 0
	for _, s := range sources {
		org, err := orgByName(c.ctx, c.d, s.Org)
		if err != nil {
			return err
		}
		run, err := c.eng.Run(c.ctx, org, s.Source, ldapsync.Options{DryRun: dryRun, Trigger: "manual", Progress: progress})
		if errors.Is(err, ldapsync.ErrLocked) {
			fmt.Fprintf(c.stdout, "%s/%s: not run: %v\n", s.Org, s.Name, err)
			failed++
			continue
		}
		if run.ID == "" {
			return err
		}
		fmt.Fprintf(c.stdout, "%s/%s: run %s %s (%s)\n", s.Org, s.Name, run.ID, run.Status, formatCounts(run.Counts))
		if run.Error != "" {
			fmt.Fprintf(c.stdout, "  %s\n", run.Error)
		}
		if run.Status == store.SyncFailed {
			failed++
		}
		if dryRun || run.Status == store.SyncHeld {
			state := ""
			if run.Status == store.SyncHeld && !strings.Contains(run.Error, "scope") {
				state = store.ChangeHeld
			}
			if err := c.printChanges(org, run.ID, state); err != nil {
				return err
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d runs failed", failed, len(sources))
	}
	return nil
}

func (c *syncCLI) status(orgName string) error {
	sources, err := c.sources(orgName, "")
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORG\tSOURCE\tSCHEDULE\tLAST RUN\tSTATUS\tSTARTED\tLAST SUCCESS\tNOTE")
	for _, s := range sources {
		org, err := orgByName(c.ctx, c.d, s.Org)
		if err != nil {
			return err
		}
		runs, err := c.d.Store().SyncRuns(c.ctx, org.ID, s.Name, 0)
		if err != nil {
			return err
		}
		last, lastOK := "-", "-"
		var status, started, note string = "never run", "-", ""
		if len(runs) > 0 {
			last, status, started = runs[0].ID, string(runs[0].Status), runs[0].Started.Format(time.RFC3339)
			note = truncate(runNote(runs[0]), 100)
		}
		for _, r := range runs[min(1, len(runs)):] {
			if r.Status == store.SyncHeld { // the newest held run, the only one approvable
				note = truncate(fmt.Sprintf("run %s awaits approval (scimd sync show %s); %s", r.ID, r.ID, note), 100)
				break
			}
		}
		for _, r := range runs {
			if (r.Status == store.SyncSucceeded || r.Status == store.SyncApproved) && r.Ended != nil {
				lastOK = r.Ended.Format(time.RFC3339)
				break
			}
		}
		sched := s.Schedule
		if sched == "" {
			sched = "manual"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Org, s.Name, sched, last, status, started, lastOK, note)
	}
	return tw.Flush()
}

func (c *syncCLI) history(orgName, source string, limit int) error {
	orgs, err := c.orgs(orgName)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tORG\tSOURCE\tTRIGGER\tSTARTED\tDURATION\tSTATUS\tCHANGES\tNOTE")
	for _, org := range orgs {
		runs, err := c.d.Store().SyncRuns(c.ctx, org.ID, source, limit)
		if err != nil {
			return err
		}
		for _, r := range runs {
			dur := "-"
			if r.Ended != nil {
				dur = r.Ended.Sub(r.Started).Round(time.Millisecond).String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, org.Name, r.Source, r.Trigger,
				r.Started.Format(time.RFC3339), dur, r.Status, formatCounts(r.Counts), truncate(runNote(r), 100))
		}
	}
	return tw.Flush()
}

func (c *syncCLI) show(orgName, id, state string) error {
	org, run, err := c.findRun(orgName, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "run %s of %s/%s: %s, trigger %s, started %s, complete %v\n  changes: %s\n",
		run.ID, org.Name, run.Source, run.Status, run.Trigger, run.Started.Format(time.RFC3339), run.Complete, formatCounts(run.Counts))
	switch {
	case run.SupersededBy != "":
		fmt.Fprintf(c.stdout, "  superseded by the newer run %s: this run can no longer be approved or rejected (scimd sync show %s)\n",
			run.SupersededBy, run.SupersededBy)
		fmt.Fprintf(c.stdout, "  (was held: %s)\n", run.Error)
	case run.Error != "":
		fmt.Fprintf(c.stdout, "  %s\n", run.Error)
	}
	return c.printChanges(org, run.ID, state)
}

func (c *syncCLI) decide(orgName, id string, approve bool) error {
	org, run, err := c.findRun(orgName, id)
	if err != nil {
		return err
	}
	if approve {
		run, err = c.eng.Approve(c.ctx, org, run.ID, "cli:"+osUser())
	} else {
		run, err = c.eng.Reject(c.ctx, org, run.ID, "cli:"+osUser())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "run %s %s: %s\n", run.ID, run.Status, run.Error)
	if approve {
		return c.printChanges(org, run.ID, ldapsync.ChangeNotApplied)
	}
	return nil
}

// printChanges prints a run's changes (of one state, or of one kind for
// ChangeNotApplied; "" for all).
func (c *syncCLI) printChanges(org store.Org, runID, filter string) error {
	state := filter
	if filter == ldapsync.ChangeNotApplied {
		state = ""
	}
	cs, err := c.d.Store().SyncChanges(c.ctx, org.ID, runID, state)
	if err != nil {
		return err
	}
	for _, sc := range cs {
		if filter == ldapsync.ChangeNotApplied && sc.Kind != filter {
			continue
		}
		fmt.Fprintln(c.stdout, "  "+ldapsync.FormatChange(sc))
	}
	return nil
}

// orgs returns the organization named orgName, or every organization.
func (c *syncCLI) orgs(orgName string) ([]store.Org, error) {
	if orgName != "" {
		o, err := orgByName(c.ctx, c.d, orgName)
		return []store.Org{o}, err
	}
	return c.d.Store().Orgs(c.ctx)
}

// findRun finds a run by id in the organization, or in any.
func (c *syncCLI) findRun(orgName, id string) (store.Org, store.SyncRun, error) {
	orgs, err := c.orgs(orgName)
	if err != nil {
		return store.Org{}, store.SyncRun{}, err
	}
	for _, o := range orgs {
		r, err := c.d.Store().SyncRun(c.ctx, o.ID, id)
		if err == nil {
			return o, r, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return o, r, err
		}
	}
	return store.Org{}, store.SyncRun{}, fmt.Errorf("no sync run %q (see scimd sync history)", id)
}

// runNote is the note of a run in a table: why it failed or was held,
// and for a superseded run, by which run.
func runNote(r store.SyncRun) string {
	if r.SupersededBy != "" {
		return "superseded by run " + r.SupersededBy + "; was: " + r.Error
	}
	return r.Error
}

// formatCounts renders counts as "create=3 update=1", sorted.
func formatCounts(counts map[string]int) string {
	if len(counts) == 0 {
		return "no changes"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, counts[k])
	}
	return strings.Join(parts, " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// isTerminal reports whether w is a terminal (progress lines go there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
