package scim

import (
	"context"
	"net/http"

	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// Circular references (RFC 7644 §3.7.1: "The service provider MUST try to
// resolve circular cross-references between resources in a single bulk
// job but MAY stop after a failed attempt and instead return HTTP status
// code 409 (Conflict)").
//
// When every pending operation waits for another, the lowest-index POST
// on a cycle is broken: the top-level attributes of its data that
// reference resources not yet created are held back, the resource is
// created without them, and once the referenced resources exist a PATCH
// (an "add" without a path, through the PATCH handler) puts them in. Its
// result is the POST's 201 with the version after that PATCH. If the PATCH
// cannot be made (a referenced operation failed, or the PATCH fails), the
// resource is removed again as a DELETE would (archived) and the POST is
// reported failed: a failed operation leaves nothing visible behind.
//
// New groups whose members would, through bulkIds, make a group a member
// of itself are a cycle no order can resolve: teams cannot form cycles
// (DESIGN.md §3). Those POSTs fail with 409 before anything is written.

// membershipCycles fails with 409 every group POST that the members of
// new groups, through bulkIds, would make a member of itself.
func (b *bulkRun) membershipCycles() {
	edges := map[*bulkOp][]*bulkOp{}
	for _, op := range b.ops {
		if !b.groupPost(op) {
			continue
		}
		m, _ := op.data.(map[string]any)
		v, _ := schema.Field(m, "members")
		list, _ := v.([]any)
		for _, e := range list {
			em, _ := e.(map[string]any)
			val, _ := schema.Field(em, "value")
			s, _ := val.(string)
			if ref, ok := wholeRef(s); ok {
				if t := b.byID[ref]; t != nil && b.groupPost(t) {
					edges[op] = append(edges[op], t)
				}
			}
		}
	}
	var doomed []*bulkOp
	for _, op := range b.ops {
		if reaches(edges, op) {
			doomed = append(doomed, op)
		}
	}
	for _, op := range doomed {
		op.invalid = scimerr.New(http.StatusConflict, scimerr.InvalidValue,
			"Operations[%d]: through bulkId references, the members of the new groups would make this group a member of itself; "+
				"groups cannot contain each other in a cycle, so these circular references cannot be resolved", op.index)
	}
}

// groupPost reports whether op is a well-formed POST to /Groups.
func (b *bulkRun) groupPost(op *bulkOp) bool {
	if op.invalid != nil || op.method != http.MethodPost {
		return false
	}
	t, err := b.resolveTarget(op.path)
	return err == nil && t.endpoint == "/Groups" && t.id == ""
}

// reaches reports whether from is on a cycle of edges.
func reaches(edges map[*bulkOp][]*bulkOp, from *bulkOp) bool {
	seen := map[*bulkOp]bool{}
	stack := append([]*bulkOp(nil), edges[from]...)
	for len(stack) > 0 {
		o := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if o == from {
			return true
		}
		if !seen[o] {
			seen[o] = true
			stack = append(stack, edges[o]...)
		}
	}
	return false
}

// breakCycle picks the lowest-index pending POST on a cycle of operations
// waiting for each other and holds back the top-level attributes of its
// data that reference resources not yet created. nil when there is none.
func (b *bulkRun) breakCycle() *bulkOp {
	edges := b.waitEdges()
	for _, op := range b.ops[b.next:] {
		if op.state != opPending || op.invalid != nil || op.method != http.MethodPost {
			continue
		}
		m, ok := op.data.(map[string]any)
		if !ok || !reaches(edges, op) {
			continue
		}
		held := map[string]any{}
		for k, v := range m {
			if b.unresolved(v) {
				held[k] = v
			}
		}
		if len(held) > 0 {
			op.deferred = held
			return op
		}
	}
	return nil
}

// waitEdges links each pending operation to the pending operations whose
// resources it waits for.
func (b *bulkRun) waitEdges() map[*bulkOp][]*bulkOp {
	edges := map[*bulkOp][]*bulkOp{}
	for _, op := range b.ops[b.next:] {
		if op.state != opPending {
			continue
		}
		for _, ref := range op.refs {
			if t := b.byID[ref]; t != nil && t.state == opPending {
				edges[op] = append(edges[op], t)
			}
		}
	}
	return edges
}

// unresolved reports whether v references a resource not yet created.
func (b *bulkRun) unresolved(v any) bool {
	for _, ref := range bulkRefs("", v, b.byID) {
		if t := b.byID[ref]; t != nil && t.id == "" {
			return true
		}
	}
	return false
}

// completeCreated adds the held-back references of the first created
// operation that can take them, and reports whether it did something. With
// final (the job is ending), a created operation that still waits is
// removed and failed instead.
func (b *bulkRun) completeCreated(ctx context.Context, final bool) bool {
	for _, op := range b.ops {
		if op.state != opCreated {
			continue
		}
		refs := bulkRefs("", op.deferred, b.byID)
		if err := b.refError(op.index, refs); err != nil {
			b.undo(ctx, op, b.errorResult(err))
			return true
		}
		waits := false
		for _, ref := range refs {
			waits = waits || b.byID[ref].id == ""
		}
		if waits && !final {
			continue
		}
		if waits {
			b.undo(ctx, op, b.errorResult(scimerr.New(http.StatusConflict, scimerr.InvalidValue,
				"Operations[%d]: the bulk job ended before its circular bulkId references could be resolved", op.index)))
			return true
		}
		body := map[string]any{
			"schemas":    []any{schema.PatchOpURN},
			"Operations": []any{map[string]any{"op": "add", "value": resolveRefs(op.deferred, b.byID)}},
		}
		res := b.exec(ctx, http.MethodPatch, op.target, body, true, "")
		if res.failed() {
			b.undo(ctx, op, res)
			return true
		}
		op.state = opDone
		op.result.Version = res.etag
		return true
	}
	return false
}

// undo removes a resource created with held-back references (archived,
// answering 404 from then on, whatever the organization's delete policy:
// the job created it, so it must not stay behind) and fails its operation
// with res.
func (b *bulkRun) undo(ctx context.Context, op *bulkOp, res subResult) {
	if err := b.s.dir.Archive(ctx, b.p.Actor(), op.target.kind, op.target.id, nil); err != nil {
		obs.Logger(ctx, b.s.log).Error("bulk: removing a resource whose circular references failed",
			"id", op.id, "err", err)
	}
	if res.body != nil {
		res.body.Detail = "the resource was created, then removed because its circular references could not be added: " + res.body.Detail
	}
	b.fail(op, res)
}
