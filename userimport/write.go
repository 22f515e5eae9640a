package userimport

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// importer is one Run's state.
type importer struct {
	d     *directory.Service
	st    store.Store
	opt   Options
	org   string
	pol   store.Policy
	base  *schema.ResourceType // core User with the Enterprise extension: reads rows
	users *schema.ResourceType // the organization's User type: validates new users
	teams *teamPlacer
	seats int // dry run: the seats the file would use
	// known maps folded userNames to user ids: managers found (a cache,
	// bounded), and in a dry run the users the file would create (with a
	// "new:" id), so that later rows may name them as their manager.
	known map[string]string
	// waiting are the rows whose manager was not known when they were
	// read, by the manager's folded userName.
	waiting map[string]*waitList
	// planned are, in a dry run, the users earlier rows would write, by
	// their match key (see plan).
	planned map[string]*planned
}

type waitList struct {
	name string // the manager's userName as first written
	rows []Result
}

// knownCap bounds the cache of managers found in a real run.
const knownCap = 100_000

func newImporter(ctx context.Context, d *directory.Service, opt Options) (*importer, error) {
	if opt.Match == "" {
		opt.Match = MatchUserName
	}
	if opt.Match != MatchUserName && opt.Match != MatchExternalID {
		return nil, fmt.Errorf("match %q: want %q or %q", opt.Match, MatchUserName, MatchExternalID)
	}
	org := opt.Actor.OrgID
	st := d.Store()
	pol, err := d.Policy(ctx, org)
	if err != nil {
		return nil, err
	}
	users, err := userType(ctx, st, org)
	if err != nil {
		return nil, err
	}
	im := &importer{d: d, st: st, opt: opt, org: org, pol: pol, base: schema.NewUserType(), users: users,
		known: map[string]string{}, waiting: map[string]*waitList{}, planned: map[string]*planned{}}
	im.teams = &teamPlacer{d: d, st: st, actor: opt.Actor, dry: opt.DryRun, group: schema.NewGroupType(), cache: map[string]teamRef{}}
	if opt.DryRun {
		if im.seats, err = d.SeatsUsed(ctx, org); err != nil {
			return nil, err
		}
	}
	return im, nil
}

