package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/scim/scimerr"
	"golang.org/x/time/rate"
)

// ContentType is the media type of every response (RFC 7644 §3.1).
const ContentType = "application/scim+json; charset=utf-8"

// handlerFunc is a SCIM handler: it returns an error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p directory.Principal) error

// methods dispatches on the HTTP method; others get 405.
type methods map[string]handlerFunc

func (m methods) serve(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	if h, ok := m[r.Method]; ok {
		return h(w, r, p)
	}
	allowed := make([]string, 0, len(m))
	for _, k := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, ok := m[k]; ok {
			allowed = append(allowed, k)
		}
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	return scimerr.New(http.StatusMethodNotAllowed, "", "method %s is not allowed on %s", r.Method, r.URL.Path)
}

func get(h handlerFunc) handlerFunc { return methods{http.MethodGet: h}.serve }

func notFound(w http.ResponseWriter, r *http.Request, _ directory.Principal) error {
	return scimerr.New(http.StatusNotFound, "", "no SCIM endpoint at %s", r.URL.Path)
}

func notImplemented(w http.ResponseWriter, r *http.Request, _ directory.Principal) error {
	return scimerr.New(http.StatusNotImplemented, "", "%s is not supported by this server", r.URL.Path)
}

// route names a route for metrics and logs, authenticates, rate-limits,
// caps the request body at MaxBodyBytes, recovers panics, and turns the
// handler's error into a SCIM error response.
func (s *Server) route(name string, h handlerFunc) http.Handler {
	return s.routeLimit(name, s.cfg.MaxBodyBytes, h)
}

// routeLimit is route with another body limit (/Bulk has its own).
func (s *Server) routeLimit(name string, maxBody int64, h handlerFunc) http.Handler {
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
			err = s.limit(w, p)
		}
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			err = h(w, r, p)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate reads the bearer token: "Bearer" in any case, or the bare
// token (Okta's App Integration Wizard sends what the admin typed).
func (s *Server) authenticate(r *http.Request) (directory.Principal, error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "bearer") {
		h = strings.TrimSpace(rest)
	}
	if h == "" {
		return directory.Principal{}, errUnauthorized("a bearer token is required")
	}
	p, err := s.dir.Authenticate(r.Context(), h)
	if errors.Is(err, directory.ErrUnauthenticated) {
		return p, errUnauthorized("the bearer token is invalid or revoked")
	}
	return p, err
}

// unauthorized marks a 401, which also carries a WWW-Authenticate header.
type unauthorized struct{ err *scimerr.Error }

func (u unauthorized) Error() string { return u.err.Error() }
func (u unauthorized) Unwrap() error { return u.err }

func errUnauthorized(detail string) error {
	return unauthorized{scimerr.New(http.StatusUnauthorized, "", "%s", detail)}
}

func (s *Server) limit(w http.ResponseWriter, p directory.Principal) error {
	if s.cfg.RateLimit <= 0 {
		return nil
	}
	s.mu.Lock()
	l, ok := s.limiters[p.TokenID]
	if !ok {
		l = rate.NewLimiter(rate.Limit(s.cfg.RateLimit), s.cfg.RateBurst)
		s.limiters[p.TokenID] = l
	}
	s.mu.Unlock()
	res := l.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		w.Header().Set("Retry-After", strconv.Itoa(int(d/time.Second)+1))
		return scimerr.New(http.StatusTooManyRequests, "", "rate limit exceeded; retry later")
	}
	return nil
}

// writeJSON writes v as the response with the SCIM media type.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	if err != nil {
		return errWritten
	}
	return nil
}

// errWritten marks an error after the response was started (a client gone
// away): it is logged, not answered.
var errWritten = errors.New("response already written")

// decodeJSON reads a JSON object body, keeping numbers as json.Number.
func decodeJSON(r *http.Request) (map[string]any, error) {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bodyError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "the request body has data after the JSON document")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "the request body must be a JSON object")
	}
	return m, nil
}

// bodyError turns a body decoding error into a client error.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return scimerr.New(http.StatusRequestEntityTooLarge, "", "the request body exceeds %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return scimerr.BadRequest(scimerr.InvalidSyntax, "the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return scimerr.BadRequest(scimerr.InvalidSyntax, "the request body is truncated JSON")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return scimerr.BadRequest(scimerr.InvalidSyntax, "the request body is not valid JSON (at byte %d)", se.Offset)
	}
	var ue *json.UnmarshalTypeError
	if errors.As(err, &ue) {
		return scimerr.BadRequest(scimerr.InvalidSyntax, "the request body has a JSON value of the wrong type")
	}
	return fmt.Errorf("reading request body: %w", err)
}

// baseURL is the absolute URL of the SCIM base path for links.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/") + s.cfg.BasePath
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + s.cfg.BasePath
}
