package ldapsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/scimd/scimd/store"
)

// Source hashes: a user whose stored SourceHash equals the hash of what
// the directory says of it now is in step and needs no look at its stored
// document, nor even a mapping of its entry. The store clears a
// resource's hash on any change (by a SCIM client, an admin, or the sync
// itself); the sync sets it on create, and after a run finds a user in
// step without writing to it.
//
// A hash is hashPrefix, the hex raw hash of the entry (DirUser.raw: its
// requested attributes' raw values, its account state and the mapping's
// fingerprint) and, when the source owns managers, "." and the hex hash of
// the manager's DN and the scimd id it resolved to. The two parts are
// compared apart: a user whose entry is unchanged but whose manager comes
// later in the stream is known to be in step but for its manager, which is
// checked once the read is done (resolveManagers).
const hashPrefix = "r1."

const (
	rawHex     = 2 * sha256.Size
	managerHex = 32 // hex digits of the manager part
)

// userHash returns the hash of u with its manager resolved to managerID.
func (r *syncRun) userHash(u DirUser, managerID string) string {
	return r.withManager(u.raw, u.ManagerDN, managerID)
}

// withManager completes a raw hash with the user's manager (when the
// source owns managers).
func (r *syncRun) withManager(raw [sha256.Size]byte, managerDN, managerID string) string {
	n := len(hashPrefix) + rawHex
	if r.own.manager {
		n += 1 + managerHex
	}
	b := make([]byte, 0, n)
	b = append(b, hashPrefix...)
	b = hex.AppendEncode(b, raw[:])
	if r.own.manager {
		m := managerSum(managerDN, managerID)
		b = hex.AppendEncode(append(b, '.'), m[:managerHex/2])
	}
	return string(b)
}

// managerSum hashes a manager's DN and the id it resolved to.
func managerSum(managerDN, managerID string) [sha256.Size]byte {
	var buf [256]byte
	return sha256.Sum256(strconv.AppendQuote(strconv.AppendQuote(buf[:0], managerDN), managerID))
}

// rawMatches reports whether the stored hash h was made from the raw hash
// raw (whatever its manager part).
func rawMatches(h string, raw [sha256.Size]byte) bool {
	if len(h) < len(hashPrefix)+rawHex || h[:len(hashPrefix)] != hashPrefix {
		return false
	}
	var x [rawHex]byte
	hex.Encode(x[:], raw[:])
	return h[len(hashPrefix):len(hashPrefix)+rawHex] == string(x[:])
}

// managerMatches reports whether the stored hash h, whose raw part
// matches, has the manager part of managerDN resolved to managerID (or,
// when the source does not own managers, none).
func (r *syncRun) managerMatches(h, managerDN, managerID string) bool {
	rest := h[len(hashPrefix)+rawHex:]
	if !r.own.manager {
		return rest == ""
	}
	if len(rest) != 1+managerHex || rest[0] != '.' {
		return false
	}
	m := managerSum(managerDN, managerID)
	var x [managerHex]byte
	hex.Encode(x[:], m[:managerHex/2])
	return rest[1:] == string(x[:])
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
	return r.setHash(ctx, cur.ID, cur.Version, cur.SourceHash, r.userHash(u, mid))
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
