package directory

import (
	"context"
	"strings"

	"github.com/scimd/scimd/store"
)

// Directory sync rules (LDAP and Active Directory sources): the owning
// source of what a sync writes, the reasons it records when it makes a
// user inactive, and which inactive users it may bring back.

// Why a directory sync made a user inactive.
const (
	ReasonLeft     = "ldap_left"     // no longer returned by a complete read of the directory
	ReasonDisabled = "ldap_disabled" // disabled in the directory (AD ACCOUNTDISABLE, nsAccountLock)
	ReasonExpired  = "ldap_expired"  // expired in the directory (AD accountExpires)
)

// sourcePrefix starts the owning source of every directory-synced object.
const sourcePrefix = "ldap:"

// DirectorySource is the owning source of the objects a directory source
// named name creates: "ldap:<name>".
func DirectorySource(name string) string { return sourcePrefix + name }

// IsDirectorySource reports whether src is a directory sync's source.
func IsDirectorySource(src string) bool { return strings.HasPrefix(src, sourcePrefix) }

// IsSyncReason reports whether reason is one a directory sync records.
// Only a user made inactive for such a reason may be reactivated by a
// sync; a user deactivated by an admin or by the identity provider stays
// inactive whatever the directory says.
func IsSyncReason(reason string) bool {
	switch reason {
	case ReasonLeft, ReasonDisabled, ReasonExpired:
		return true
	}
	return false
}

// Adoptable reports whether a directory source configured to adopt
// existing users may take over a user owned by owner: users created by
// SCIM, an admin or an import may be adopted; another directory source's
// never are.
func Adoptable(owner string) bool { return !IsDirectorySource(owner) }

// batchCreator is implemented by stores that insert many resources in one
// transaction (sqlstore.Store.CreateMany).
type batchCreator interface {
	CreateMany(ctx context.Context, rs []store.Resource) error
}

// CreateMany stores new users or groups (without members) owned by the
// actor's source, as Create does for each: in one transaction, all or
// nothing, when the store can (a taken name fails the whole batch, untold
// which; create them one by one then to tell), else one by one, stopping
// at the first error. An inactive resource keeps its InactiveReason when
// set, else gets the actor's.
func (s *Service) CreateMany(ctx context.Context, a Actor, rs []store.Resource) error {
	w, p, err := s.writer(ctx, a)
	if err != nil {
		return err
	}
	for i := range rs {
		a.prepare(&rs[i])
		if err := checkCatalogues(p, &rs[i], nil); err != nil {
			return err
		}
	}
	if bc, ok := w.(batchCreator); ok {
		return bc.CreateMany(ctx, rs)
	}
	for _, r := range rs {
		if _, err := w.Create(ctx, r, nil); err != nil {
			return err
		}
	}
	return nil
}
