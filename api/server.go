package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/store"
)

// BasePath is where the admin API is mounted.
const BasePath = "/api/v1"

// Authenticator resolves a bearer token to its principal
// (*directory.Service): directory.ErrUnauthenticated for an unknown,
// malformed or revoked token.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (directory.Principal, error)
}

// EventReader reads an organization's events in Seq order (store.Store).
type EventReader interface {
	Events(ctx context.Context, orgID string, q store.EventQuery) ([]store.Event, error)
}

var (
	_ Authenticator = (*directory.Service)(nil)
	_ EventReader   = (store.Store)(nil)
)

// Server serves the admin API. Create it with New.
type Server struct {
	auth   Authenticator
	events EventReader
	log    *slog.Logger
}

// New returns a Server.
func New(auth Authenticator, events EventReader, log *slog.Logger) *Server {
	return &Server{auth: auth, events: events, log: log}
}

// handlerFunc is an admin API handler: it returns an error instead of
// writing one; p is an authenticated admin of p.OrgID.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p directory.Principal) error

// Handler returns the admin API, mounted at BasePath. Every response,
// errors from routing and authentication included, is JSON.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(BasePath+"/events", s.route("/api/v1/events", http.MethodGet, s.listEvents))
	mux.Handle("/", s.route("/api/v1 unmatched", "", func(_ http.ResponseWriter, r *http.Request, _ directory.Principal) error {
		return errorf(http.StatusNotFound, "no admin API endpoint at %s", r.URL.Path)
	}))
	return mux
}

// route names the route for metrics and logs, allows one method (any
// when method is ""), authenticates an admin token, recovers panics, and
// turns the handler's error into the JSON error response.
func (s *Server) route(name, method string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obs.SetRoute(r.Context(), name)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		p, err := s.authenticate(r)
		if err == nil {
			obs.SetOrg(r.Context(), p.OrgID)
			if method != "" && r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
				w.Header().Set("Allow", method)
				err = errorf(http.StatusMethodNotAllowed, "method %s is not allowed on %s", r.Method, r.URL.Path)
			}
		}
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate reads the bearer token and requires the admin scope: no or
// an invalid token is 401, a valid token of another scope (a SCIM token)
// 403.
func (s *Server) authenticate(r *http.Request) (directory.Principal, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) == "" {
		return directory.Principal{}, unauthorized("an admin bearer token is required (Authorization: Bearer <token>)")
	}
	p, err := s.auth.Authenticate(r.Context(), strings.TrimSpace(tok))
	if errors.Is(err, directory.ErrUnauthenticated) {
		return p, unauthorized("the bearer token is invalid or revoked")
	}
	if err != nil {
		return p, err
	}
	if p.Scope != store.ScopeAdmin {
		return p, errorf(http.StatusForbidden, "the token %q has scope %q; the admin API needs a token of scope %q",
			p.TokenName, p.Scope, store.ScopeAdmin)
	}
	return p, nil
}

// Error is an error with the status and the client-safe message of its
// response.
type Error struct {
	Status  int
	Message string
	// auth marks a 401, which carries a WWW-Authenticate header.
	auth bool
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

func errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

func unauthorized(msg string) *Error {
	return &Error{Status: http.StatusUnauthorized, Message: msg, auth: true}
}

// errorBody is every error response.
type errorBody struct {
	Error string `json:"error"`
}

// writeError is the one place an error becomes a response. An error that
// is not an *Error is internal: a 500 naming only the request id, its
// cause logged with the request id.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	log := obs.Logger(r.Context(), s.log)
	if errors.Is(err, errWritten) {
		log.Warn("response not completed", "err", err)
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		log.Error("request failed", "err", err)
		e = errorf(http.StatusInternalServerError, "internal error; quote request id %s to the operator",
			obs.RequestID(r.Context()))
	} else {
		log.LogAttrs(r.Context(), slog.LevelDebug, "client error", slog.Int("status", e.Status),
			slog.String("detail", e.Message))
	}
	if e.auth {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scimd"`)
	}
	if werr := writeJSON(w, e.Status, errorBody{Error: e.Message}); werr != nil {
		log.Warn("writing error response", "err", werr)
	}
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("%w: %w", errWritten, err)
	}
	return nil
}

// errWritten marks an error after the response was started (a client gone
// away): nothing more can be written.
var errWritten = errors.New("response already started")
