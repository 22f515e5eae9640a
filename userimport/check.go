package userimport

import (
	"fmt"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
)

// The checks a dry run makes in place of the writes: the same rules
// package directory enforces on a write (role and entitlement catalogues,
// immutable attributes, the seat limit), on the row's document. A real
// run leaves them to directory.

// check tests a user's next document against the policy, with the rules
// package directory applies to a write (directory.CheckUser); before is
// the stored user (nil for a new one). It counts the seat the user would
// take.
func (im *importer) check(before *store.Resource, doc map[string]any) error {
	after := &store.Resource{Kind: store.KindUser, Attrs: doc}
	after.Active, _ = doc["active"].(bool)
	if err := directory.CheckUser(im.pol, before, after); err != nil {
		return err
	}
	delta := im.seat(after) - im.seat(before)
	if delta > 0 && im.pol.SeatLimit > 0 && im.seats+delta > im.pol.SeatLimit {
		return &directory.PolicyError{Type: directory.PolicySeatLimit, Msg: fmt.Sprintf(
			"seat limit reached: %d of %d seats are in use; deactivate a user or raise the limit", im.seats, im.pol.SeatLimit)}
	}
	im.seats += delta
	return nil
}

// seat is 1 when r takes a seat: an active internal user.
func (im *importer) seat(r *store.Resource) int {
	if directory.UsesSeat(im.pol, r) {
		return 1
	}
	return 0
}

// planned is what a dry run remembers of a user an earlier row would
// write, so that a later row of the same user is checked against it
// rather than the database: the parts of its document the policy looks
// at (active, userType, the attributes holding immutable ones).
type planned struct {
	id   string // "" for a user the dry run would create
	line int
	doc  map[string]any
}

// key is the row's match key.
func (im *importer) key(r row) string {
	if im.opt.Match == MatchExternalID {
		return "x:" + r.externalID
	}
	return "u:" + fold(r.userName)
}

// plan remembers, in a dry run, the user a row would write.
func (im *importer) plan(r row, res *Result, doc map[string]any) {
	keep := map[string]any{}
	for k, v := range doc {
		switch {
		case k == "active" || k == "userType":
			keep[k] = v
		default:
			for _, name := range im.pol.Immutable {
				if _, ok := directory.Attr(map[string]any{k: v}, name); ok {
					keep[k] = v
				}
			}
		}
	}
	im.planned[im.key(r)] = &planned{id: res.ID, line: res.Line, doc: keep}
}

// replay checks a row of a user an earlier row of a dry run would write.
// It cannot tell "unchanged" from "updated": it says updated.
func (im *importer) replay(r row, p *planned, managerID string, res *Result) error {
	next := merge(p.doc, r.part, managerID)
	before := &store.Resource{Kind: store.KindUser, Attrs: p.doc}
	before.Active, _ = p.doc["active"].(bool)
	if err := im.check(before, next); err != nil {
		return err
	}
	res.ID, res.Status = p.id, Updated
	res.Notes = append(res.Notes, fmt.Sprintf("line %d writes the user too", p.line))
	im.plan(r, res, next)
	return nil
}
