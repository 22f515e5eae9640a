package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/adminauth"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// Error is an error with the status and the client-safe message of its
// response.
type Error struct {
	Status  int
	Message string
	// auth marks a 401, which carries a WWW-Authenticate header.
	auth bool
	// retryAfter, when set, is sent as Retry-After (a 429).
	retryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

func errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

func unauthorized(msg string) *Error {
	return &Error{Status: http.StatusUnauthorized, Message: msg, auth: true}
}

// notFound turns the store's ErrNotFound into a 404 saying what was not
// found; other errors pass.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, format, args...)
	}
	return err
}

// errorBody is every error response.
type errorBody struct {
	Error string `json:"error"`
}

// classify maps an error to its response: an *Error as it is, the
// directory's and the store's client errors to their status with their
// (client-safe) text, and anything else to nil (internal).
func classify(err error) *Error {
	var (
		e      *Error
		locked *directory.ErrLocked
		adm    *directory.AdminError
		pol    *directory.PolicyError
		uniq   *store.UniqueError
		ref    *store.ReferenceError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &locked):
		return &Error{Status: http.StatusTooManyRequests, Message: locked.Error(), retryAfter: time.Until(locked.Until)}
	case errors.Is(err, directory.ErrBadCredentials):
		return errorf(http.StatusUnauthorized, "%s", err.Error())
	case errors.Is(err, directory.ErrUnauthenticated):
		return unauthorized("not signed in, or the token is invalid or revoked")
	case errors.Is(err, adminauth.ErrCSRF):
		return errorf(http.StatusForbidden, "%s (send the csrf value of POST /api/v1/session or GET /api/v1/me as the %s header)",
			err.Error(), adminauth.CSRFHeader)
	case errors.As(err, &adm):
		switch {
		case adm.Forbidden:
			return errorf(http.StatusForbidden, "%s", adm.Msg)
		case adm.Conflict:
			return errorf(http.StatusConflict, "%s", adm.Msg)
		}
		return errorf(http.StatusBadRequest, "%s", adm.Msg)
	case errors.As(err, &pol):
		if pol.Type == directory.PolicySeatLimit {
			return errorf(http.StatusForbidden, "%s", pol.Msg)
		}
		return errorf(http.StatusBadRequest, "%s", pol.Msg)
	case errors.As(err, &uniq):
		return errorf(http.StatusConflict, "%s", uniq.Error())
	case errors.As(err, &ref):
		return errorf(http.StatusBadRequest, "%s", ref.Error())
	case errors.Is(err, directory.ErrStillActive):
		return errorf(http.StatusConflict, "%s", err.Error())
	case errors.As(err, &tooBig):
		return errorf(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, ldapsync.ErrUnknownSource):
		return errorf(http.StatusNotFound, "%s", err.Error())
	case errors.Is(err, ldapsync.ErrLocked), errors.Is(err, ldapsync.ErrNotHeld):
		return errorf(http.StatusConflict, "%s", err.Error())
	}
	return nil
}

// writeError is the one place an error becomes a response. An error that
// classify does not know is internal: a 500 naming only the request id,
// its cause logged with the request id.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	log := obs.Logger(r.Context(), s.log)
	if errors.Is(err, errAborted) { // cut the connection, so the client sees a broken download
		log.Error("response aborted", "err", err)
		panic(http.ErrAbortHandler)
	}
	if errors.Is(err, errWritten) {
		log.Warn("response not completed", "err", err)
		return
	}
	e := s.response(r, err)
	if e.auth {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scimd"`)
	}
	if e.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(e.retryAfter, time.Second).Seconds()))))
	}
	if werr := writeJSON(w, e.Status, errorBody{Error: e.Message}); werr != nil {
		log.Warn("writing error response", "err", werr)
	}
}

// response is the status and client-safe message of err, logged: a
// client error at debug level, an internal one (a 500 naming only the
// request id) with its cause.
func (s *Server) response(r *http.Request, err error) *Error {
	log := obs.Logger(r.Context(), s.log)
	e := classify(err)
	if e == nil {
		log.Error("request failed", "err", err)
		return errorf(http.StatusInternalServerError, "internal error; quote request id %s to the operator",
			obs.RequestID(r.Context()))
	}
	log.LogAttrs(r.Context(), slog.LevelDebug, "client error", slog.Int("status", e.Status),
		slog.String("detail", e.Message))
	return e
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

// noContent answers 204.
func noContent(w http.ResponseWriter) error {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// errWritten marks an error after the response was started (a client gone
// away): nothing more can be written.
var errWritten = errors.New("response already started")

// errAborted marks a failure in the middle of a streamed response: the
// connection is cut so that the client cannot take it for complete.
var errAborted = errors.New("streamed response failed")

// readJSON decodes the request's JSON object into v: the body must be
// application/json (so that a cross-site form cannot send it), one
// object, with known fields only. An empty body is an error unless
// optional, when v is left as it is.
func readJSON(r *http.Request, v any, optional bool) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // a *http.MaxBytesError is a 413
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if optional {
			return nil
		}
		return errorf(http.StatusBadRequest, "the request needs a JSON body")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, "send the body as Content-Type: application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "the body is not the JSON this endpoint takes: %s", jsonProblem(err))
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "the body has data after its JSON object")
	}
	return nil
}

// jsonProblem describes a decoding error without Go type names.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type (got a JSON %s)", te.Field, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// authenticate resolves the request's admin with adminauth, and says why
// when it cannot: no credentials, a malformed or unknown token, a token of
// another scope (403), an ended session.
func (s *Server) authenticate(r *http.Request) (directory.AdminPrincipal, error) {
	p, err := adminauth.Authenticate(r.Context(), s.dir, r)
	if err == nil || !errors.Is(err, directory.ErrUnauthenticated) {
		return p, err
	}
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		tok = strings.TrimSpace(tok)
		if !strings.EqualFold(scheme, "bearer") || tok == "" {
			return p, unauthorized("an admin token is required (Authorization: Bearer <token>), or sign in with POST /api/v1/session")
		}
		if sp, aerr := s.dir.Authenticate(r.Context(), tok); aerr == nil && sp.Scope != store.ScopeAdmin {
			return p, errorf(http.StatusForbidden, "the token %q has scope %q; the admin API needs a token of scope %q",
				sp.TokenName, sp.Scope, store.ScopeAdmin)
		}
		return p, unauthorized("the bearer token is invalid or revoked")
	}
	if _, cerr := r.Cookie(adminauth.CookieName); cerr == nil {
		return p, unauthorized("your session has ended (signed out, expired or disabled): sign in again")
	}
	return p, unauthorized("not signed in: sign in with POST /api/v1/session, or send an admin token (Authorization: Bearer <token>)")
}

// oneLine joins the lines of a multi-problem error (errors.Join) with
// "; ".
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }
