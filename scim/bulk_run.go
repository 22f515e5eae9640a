package scim

import (
	"context"
	"net/http"
	"strings"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// opState is where an operation is in a bulk job.
type opState int

const (
	opPending opState = iota
	// opCreated: a POST whose circular references were deferred
	// (bulk_cycles.go) created its resource; the PATCH that adds them back
	// has yet to run.
	opCreated
	opDone // performed (succeeded or failed) and reported
)

// bulkOp is one operation of a bulk job and, once performed, its result.
type bulkOp struct {
	index   int
	method  string // upper case when valid
	bulkID  string
	version string
	path    string
	data    any // as decoded (numbers are json.Number); nil when absent
	hasData bool
	// invalid fails the operation when its turn comes (malformed, or on a
	// circular group membership).
	invalid error

	refs     []string       // bulkIds the path and data reference, each once
	deferred map[string]any // top-level data attributes held back to break a cycle

	state    opState
	failed   bool
	target   bulkTarget // the resource addressed, once resolved
	id       string     // the resource's id, once known
	result   bulkResult
	location string
}

// bulkRun performs one bulk job.
type bulkRun struct {
	s      *Server
	r      *http.Request // the /Bulk request
	p      directory.Principal
	ops    []*bulkOp
	byID   map[string]*bulkOp // POST operations by bulkId
	failOn int
	errors int
	next   int // every operation below this index is no longer pending
	types  map[store.Kind]*resourceHandler
}

func newBulkRun(s *Server, r *http.Request, p directory.Principal, req bulkRequest) *bulkRun {
	b := &bulkRun{s: s, r: r, p: p, ops: req.ops, failOn: req.failOnErrors,
		byID: map[string]*bulkOp{}, types: map[store.Kind]*resourceHandler{}}
	for _, op := range b.ops {
		if op.method == http.MethodPost && op.bulkID != "" {
			b.byID[op.bulkID] = op // a malformed one fails, and so do its dependents
		}
	}
	for _, op := range b.ops {
		op.refs = bulkRefs(op.path, op.data, b.byID)
	}
	b.membershipCycles()
	return b
}

// run performs the operations: a PATCH completing a created operation
// first, then the lowest-index operation that is ready, else a cycle is
// broken. It stops when nothing is left, once failOnErrors errors happened
// (§3.7: the remaining operations are not performed), or when the request
// is cancelled. A resource created with deferred references that cannot
// be completed when the job stops is removed again.
func (b *bulkRun) run(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if b.completeCreated(ctx, false) {
			continue
		}
		var op *bulkOp
		var fail error
		if !b.stopped() {
			if op, fail = b.nextReady(); op == nil {
				op = b.breakCycle()
			}
		}
		if op == nil {
			if !b.stopped() {
				b.failStuck()
			}
			for b.completeCreated(ctx, true) {
			}
			return nil
		}
		b.perform(ctx, op, fail)
	}
}

// stopped reports whether failOnErrors errors happened.
func (b *bulkRun) stopped() bool { return b.failOn > 0 && b.errors >= b.failOn }

// nextReady returns the lowest-index pending operation that can run now,
// with the error that fails it when one of its references cannot resolve;
// nil when no pending operation is ready.
func (b *bulkRun) nextReady() (*bulkOp, error) {
	for b.next < len(b.ops) && b.ops[b.next].state != opPending {
		b.next++
	}
	for _, op := range b.ops[b.next:] {
		if op.state != opPending {
			continue
		}
		if op.invalid != nil {
			return op, op.invalid
		}
		if err := b.refError(op.index, op.refs); err != nil {
			return op, err
		}
		if !b.waiting(op) {
			return op, nil
		}
	}
	return nil, nil
}

// refError fails an operation referencing a bulkId that no POST operation
// of the job defines, or whose operation failed. RFC 7644 §3.7.1 answers
// 409 (Conflict) for references it cannot resolve; the scimType is
// invalidValue (§3.12: a value not compatible with the operation).
func (b *bulkRun) refError(index int, refs []string) error {
	for _, ref := range refs {
		t := b.byID[ref]
		switch {
		case t == nil:
			return scimerr.New(http.StatusConflict, scimerr.InvalidValue,
				"Operations[%d] references bulkId %q, which no POST operation of this bulk request defines", index, ref)
		case t.failed:
			return scimerr.New(http.StatusConflict, scimerr.InvalidValue,
				"Operations[%d] references bulkId %q, whose operation (Operations[%d]) failed", index, ref, t.index)
		}
	}
	return nil
}

// waiting reports whether an operation must wait for the operations whose
// bulkIds it references: until their resource exists, and for an
// operation that changes that resource (PUT, PATCH, DELETE), until it is
// complete.
func (b *bulkRun) waiting(op *bulkOp) bool {
	for _, ref := range op.refs {
		t := b.byID[ref]
		if t.id == "" || (t.state == opCreated && op.method != http.MethodPost) {
			return true
		}
	}
	return false
}

