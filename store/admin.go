package store

import (
	"context"
	"time"
)

// AdminRole is what an organization admin may do (issue 6; modelled on the
// admin pages admins know).
type AdminRole string

// The admin roles, from most to least powerful.
const (
	// RoleOwner may do everything, tokens, webhooks, sync sources,
	// policies and admins included.
	RoleOwner AdminRole = "owner"
	// RoleUserAdmin manages users and teams (activate, deactivate,
	// archive, restore, import, export, approve held sync runs) but not
	// admins, tokens, webhooks or policies.
	RoleUserAdmin AdminRole = "user_admin"
	// RoleAuditor reads everything, the audit trail included, and
	// changes nothing.
	RoleAuditor AdminRole = "auditor"
)

// Rank orders roles: a higher rank may do everything a lower one may.
// Unknown roles rank 0.
func (r AdminRole) Rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleUserAdmin:
		return 2
	case RoleAuditor:
		return 1
	}
	return 0
}

// Admin is an organization's admin account.
type Admin struct {
	OrgID string
	ID    string
	Email string // unique per organization, compared after Fold
	Name  string
	Role  AdminRole
	// PasswordHash is a slow hash (bcrypt); "" means the account cannot
	// sign in with a password.
	PasswordHash string
	Disabled     bool
	Created      time.Time
	LastLogin    *time.Time
	// FailedLogins counts sign-in failures since the last success;
	// LockedUntil refuses sign-ins until then (rate limiting that holds
	// across replicas).
	FailedLogins int
	LockedUntil  *time.Time
}

// Session is a signed-in admin's browser session. Only the SHA-256 of the
// cookie's secret is stored, as ID; the cookie also names the
// organization, so sessions distribute by organization like every other
// per-organization table.
type Session struct {
	ID      string // hex SHA-256 of the cookie secret
	OrgID   string
	AdminID string
	CSRF    string // the session's CSRF token, sent back by forms and scripts
	Created time.Time
	Expires time.Time
}

// AdminStore keeps admin accounts and sessions.
type AdminStore interface {
	// CreateAdmin inserts an admin (Created defaults to now). A taken
	// email is a *UniqueError{Attr: "email"}; an unknown organization
	// ErrNotFound.
	CreateAdmin(ctx context.Context, a Admin) error
	// Admin returns one admin of the organization, or ErrNotFound.
	Admin(ctx context.Context, orgID, id string) (Admin, error)
	// AdminByEmail finds an admin by email (compared after Fold).
	AdminByEmail(ctx context.Context, orgID, email string) (Admin, error)
	// Admins lists the organization's admins by email.
	Admins(ctx context.Context, orgID string) ([]Admin, error)
	// UpdateAdmin runs fn on a private copy of the admin, with every
	// admin of the organization (as stored, the target included) in
	// all, inside one transaction that serializes with every other
	// UpdateAdmin and CreateAdmin of the organization, and stores the
	// result (Email, Name, Role, PasswordHash, Disabled, LastLogin,
	// FailedLogins, LockedUntil). An error from fn aborts it and is
	// returned as is. fn may be called more than once.
	UpdateAdmin(ctx context.Context, orgID, id string, fn func(a *Admin, all []Admin) error) (Admin, error)

	// CreateSession stores a session.
	CreateSession(ctx context.Context, s Session) error
	// Session returns a session by organization and ID, expired or
	// not, or ErrNotFound.
	Session(ctx context.Context, orgID, id string) (Session, error)
	// DeleteSession removes one session (absent: no error).
	DeleteSession(ctx context.Context, orgID, id string) error
	// DeleteSessions removes every session of one admin (sign out
	// everywhere, on disabling, demoting or a new password).
	DeleteSessions(ctx context.Context, orgID, adminID string) error
}
