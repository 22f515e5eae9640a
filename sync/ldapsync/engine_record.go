package ldapsync

import (
	"context"
	"fmt"
	"maps"

	"github.com/scimd/scimd/store"
)

// recorder numbers a run's changes, writes them in batches and counts
// them by kind and by state.
type recorder struct {
	st           store.Store
	orgID, runID string
	batch        int
	seq          int
	buf          []store.SyncChange
	counts       map[string]int
	// onAdd, if set, sees every change as it is recorded (metrics).
	onAdd func(c *change)
}

func newRecorder(st store.Store, orgID, runID string, batch int) *recorder {
	return &recorder{st: st, orgID: orgID, runID: runID, batch: batch, counts: map[string]int{}}
}

// startAt continues the numbering after seq (the changes a run already has).
func (rc *recorder) startAt(seq int) { rc.seq = seq }

// add records c (numbering it), writing a batch when one is full.
func (rc *recorder) add(ctx context.Context, c *change) error {
	rc.seq++
	c.seq = rc.seq
	rc.counts[c.kind]++
	if c.state != store.ChangeApplied {
		rc.counts[c.state]++
	}
	if rc.onAdd != nil {
		rc.onAdd(c)
	}
	sc, err := c.record(rc.orgID, rc.runID)
	if err != nil {
		return err
	}
	rc.buf = append(rc.buf, sc)
	if len(rc.buf) >= rc.batch {
		return rc.flush(ctx)
	}
	return nil
}

// flush writes the buffered changes.
func (rc *recorder) flush(ctx context.Context) error {
	if len(rc.buf) == 0 {
		return nil
	}
	if err := rc.st.AddSyncChanges(ctx, rc.buf); err != nil {
		return fmt.Errorf("recording %d changes: %w", len(rc.buf), err)
	}
	rc.buf = rc.buf[:0]
	return nil
}

// snapshot returns the counts so far.
func (rc *recorder) snapshot() map[string]int { return maps.Clone(rc.counts) }

// total is the number of changes recorded.
func (rc *recorder) total() int { return rc.seq }