// userType is the organization's User type: core, Enterprise, and the
// organization's own User extensions.
func userType(ctx context.Context, st store.Store, orgID string) (*schema.ResourceType, error) {
	defs, err := st.OrgSchemas(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var exts []schema.Extension
	for _, d := range defs {
		if d.Kind != store.KindUser {
			continue
		}
		ext, err := schema.ParseExtensionDefinition(d.Definition)
		if err != nil {
			return nil, fmt.Errorf("organization schema %s: %w", d.URN, err)
		}
		exts = append(exts, ext)
	}
	return schema.NewUserType().Extend(exts...), nil
}

// outcome says what Run does with a row's result.
type outcome int

const (
	emitRow outcome = iota
	waitRow         // held until the end: its manager comes later in the file
	skipRow         // a blank row
)

// row imports one record. err is a failure that must stop the import;
// the row's own problems are in the result.
func (im *importer) row(ctx context.Context, h header, line int, rec []string) (Result, outcome, error) {
	r, ok, err := readRow(h, rec, im.base)
	if !ok && err == nil {
		return Result{}, skipRow, nil
	}
	res := Result{Line: line, UserName: r.userName}
	wait := false
	if err == nil {
		wait, err = im.write(ctx, r, &res)
	}
	if err != nil {
		if res.Status != "" || !isRowErr(err) {
			return res, emitRow, err
		}
		return Result{Line: line, UserName: r.userName, Status: Rejected, Reason: err.Error()}, emitRow, nil
	}
	if wait {
		k := fold(r.manager)
		w := im.waiting[k]
		if w == nil {
			w = &waitList{name: r.manager}
			im.waiting[k] = w
		}
		w.rows = append(w.rows, res)
		return res, waitRow, nil
	}
	return res, emitRow, nil
}

// write applies one row: the user, then its teams. wait reports that the
// manager is not known yet. An error returned after the user was written
// (res.Status set) is one that must stop the import.
func (im *importer) write(ctx context.Context, r row, res *Result) (wait bool, err error) {
	managerID := ""
	if r.manager != "" {
		if managerID, err = im.manager(ctx, r.manager); err != nil {
			return false, err
		}
		wait = managerID == ""
	}
	if p := im.planned[im.key(r)]; p != nil { // a dry run met the user in an earlier row
		err = im.replay(r, p, managerID, res)
	} else {
		var cur store.Resource
		var found bool
		if cur, found, err = im.find(ctx, r); err == nil && found {
			err = im.update(ctx, r, cur, managerID, res)
		} else if err == nil {
			err = im.create(ctx, r, managerID, res)
		}
	}
	if err != nil {
		return false, err
	}
	if len(r.teams) > 0 {
		if err := im.teams.place(ctx, res.ID, r.teams, res); err != nil {
			return false, err
		}
	}
	return wait, nil
}

// find returns the user the row matches.
func (im *importer) find(ctx context.Context, r row) (store.Resource, bool, error) {
	attr, val := store.Attr{Column: store.ColName, Type: store.TypeString}, r.userName
	if im.opt.Match == MatchExternalID {
		if r.externalID == "" {
			return store.Resource{}, false, rowErrorf("externalId is empty (the import matches users by externalId)")
		}
		attr, val = store.Attr{Column: store.ColExternalID, Type: store.TypeString, CaseExact: true}, r.externalID
	}
	page, err := im.st.List(ctx, im.org, store.KindUser, store.Query{Filter: store.Compare{Attr: attr, Op: store.OpEq, Value: val}, Count: 2})
	switch {
	case err != nil:
		return store.Resource{}, false, err
	case len(page.Resources) == 0:
		return store.Resource{}, false, nil
	case len(page.Resources) > 1:
		return store.Resource{}, false, rowErrorf("%d users have externalId %q: the row matches none of them", page.Total, val)
	}
	return page.Resources[0], true, nil
}

// manager returns the id of the user named name, "" when there is none
// (yet).
func (im *importer) manager(ctx context.Context, name string) (string, error) {
	k := fold(name)
	if id, ok := im.known[k]; ok {
		return id, nil
	}
	u, found, err := im.find(ctx, row{userName: name})
	if err != nil || !found {
		return "", err
	}
	if len(im.known) >= knownCap && !im.opt.DryRun {
		clear(im.known)
	}
	im.known[k] = u.ID
	return u.ID, nil
}

func (im *importer) create(ctx context.Context, r row, managerID string, res *Result) error {
	doc := merge(nil, r.part, managerID)
	if _, ok := doc["active"]; !ok {
		doc["active"] = true // as directory does: a new user is active unless the row says otherwise
	}
	doc["schemas"] = im.users.SchemasFor(doc)
	if _, err := im.users.Normalize(store.CloneAttrs(doc)); err != nil {
		return clientError(err)
	}
	if im.opt.DryRun {
		if err := im.check(nil, doc); err != nil {
			return err
		}
		res.Status = Created
		im.known[fold(r.userName)] = "new:" + fold(r.userName)
		im.plan(r, res, doc)
		return nil
	}
	u, err := im.d.Create(ctx, im.opt.Actor, store.Resource{Kind: store.KindUser, Attrs: doc}, nil)
	if err != nil {
		return err
	}
	res.ID, res.Status = u.ID, Created
	return nil
}

func (im *importer) update(ctx context.Context, r row, cur store.Resource, managerID string, res *Result) error {
	if err := owned(cur); err != nil {
		return err
	}
	res.ID = cur.ID
	next := im.apply(cur.Attrs, r, managerID)
	if im.opt.DryRun {
		if err := im.check(&cur, next); err != nil {
			return err
		}
		res.Status = Updated
		if sameDoc(cur.Attrs, next) {
			res.Status = Unchanged
		}
		im.plan(r, res, next)
		return nil
	}
	if sameDoc(cur.Attrs, next) {
		res.Status = Unchanged
		return nil
	}
	u, err := im.d.Update(ctx, im.opt.Actor, store.KindUser, cur.ID, func(x *store.Resource) (*store.MemberChange, error) {
		if err := owned(*x); err != nil {
			return nil, err
		}
		x.Attrs = im.apply(x.Attrs, r, managerID)
		return nil, nil
	})
	if err != nil {
		return err
	}
	res.Status = Unchanged
	if u.Version != cur.Version {
		res.Status = Updated
	}
	return nil
}

// apply returns cur with the row's values; "schemas" is recomputed only
// when something else changed.
func (im *importer) apply(cur map[string]any, r row, managerID string) map[string]any {
	next := merge(cur, r.part, managerID)
	if !sameDoc(cur, next) {
		next["schemas"] = im.users.SchemasFor(next)
	}
	return next
}

// finish settles the rows that waited for their manager and emits them in
// line order.
func (im *importer) finish(ctx context.Context, out func(Result) error) error {
	var done []Result
	for _, w := range im.waiting {
		id, err := im.manager(ctx, w.name)
		if err != nil {
			return err
		}
		for _, res := range w.rows {
			switch {
			case id == "":
				res.Failed = append(res.Failed, fmt.Sprintf("manager %q: no such user", w.name))
			case im.opt.DryRun:
				if res.Status == Unchanged {
					res.Status = Updated
				}
			default:
				if err := im.setManager(ctx, &res, id); err != nil {
					return err
				}
			}
			done = append(done, res)
		}
	}
	slices.SortFunc(done, func(a, b Result) int { return a.Line - b.Line })
	for _, res := range done {
		if err := out(res); err != nil {
			return err
		}
	}
	return nil
}

// abandon emits the rows still waiting for their manager when the import
// stops early: their users were written, their managers were not.
func (im *importer) abandon(out func(Result) error) {
	var done []Result
	for _, w := range im.waiting {
		for _, res := range w.rows {
			res.Failed = append(res.Failed, fmt.Sprintf("manager %q: not set (the import stopped first)", w.name))
			done = append(done, res)
		}
	}
	slices.SortFunc(done, func(a, b Result) int { return a.Line - b.Line })
	for _, res := range done {
		_ = out(res)
	}
}

// setManager sets a written user's manager at the end of the import.
func (im *importer) setManager(ctx context.Context, res *Result, managerID string) error {
	before, err := im.st.Get(ctx, im.org, store.KindUser, res.ID)
	if err == nil {
		var u store.Resource
		u, err = im.d.Update(ctx, im.opt.Actor, store.KindUser, res.ID, func(x *store.Resource) (*store.MemberChange, error) {
			if err := owned(*x); err != nil {
				return nil, err
			}
			x.Attrs = merge(x.Attrs, nil, managerID)
			return nil, nil
		})
		if err == nil && u.Version != before.Version && res.Status == Unchanged {
			res.Status = Updated
		}
	}
	if err != nil {
		if !isRowErr(err) {
			return err
		}
		res.Failed = append(res.Failed, fmt.Sprintf("manager: %v", err))
	}
	return nil
}

// owned refuses a user another source owns: the import changes only the
// users it created and those an admin created (by the CLI or the admin
// API). A user provisioned by an identity provider (scim) or a directory
// sync source would be overwritten by its source, and is not silently
// taken over.
func owned(u store.Resource) error {
	if mayChange(u.Source) {
		return nil
	}
	return rowErrorf("user %q is managed by %s; an import does not take over another source's users", u.Name, sourceName(u.Source))
}

func mayChange(source string) bool {
	return source == directory.SourceImport || source == directory.SourceAdmin
}

func sourceName(src string) string {
	switch {
	case src == directory.SourceSCIM:
		return "the identity provider (source scim)"
	case directory.IsDirectorySource(src):
		return fmt.Sprintf("the directory sync (source %s)", src)
	}
	return fmt.Sprintf("source %q", src)
}

func fold(s string) string { return store.Fold(s) }

// isRowErr reports whether err is the row's problem (its data, or a rule
// the write broke), rather than the database failing.
func isRowErr(err error) bool {
	var pe *directory.PolicyError
	return isRowError(err) || errors.As(err, &pe) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, store.ErrInvalidReference) || errors.Is(err, store.ErrNotFound) ||
		errors.Is(err, store.ErrPreconditionFailed)
}
