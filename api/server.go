package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adminauth"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/webhook"
)

// BasePath is where the admin API is mounted.
const BasePath = "/api/v1"

// Body limits: a JSON request, and an uploaded CSV file.
const (
	maxJSONBody   = 1 << 20
	maxImportBody = 64 << 20
)

// Config is what the admin API needs.
type Config struct {
	// Directory is every read and write (required).
	Directory *directory.Service
	// Sync runs directory sources and decides held runs; nil answers
	// 503 to those routes (reading runs still works).
	Sync SyncControl
	// Webhooks keeps webhooks; nil uses the directory's store when it
	// keeps them (*sqlstore.Store does), else the webhook routes answer 503.
	Webhooks webhook.Store
	Logger   *slog.Logger // nil: discard
}

// Server serves the admin API. Create it with New.
type Server struct {
	dir   *directory.Service
	sync  SyncControl
	hooks webhook.Store
	log   *slog.Logger
}

// New returns a Server.
func New(cfg Config) *Server {
	s := &Server{dir: cfg.Directory, sync: cfg.Sync, hooks: cfg.Webhooks, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.hooks == nil {
		s.hooks, _ = cfg.Directory.Store().(webhook.Store)
	}
	return s
}

// handlerFunc is an admin API handler: it returns an error instead of
// writing one; p is an authenticated admin of p.OrgID who was permitted
// the route's action (the zero principal on a public route).
type handlerFunc func(w http.ResponseWriter, r *http.Request, p directory.AdminPrincipal) error

// route is one endpoint: its method, its path under BasePath (a ServeMux
// pattern), the action it needs (nil: public), its body limit and handler.
type route struct {
	method, path string
	act          func(r *http.Request, p directory.AdminPrincipal) directory.Action
	maxBody      int64
	h            handlerFunc
}

// need is the action of a route that always needs a.
func need(a directory.Action) func(*http.Request, directory.AdminPrincipal) directory.Action {
	return func(*http.Request, directory.AdminPrincipal) directory.Action { return a }
}

func (s *Server) routes() []route {
	rs := []route{
		{method: "POST", path: "/session", h: s.signIn},
		{method: "DELETE", path: "/session", act: need(directory.ActRead), h: s.signOut},
		{method: "GET", path: "/me", act: need(directory.ActRead), h: s.me},
		{method: "GET", path: "/events", act: need(directory.ActRead), h: s.listEvents},
		{method: "GET", path: "/audit", act: need(directory.ActRead), h: s.listAudit},
	}
	rs = append(rs, s.userRoutes()...)
	rs = append(rs, s.teamRoutes()...)
	rs = append(rs, s.exchangeRoutes()...)
	rs = append(rs, s.tokenRoutes()...)
	rs = append(rs, s.syncRoutes()...)
	rs = append(rs, s.webhookRoutes()...)
	rs = append(rs, s.settingsRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	for i := range rs {
		if rs[i].maxBody == 0 {
			rs[i].maxBody = maxJSONBody
		}
	}
	return rs
}

// Handler returns the admin API, mounted at BasePath. Every response,
// errors from routing and authentication included, is JSON.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	byPath := map[string]map[string]route{}
	var paths []string
	for _, rt := range s.routes() {
		if byPath[rt.path] == nil {
			byPath[rt.path] = map[string]route{}
			paths = append(paths, rt.path)
		}
		byPath[rt.path][rt.method] = rt
	}
	for _, p := range paths {
		mux.Handle(BasePath+p, s.dispatch(byPath[p]))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obs.SetRoute(r.Context(), BasePath+" unmatched")
		s.writeError(w, r, errorf(http.StatusNotFound, "no admin API endpoint at %s", r.URL.Path))
	}))
	return mux
}

// dispatch serves the routes of one path by method (HEAD as GET); any
// other method is 405 with Allow.
func (s *Server) dispatch(methods map[string]route) http.Handler {
	allow := make([]string, 0, len(methods))
	for m := range methods {
		allow = append(allow, m)
	}
	slices.Sort(allow)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		rt, ok := methods[m]
		if !ok {
			obs.SetRoute(r.Context(), BasePath+" method not allowed")
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, errorf(http.StatusMethodNotAllowed, "method %s is not allowed on %s (allowed: %s)",
				r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.serve(w, r, rt)
	})
}

// serve runs one route: it names the route for metrics and logs, limits
// the body, authenticates, checks CSRF on a session's state-changing
// request and the route's action — all before the handler reads or
// writes anything — recovers panics, and turns the handler's error into
// the JSON error response.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	obs.SetRoute(r.Context(), rt.method+" "+BasePath+rt.path)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
		}
	}()
	r.Body = http.MaxBytesReader(w, r.Body, rt.maxBody)
	if err := s.guard(w, r, rt); err != nil {
		s.writeError(w, r, err)
	}
}

func (s *Server) guard(w http.ResponseWriter, r *http.Request, rt route) error {
	if rt.act == nil {
		return rt.h(w, r, directory.AdminPrincipal{})
	}
	p, err := s.authenticate(r)
	if err != nil {
		return err
	}
	obs.SetOrg(r.Context(), p.OrgID)
	if err := adminauth.CheckCSRF(p, r); err != nil {
		return err
	}
	if err := directory.Permit(p, rt.act(r, p)); err != nil {
		return err
	}
	return rt.h(w, r, p)
}
