package scim

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// Bulk operations (RFC 7644 §3.7).
//
// POST /Bulk carries a list of POST, PUT, PATCH and DELETE operations on
// /Users and /Groups. Each operation is served as an in-process
// sub-request by the same resourceHandler method as the standalone
// endpoint, with the bulk request's principal, so every rule (input
// normalization, uniqueness, membership checks, ETags, organization
// scoping) applies identically, and each operation is one store
// transaction: a failed operation writes nothing.
//
// "bulkId:<id>" strings in an operation's path and data are replaced by
// the id of the resource the POST operation with that bulkId created
// (§3.7.2). Operations run in request order except that one waits for the
// operations whose bulkIds it references (see bulkRun). Circular
// references are resolved as §3.7.1 asks (see bulk_cycles.go). Results are
// reported in request order; failOnErrors stops the job after that many
// errors, and operations not performed are not reported (§3.7.3). The
// limits of §3.7.4 give 413.

// bulkRequest is a decoded BulkRequest.
type bulkRequest struct {
	failOnErrors int // 0: no limit
	ops          []*bulkOp
}

// bulkResult is one element of a BulkResponse's Operations (RFC 7644
// §3.7.3); status is a string, response is the §3.12 error body of a
// failed operation (a successful one omits it, as §3.7 allows).
type bulkResult struct {
	Method   string     `json:"method"`
	BulkID   string     `json:"bulkId,omitempty"`
	Version  string     `json:"version,omitempty"`
	Location string     `json:"location,omitempty"`
	Status   string     `json:"status"`
	Response *errorBody `json:"response,omitempty"`
}

type bulkResponse struct {
	Schemas    []string     `json:"schemas"`
	Operations []bulkResult `json:"Operations"`
}

// bulk serves POST /Bulk (RFC 7644 §3.7). The job answers 200 whatever
// its operations' outcomes; each result carries its own status.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
	req, err := s.readBulk(r)
	if err != nil {
		return err
	}
	run := newBulkRun(s, r, p, req)
	if err := run.run(r.Context()); err != nil {
		return err
	}
	resp := run.response()
	obs.Logger(r.Context(), s.log).LogAttrs(r.Context(), slog.LevelDebug, "bulk done",
		slog.Int("operations", len(req.ops)), slog.Int("performed", len(resp.Operations)),
		slog.Int("errors", run.errors))
	return writeJSON(w, http.StatusOK, resp)
}

// readBulk decodes and checks a BulkRequest. Member names are matched
// case-insensitively. What makes the whole request unusable is a 400 (a
// body that is not a BulkRequest, a bulkId used twice) or a 413 (a limit
// of §3.7.4); a malformed operation only fails that operation.
func (s *Server) readBulk(r *http.Request) (bulkRequest, error) {
	var req bulkRequest
	body, err := decodeJSON(r)
	if se, ok := scimerr.As(err); ok && se.Status == http.StatusRequestEntityTooLarge {
		return req, scimerr.New(http.StatusRequestEntityTooLarge, "",
			"the bulk request exceeds maxPayloadSize (%d bytes)", s.cfg.BulkMaxPayloadBytes)
	}
	if err != nil {
		return req, err
	}
	if v, ok := schema.Field(body, "schemas"); ok && v != nil {
		list, isList := v.([]any)
		if !isList || (len(list) > 0 && !bulkListHas(list, schema.BulkRequestURN)) {
			return req, scimerr.BadRequest(scimerr.InvalidSyntax, `"schemas" must contain %q`, schema.BulkRequestURN)
		}
	}
	if req.failOnErrors, err = failOnErrors(body); err != nil {
		return req, err
	}
	v, _ := schema.Field(body, "Operations")
	list, ok := v.([]any)
	if !ok {
		return req, scimerr.BadRequest(scimerr.InvalidSyntax, `the request body has no "Operations" array`)
	}
	if len(list) > s.cfg.BulkMaxOperations {
		return req, scimerr.New(http.StatusRequestEntityTooLarge, "",
			"the bulk request has %d operations, more than maxOperations (%d)", len(list), s.cfg.BulkMaxOperations)
	}
	req.ops = make([]*bulkOp, len(list))
	seen := make(map[string]int, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return req, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d] must be an object", i)
		}
		op := readBulkOp(i, m)
		if op.method == http.MethodPost && op.bulkID != "" {
			if j, dup := seen[op.bulkID]; dup {
				return req, scimerr.BadRequest(scimerr.InvalidValue,
					"Operations[%d] and Operations[%d] both use bulkId %q; a bulkId must be unique within a bulk request", j, i, op.bulkID)
			}
			seen[op.bulkID] = i
		}
		req.ops[i] = op
	}
	return req, nil
}

// failOnErrors reads the optional failOnErrors (a count of errors; 0 or
// absent: no limit). A string of digits is accepted.
func failOnErrors(body map[string]any) (int, error) {
	v, ok := schema.Field(body, "failOnErrors")
	if !ok || v == nil {
		return 0, nil
	}
	var text string
	switch x := v.(type) {
	case interface{ String() string }: // json.Number
		text = x.String()
	case string:
		text = strings.TrimSpace(x)
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		return 0, scimerr.BadRequest(scimerr.InvalidValue, "failOnErrors must be a non-negative integer")
	}
	return n, nil
}

// readBulkOp takes apart one operation. A malformed one is kept, failed
// with a 400 when its turn comes.
func readBulkOp(i int, m map[string]any) *bulkOp {
	op := &bulkOp{index: i}
	str := func(name string) (string, bool) {
		v, ok := schema.Field(m, name)
		if !ok || v == nil {
			return "", true
		}
		s, ok := v.(string)
		return s, ok
	}
	method, okM := str("method")
	op.method = strings.ToUpper(strings.TrimSpace(method))
	bulkID, okB := str("bulkId")
	op.bulkID = bulkID
	var okV, okP bool
	op.version, okV = str("version")
	op.path, okP = str("path")
	op.data, op.hasData = schema.Field(m, "data")
	switch {
	case !okM || !okB || !okV || !okP:
		op.invalid = scimerr.BadRequest(scimerr.InvalidSyntax,
			"Operations[%d]: method, bulkId, version and path must be strings", i)
	case op.method != http.MethodPost && op.method != http.MethodPut &&
		op.method != http.MethodPatch && op.method != http.MethodDelete:
		op.invalid = scimerr.BadRequest(scimerr.InvalidValue,
			"Operations[%d]: method must be POST, PUT, PATCH or DELETE, not %q", i, method)
	case strings.TrimSpace(op.path) == "":
		op.invalid = scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d] has no path", i)
	}
	return op
}

func bulkListHas(list []any, want string) bool {
	for _, v := range list {
		if s, ok := v.(string); ok && strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}