// perform runs one operation (or records why it cannot run).
func (b *bulkRun) perform(ctx context.Context, op *bulkOp, fail error) {
	op.state = opDone
	if fail != nil {
		b.fail(op, b.errorResult(fail))
		return
	}
	data := op.data
	if op.deferred != nil {
		m := op.data.(map[string]any)
		rest := make(map[string]any, len(m))
		for k, v := range m {
			if _, held := op.deferred[k]; !held {
				rest[k] = v
			}
		}
		data = rest
	}
	target, err := b.resolveTarget(op.path)
	if err != nil {
		b.fail(op, b.errorResult(err))
		return
	}
	op.target = target
	if op.hasData {
		data = resolveRefs(data, b.byID)
	}
	res := b.exec(ctx, op.method, target, data, op.hasData, op.version)
	op.location = res.location // a failed POST has none, see response
	if res.failed() {
		b.fail(op, res)
		return
	}
	op.id = res.id
	op.target.id = res.id
	op.result.Version = res.etag
	op.result.Status = itoa(res.status)
	if op.deferred != nil {
		op.state = opCreated
	}
}

// fail records a failed operation.
func (b *bulkRun) fail(op *bulkOp, res subResult) {
	op.failed = true
	op.state = opDone
	op.result.Version = ""
	op.result.Status = itoa(res.status)
	op.result.Response = res.body
	b.errors++
}

// errorResult turns an error that fails an operation before it reaches a
// handler into its result, through the one error writer.
func (b *bulkRun) errorResult(err error) subResult {
	rec := newBulkRecorder()
	b.s.writeError(rec, b.r, err)
	return rec.result()
}

// failStuck fails what is left when nothing can run and no cycle can be
// broken (references that cannot be resolved, §3.7.1: 409).
func (b *bulkRun) failStuck() {
	for _, op := range b.ops {
		if op.state != opPending {
			continue
		}
		err := scimerr.New(http.StatusConflict, scimerr.InvalidValue,
			"Operations[%d] has circular bulkId references that could not be resolved", op.index)
		b.fail(op, b.errorResult(err))
	}
}

// response lists the performed operations in request order (§3.7.3).
func (b *bulkRun) response() bulkResponse {
	out := bulkResponse{Schemas: []string{schema.BulkResponseURN}, Operations: []bulkResult{}}
	for _, op := range b.ops {
		if op.state != opDone {
			continue
		}
		res := op.result
		res.Method = op.method
		res.BulkID = op.bulkID
		res.Location = op.location
		if op.failed && op.method == http.MethodPost {
			res.Location = "" // §3.7.3: a failed POST has no location
		}
		out.Operations = append(out.Operations, res)
	}
	return out
}

// bulkRefs lists the bulkIds an operation references: every path segment
// and every string of data that is "bulkId:<id>", and, inside longer
// strings (a PATCH filter, a $ref URL), "bulkId:<id>" for a bulkId the job
// defines.
func bulkRefs(path string, data any, known map[string]*bulkOp) []string {
	var refs []string
	add := func(id string) {
		for _, r := range refs {
			if r == id {
				return
			}
		}
		refs = append(refs, id)
	}
	p, _, _ := strings.Cut(path, "?")
	for _, seg := range strings.Split(p, "/") {
		if id, ok := wholeRef(seg); ok {
			add(id)
		}
	}
	walkStrings(data, func(s string) {
		if id, ok := wholeRef(s); ok {
			add(id)
			return
		}
		embeddedRefs(s, known, func(id string, _, _ int) { add(id) })
	})
	return refs
}

const refPrefix = "bulkId:"

// wholeRef reports whether s is "bulkId:<id>" (the prefix in any case).
func wholeRef(s string) (string, bool) {
	if len(s) > len(refPrefix) && strings.EqualFold(s[:len(refPrefix)], refPrefix) {
		return s[len(refPrefix):], true
	}
	return "", false
}

// embeddedRefs calls fn for each "bulkId:<id>" inside s whose id is known
// and followed by a character that cannot continue an id, with its byte
// range; the longest such id wins.
func embeddedRefs(s string, known map[string]*bulkOp, fn func(id string, start, end int)) {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "bulkid:") {
		return
	}
	for i := 0; i+len(refPrefix) < len(s); {
		j := strings.Index(lower[i:], "bulkid:")
		if j < 0 {
			return
		}
		start := i + j
		rest := s[start+len(refPrefix):]
		best := ""
		for id := range known {
			if len(id) > len(best) && strings.HasPrefix(rest, id) && !idChar(rest, len(id)) {
				best = id
			}
		}
		if best == "" {
			i = start + len(refPrefix)
			continue
		}
		end := start + len(refPrefix) + len(best)
		fn(best, start, end)
		i = end
	}
}

// idChar reports whether s[i] is a letter, digit, '-' or '_'.
func idChar(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '-' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// walkStrings calls fn on every string inside v.
func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	}
}

// resolveRefs returns a copy of v with each reference to a created
// resource replaced by its id (§3.7.2: "The service provider MUST replace
// the string "bulkId:qwerty" with the permanent resource id once
// created"). References still unresolved are left as written.
func resolveRefs(v any, byID map[string]*bulkOp) any {
	switch x := v.(type) {
	case string:
		return resolveString(x, byID)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolveRefs(e, byID)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = resolveRefs(e, byID)
		}
		return out
	}
	return v
}

func resolveString(s string, byID map[string]*bulkOp) string {
	if id, ok := wholeRef(s); ok {
		if t := byID[id]; t != nil && t.id != "" {
			return t.id
		}
		return s
	}
	var sb strings.Builder
	last := 0
	embeddedRefs(s, byID, func(id string, start, end int) {
		if t := byID[id]; t.id != "" {
			sb.WriteString(s[last:start])
			sb.WriteString(t.id)
			last = end
		}
	})
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}
