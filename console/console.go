package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adminauth"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
	"github.com/scimd/scimd/userimport"
)

// BasePath is where the console is mounted: serve it for BasePath + "/".
const BasePath = "/admin"

// SyncControl runs an organization's directory sources and decides its
// held runs: ldapsync.Control over the configured sources and the sync
// engine, which cmd/scimd builds for the admin API (api.SyncControl, the
// same methods and contract) and the console alike. Errors of Run,
// Approve and Reject have texts fit to show an admin; Run returns the run
// as recorded even when it failed, with a nil error unless no run was
// recorded.
type SyncControl interface {
	// Sources lists the organization's configured sources.
	Sources(ctx context.Context, orgID string) ([]ldapsync.SourceInfo, error)
	// Run runs one source now, to its end (a dry run writes only its
	// record and planned changes); by names the admin, for the logs.
	Run(ctx context.Context, orgID, source string, dryRun bool, by string) (store.SyncRun, error)
	// Approve applies a held run's held changes; Reject drops them.
	Approve(ctx context.Context, orgID, runID, by string) (store.SyncRun, error)
	Reject(ctx context.Context, orgID, runID, by string) (store.SyncRun, error)
}

var _ SyncControl = (*ldapsync.Control)(nil)

// Importer imports a CSV file of users into opt.Actor's organization,
// calling emit with each row's result (userimport.Run's contract).
type Importer interface {
	Import(ctx context.Context, in io.Reader, opt userimport.Options, emit func(userimport.Result) error) (userimport.Summary, error)
}

// Webhooks reads and switches an organization's webhooks (a subset of
// store.WebhookStore).
type Webhooks interface {
	Webhooks(ctx context.Context, orgID string) ([]store.Webhook, error)
	SetWebhookEnabled(ctx context.Context, orgID, id string, enabled bool) error
}

// DirectoryImporter is the Importer that runs userimport over a directory.
type DirectoryImporter struct{ Directory *directory.Service }

// Import runs userimport.Run.
func (d DirectoryImporter) Import(ctx context.Context, in io.Reader, opt userimport.Options, emit func(userimport.Result) error) (userimport.Summary, error) {
	return userimport.Run(ctx, d.Directory, in, opt, emit)
}

var _ Webhooks = (store.WebhookStore)(nil)

// Config is what a Server is built from.
type Config struct {
	Directory *directory.Service // required: every read and write goes through it
	// Sync runs and decides directory syncs; nil: the sync page shows the
	// runs but cannot start or decide one.
	Sync SyncControl
	// Import imports CSV files; nil: DirectoryImporter over Directory.
	Import Importer
	// Webhooks lists the webhooks; nil: the webhooks page says there are none.
	Webhooks Webhooks
	// DefaultOrg prefills the sign-in form's organization.
	DefaultOrg string
	// MaxImportBytes caps an uploaded CSV file; 0 means 10 MiB.
	MaxImportBytes int64
	Log            *slog.Logger // nil: discard
}

// Server serves the console. Create it with New.
type Server struct {
	dir        *directory.Service
	st         store.Store
	sync       SyncControl
	imp        Importer
	hooks      Webhooks
	defaultOrg string
	maxImport  int64
	log        *slog.Logger
	pages      map[string]*template.Template
	cssPath    string // the stylesheet's URL, versioned by its content
}

