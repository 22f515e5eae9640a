package scim

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// errorBody is the RFC 7644 §3.12 error response; status is a string.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// toSCIM maps any error to the SCIM error the client sees. Unknown errors
// become a 500 whose detail names only the request id.
func toSCIM(err error, requestID string) (e *scimerr.Error, internal bool) {
	if se, ok := scimerr.As(err); ok {
		return se, false
	}
	var ue *store.UniqueError
	var re *store.ReferenceError
	var pe *directory.PolicyError
	switch {
	case errors.As(err, &pe):
		return policyError(pe), false
	case errors.As(err, &ue):
		return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "%s", ue.Error()), false
	case errors.Is(err, store.ErrConflict):
		return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "a unique attribute is already taken"), false
	case errors.As(err, &re):
		return scimerr.BadRequest(scimerr.InvalidValue, "%s", re.Error()), false
	case errors.Is(err, store.ErrNotFound):
		return scimerr.New(http.StatusNotFound, "", "resource not found"), false
	case errors.Is(err, store.ErrPreconditionFailed):
		return scimerr.New(http.StatusPreconditionFailed, "", "the resource has changed: its version does not match If-Match"), false
	}
	return scimerr.New(http.StatusInternalServerError, "",
		"internal error; quote request id %s to the operator", requestID), true
}

// policyError maps a write the organization's policy refuses (RFC 7644
// §3.12): a value outside a catalogue is 400 invalidValue, a change of an
// attribute declared immutable 400 mutability, and the seat limit 403 (the
// server understood the request and refuses it; no scimType fits). The
// policy's text is written for clients: it names the allowed values, or
// the limit and the count.
func policyError(pe *directory.PolicyError) *scimerr.Error {
	switch pe.Type {
	case directory.PolicyInvalidValue:
		return scimerr.BadRequest(scimerr.InvalidValue, "%s", pe.Msg)
	case directory.PolicyMutability:
		return scimerr.BadRequest(scimerr.Mutability, "%s", pe.Msg)
	case directory.PolicySeatLimit:
		return scimerr.New(http.StatusForbidden, "", "%s", pe.Msg)
	}
	return scimerr.BadRequest("", "%s", pe.Msg)
}

// writeError is the one place an error becomes a response. The cause of a
// 500 goes to the log with the request id, never to the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	log := obs.Logger(r.Context(), s.log)
	if errors.Is(err, errWritten) {
		log.Warn("response not completed", "err", err)
		return
	}
	var ua unauthorized
	if errors.As(err, &ua) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scimd"`)
	}
	se, internal := toSCIM(err, obs.RequestID(r.Context()))
	if internal {
		log.Error("request failed", "err", err)
	} else {
		log.LogAttrs(r.Context(), slog.LevelDebug, "client error", slog.Int("status", se.Status),
			slog.String("scim_type", se.Type), slog.String("detail", se.Detail))
	}
	body := errorBody{
		Schemas:  []string{schema.ErrorURN},
		Status:   itoa(se.Status),
		ScimType: se.Type,
		Detail:   se.Detail,
	}
	if werr := writeJSON(w, se.Status, body); werr != nil {
		log.Warn("writing error response", "err", werr)
	}
}
