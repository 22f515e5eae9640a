package ldapsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/scimd/scimd/store"
)

// Source hashes: a user whose stored SourceHash equals the hash of what
// the directory says of it now is in step and needs no look at its stored
// document. The store clears a resource's hash on any change (by a SCIM
// client, an admin, or the sync itself); the sync sets it on create, and
// after a run finds a user in step without writing to it.

// userHash returns the hash of u with its manager resolved to managerID:
// of everything the sync writes of a user, and of the scope that decides
// how (the fingerprint covers the mapping).
func (r *syncRun) userHash(u DirUser, managerID string) (string, error) {
	base, err := r.baseHash(u)
	if err != nil {
		return "", err
	}
	return r.withManager(base, u.ManagerDN, managerID), nil
}

// baseHash is the part of u's hash that does not depend on resolving its
// manager.
func (r *syncRun) baseHash(u DirUser) ([sha256.Size]byte, error) {
	b, err := canonical(make([]byte, 0, 512), []any{r.rec.Fingerprint, u.SourceID, u.Disabled, u.Reason, u.Attrs})
	if err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("hashing user %q: %w", u.UserName, err)
	}
	return sha256.Sum256(b), nil
}

// withManager completes a base hash with the user's manager (when the
// source owns managers).
func (r *syncRun) withManager(base [sha256.Size]byte, managerDN, managerID string) string {
	b := base[:]
	if r.own.manager {
		b = strconv.AppendQuote(strconv.AppendQuote(b, managerDN), managerID)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonical appends an unambiguous encoding of v to b: a type tag, then
// the value; strings quoted, maps in key order, so that equal documents
// encode equally and different ones differently. Values of other types
// are encoded as JSON (encoding/json sorts map keys too).
func canonical(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, 'n'), nil
	case bool:
		if x {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case string:
		return strconv.AppendQuote(append(b, 's'), x), nil
	case float64:
		return append(strconv.AppendFloat(append(b, 'd'), x, 'g', -1, 64), ';'), nil
	case int:
		return append(strconv.AppendInt(append(b, 'i'), int64(x), 10), ';'), nil
	case []any:
		b = append(b, '[')
		for _, e := range x {
			if b, err = canonical(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for _, e := range x {
			b = strconv.AppendQuote(append(b, 's'), e)
		}
		return append(b, ']'), nil
	case map[string]any:
		b = append(b, '{')
		for _, k := range slices.Sorted(maps.Keys(x)) {
			b = strconv.AppendQuote(append(b, 's'), k)
			if b, err = canonical(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return strconv.AppendQuote(append(b, 'j'), string(j)), nil
}

// managerID resolves u's manager with the run's users and extra (DN key
// → id); ok is false when the manager's DN is not known yet.
func (r *syncRun) managerID(u DirUser, extra map[string]string) (id string, ok bool) {
	if !r.own.manager || u.ManagerDN == "" {
		return "", true
	}
	if id, ok := r.users.byDN[u.ManagerDN]; ok {
		return id, true
	}
	id, ok = extra[u.ManagerDN]
	return id, ok
}

// inStep reports whether the stored user st is known to match u: its hash
// is that of u, with u's manager resolved by the run or among the batch's
// stored users (batch: DN key → id).
func (r *syncRun) inStep(st store.SourceState, u DirUser, batch map[string]string) (bool, error) {
	if st.SourceHash == "" {
		return false, nil
	}
	mid, ok := r.managerID(u, batch)
	if !ok {
		return false, nil
	}
	h, err := r.userHash(u, mid)
	return h == st.SourceHash, err
}

// vouch records that the stored user cur matches u (nothing was changed
// or is pending for it), unless its hash already says so. A user changed
// since it was read keeps no hash.
func (r *syncRun) vouch(ctx context.Context, cur store.Resource, u DirUser) error {
	if r.dry {
		return nil
	}
	mid, ok := r.managerID(u, nil)
	if !ok {
		return nil
	}
	h, err := r.userHash(u, mid)
	if err != nil {
		return err
	}
	return r.setHash(ctx, cur.ID, cur.Version, cur.SourceHash, h)
}

// setHash sets the hash of the user id, read at version with hash old, to
// h (when it differs and the user did not change since).
func (r *syncRun) setHash(ctx context.Context, id string, version int64, old, h string) error {
	if r.dry || h == old {
		return nil
	}
	_, err := r.e.st.SetSourceHash(ctx, r.org.ID, store.KindUser, id, version, h)
	return err
}
