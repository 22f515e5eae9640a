package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adminauth"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
	"github.com/scimd/scimd/userimport"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// view is what every page template receives.
type view struct {
	Title   string // the page's own title ("Users"); the document title adds the console's
	Section string // the navigation entry to mark current
	CSS     string
	Org     string                    // the organization's name ("" signed out)
	Admin   *directory.AdminPrincipal // nil signed out
	CSRF    string
	Can     perms
	Flash   *flash
	Status  int // for the error page
	Data    any
}

// perms are the write actions the admin's role allows: pages show only
// the buttons of these.
type perms struct {
	ManageUsers, Import, RunSync, ApproveSync, ManageTokens, ManageHooks bool
}

func permsOf(p directory.AdminPrincipal) perms {
	ok := func(a directory.Action) bool { return directory.Permit(p, a) == nil }
	return perms{ManageUsers: ok(directory.ActManageUsers), Import: ok(directory.ActImport), RunSync: ok(directory.ActRunSync),
		ApproveSync: ok(directory.ActApproveSync), ManageTokens: ok(directory.ActManageTokens),
		ManageHooks: ok(directory.ActManageHooks)}
}

var funcs = template.FuncMap{
	"when":     when,
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"csrfName": func() string { return adminauth.CSRFField },
	"roleName": roleName,
	"counts":   countsText,
	"backlog": func(h store.Webhook) string {
		n := h.LatestSeq - h.State.Cursor
		switch {
		case n <= 0:
			return "up to date"
		case n == 1:
			return "1 event"
		}
		return strconv.FormatInt(n, 10) + " events"
	},
	"badge":      badgeClass,
	"short":      shortID,
	"events":     func(rows []eventRow, object bool) eventTable { return eventTable{Rows: rows, Object: object} },
	"heldReason": heldReason,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	},
}

// when renders a time (or *time.Time) in UTC, "—" when unset.
func when(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// eventTable is the events partial's data: the rows, and whether to show
// the object column (not on the object's own page).
type eventTable struct {
	Rows   []eventRow
	Object bool
}

// shortID shortens a long id to its random tail (a UUIDv7's head is a
// time stamp, alike for ids made together).
func shortID(id string) string {
	if len(id) > 13 {
		return "…" + id[len(id)-8:]
	}
	return id
}

// heldReason is a held run's reason without the command-line hint the
// sync appends for terminals ("; approve (scimd sync approve …"): the
// console has buttons.
func heldReason(msg string) string {
	if i := strings.Index(msg, "; approve (scimd sync"); i >= 0 {
		return msg[:i] + "."
	}
	return msg
}

// roleName names a role for people.
func roleName(r store.AdminRole) string {
	switch r {
	case store.RoleOwner:
		return "Owner"
	case store.RoleUserAdmin:
		return "User admin"
	case store.RoleAuditor:
		return "Auditor"
	}
	return string(r)
}

// badgeClass is the style of a status badge (the text always says the
// status too: colour is never the only cue).
func badgeClass(status string) string {
	switch status {
	case "active", "succeeded", "approved", "created", "applied", "enabled", "ok", "owner":
		return "badge good"
	case "inactive", "held", "dry_run", "planned", "updated", "user_admin", "running":
		return "badge warn"
	case "failed", "rejected", "error", "revoked", "disabled", "incomplete", "failing":
		return "badge bad"
	}
	return "badge"
}

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		pages[base] = t
	}
	return pages, nil
}

func cssPath() string {
	b, _ := staticFS.ReadFile("static/console.css") // embedded: always there
	sum := sha256.Sum256(b)
	return BasePath + "/static/console.css?v=" + hex.EncodeToString(sum[:6])
}