// New returns a Server. It panics without a directory service, or when the
// embedded templates do not parse (a bug the tests catch).
func New(cfg Config) *Server {
	if cfg.Directory == nil {
		panic("console: Config.Directory is required")
	}
	pages, err := parsePages()
	if err != nil {
		panic(fmt.Sprintf("console: parsing the embedded templates: %v", err))
	}
	s := &Server{dir: cfg.Directory, st: cfg.Directory.Store(), sync: cfg.Sync, imp: cfg.Import, hooks: cfg.Webhooks,
		defaultOrg: cfg.DefaultOrg, maxImport: cfg.MaxImportBytes, log: cfg.Log, pages: pages, cssPath: cssPath()}
	if s.imp == nil {
		s.imp = DirectoryImporter{Directory: cfg.Directory}
	}
	if s.maxImport <= 0 {
		s.maxImport = 10 << 20
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// handler is a console page or form action for an authenticated admin
// who may take the route's action. It returns an error instead of writing
// one.
type handler func(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error

// Handler returns the console; mount it at BasePath + "/".
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /admin/static/", staticHandler())
	mux.HandleFunc("GET /admin/signin", s.signinPage)
	mux.HandleFunc("POST /admin/signin", s.signin)
	mux.Handle("POST /admin/signout", s.route("signout", directory.ActRead, s.signout))

	mux.Handle("GET /admin/{$}", s.route("dashboard", directory.ActRead, s.dashboard))
	mux.Handle("GET /admin/users", s.route("users", directory.ActRead, s.users))
	mux.Handle("GET /admin/users/{id}", s.route("user", directory.ActRead, s.user))
	mux.Handle("POST /admin/users/{id}/{op}", s.route("user action", directory.ActManageUsers, s.userAction))
	mux.Handle("GET /admin/teams", s.route("teams", directory.ActRead, s.teams))
	mux.Handle("GET /admin/teams/{id}", s.route("team", directory.ActRead, s.team))
	mux.Handle("GET /admin/sync", s.route("sync", directory.ActRead, s.syncPage))
	mux.Handle("GET /admin/sync/runs/{id}", s.route("sync run", directory.ActRead, s.syncRun))
	mux.Handle("POST /admin/sync/runs/{id}/{op}", s.route("sync decide", directory.ActApproveSync, s.syncDecide))
	mux.Handle("POST /admin/sync/run", s.route("sync run now", directory.ActRunSync, s.syncRunNow))
	mux.Handle("GET /admin/import", s.route("import", directory.ActRead, s.importPage))
	mux.Handle("POST /admin/import", s.route("import run", directory.ActImport, s.importRun))
	mux.Handle("GET /admin/tokens", s.route("tokens", directory.ActRead, s.tokens))
	mux.Handle("POST /admin/tokens", s.route("token create", directory.ActManageTokens, s.tokenCreate))
	mux.Handle("POST /admin/tokens/{id}/revoke", s.route("token revoke", directory.ActManageTokens, s.tokenRevoke))
	mux.Handle("GET /admin/webhooks", s.route("webhooks", directory.ActRead, s.webhooks))
	mux.Handle("POST /admin/webhooks/{id}/{op}", s.route("webhook switch", directory.ActManageHooks, s.webhookSwitch))
	mux.Handle("GET /admin/audit", s.route("audit", directory.ActRead, s.audit))
	mux.HandleFunc("/admin/", s.notFound)
	return secureHeaders(mux)
}

// route names the route for metrics and logs, authenticates the admin
// (a signed-out request goes to the sign-in page), checks a form's CSRF
// token and the role's permission, and renders the handler's error.
func (s *Server) route(name string, act directory.Action, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obs.SetRoute(r.Context(), "console "+name)
		p, err := adminauth.Authenticate(r.Context(), s.dir, r)
		if errors.Is(err, directory.ErrUnauthenticated) {
			s.toSignin(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		obs.SetOrg(r.Context(), p.OrgID)
		if r.Method == http.MethodPost {
			if err := s.parseForm(w, r); err != nil {
				s.fail(w, r, &p, err)
				return
			}
			if err := adminauth.CheckCSRF(p, r); err != nil {
				s.fail(w, r, &p, &pageError{Status: http.StatusForbidden,
					Msg: "This form expired or did not come from this console: reload the page and try again. Nothing was changed."})
				return
			}
		}
		if err := directory.Permit(p, act); err != nil {
			s.fail(w, r, &p, err)
			return
		}
		if err := h(w, r, p); err != nil {
			s.fail(w, r, &p, err)
		}
	})
}

// parseForm reads a POST's form within the size limit (an import's
// multipart file up to MaxImportBytes, any other form up to 64 KiB).
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) error {
	limit := int64(64 << 10)
	if r.URL.Path == BasePath+"/import" {
		limit = s.maxImport + 64<<10
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if mt := r.Header.Get("Content-Type"); len(mt) >= 19 && mt[:19] == "multipart/form-data" {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &pageError{Status: http.StatusRequestEntityTooLarge,
			Msg: fmt.Sprintf("The upload is larger than %d MiB. Nothing was changed.", s.maxImport>>20)}
	}
	if err != nil {
		return &pageError{Status: http.StatusBadRequest, Msg: "The form could not be read. Nothing was changed."}
	}
	return nil
}

// org returns the organization of a principal.
func (s *Server) org(ctx context.Context, id string) (store.Org, error) {
	return s.st.Org(ctx, id)
}

// secureHeaders sets the security headers of every console response.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "+
			"form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