// staticHandler serves the stylesheet and the icon.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static") // the embedded directory exists
	files := http.StripPrefix(BasePath+"/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// render writes a page for p (nil: signed out) with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, p *directory.AdminPrincipal, status int, page string, v view) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("no page template %q", page)
	}
	v.CSS = s.cssPath
	if p != nil {
		v.Admin, v.CSRF, v.Can = p, p.CSRF, permsOf(*p)
		if o, err := s.org(r.Context(), p.OrgID); err == nil {
			v.Org = o.Name
		}
	}
	if v.Flash == nil {
		v.Flash = takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("rendering %s: %w", page, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	if err != nil {
		obs.Logger(r.Context(), s.log).Debug("writing a console page", "err", err)
	}
	return nil
}

// pageError is an error with the status and the text its page shows.
type pageError struct {
	Status int
	Msg    string
}

func (e *pageError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Msg) }

func notFoundf(format string, args ...any) *pageError {
	return &pageError{Status: http.StatusNotFound, Msg: fmt.Sprintf(format, args...)}
}

// fail is the one place an error becomes a page: a refused action is 403
// with its reason, an unknown object 404, anything else a 500 naming only
// the request id, its cause logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, p *directory.AdminPrincipal, err error) {
	log := obs.Logger(r.Context(), s.log)
	var pe *pageError
	var ae *directory.AdminError
	switch {
	case errors.As(err, &pe):
	case errors.As(err, &ae) && ae.Forbidden:
		pe = &pageError{Status: http.StatusForbidden, Msg: ae.Msg + ". Nothing was changed."}
	case errors.As(err, &ae):
		pe = &pageError{Status: http.StatusBadRequest, Msg: ae.Msg}
	case errors.Is(err, store.ErrNotFound):
		pe = notFoundf("There is no such page or object in this organization.")
	default:
		log.Error("console request failed", "err", err)
		pe = &pageError{Status: http.StatusInternalServerError,
			Msg: "Something went wrong on the server. Quote request id " + obs.RequestID(r.Context()) + " to the operator."}
	}
	title := http.StatusText(pe.Status)
	if pe.Status == http.StatusForbidden {
		title = "Not allowed"
	}
	if rerr := s.render(w, r, p, pe.Status, "error", view{Title: title, Status: pe.Status, Data: pe.Msg}); rerr != nil {
		log.Error("rendering the error page", "err", rerr)
		http.Error(w, pe.Msg, pe.Status)
	}
}

// clientText is the text a page may show of err: a client error's own
// text (a bad file, a refused policy, a run already under way or no longer
// held, a taken name), else — its cause logged with the request id — only
// that something failed on the server.
func (s *Server) clientText(r *http.Request, err error) string {
	var (
		in  *userimport.InputError
		pol *directory.PolicyError
		adm *directory.AdminError
		uq  *store.UniqueError
	)
	switch {
	case errors.As(err, &in), errors.As(err, &pol), errors.As(err, &adm), errors.As(err, &uq),
		errors.Is(err, ldapsync.ErrUnknownSource), errors.Is(err, ldapsync.ErrLocked), errors.Is(err, ldapsync.ErrNotHeld):
		return strings.TrimSpace(err.Error())
	}
	obs.Logger(r.Context(), s.log).Error("console request failed", "err", err)
	return "something went wrong on the server (quote request id " + obs.RequestID(r.Context()) + " to the operator)"
}

// notFound answers any other path under the console.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	obs.SetRoute(r.Context(), "console unmatched")
	s.fail(w, r, nil, notFoundf("There is no console page at %s.", r.URL.Path))
}

// flash is a one-time message shown on the page a form redirects to.
type flash struct {
	Kind string // "ok" or "error"
	Msg  string
}

const flashCookie = "scimd_flash"

// redirect ends a form action: a flash message and a 303 to target
// (Post/Redirect/Get).
func redirect(w http.ResponseWriter, r *http.Request, target, kind, msg string) error {
	msg = truncate(msg, 600)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(kind + "\n" + msg)),
		Path: BasePath + "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: 60})
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// takeFlash reads and clears the flash message, if any.
func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: BasePath + "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: -1})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, _ := strings.Cut(string(b), "\n")
	if kind != "ok" {
		kind = "error"
	}
	return &flash{Kind: kind, Msg: msg}
}
