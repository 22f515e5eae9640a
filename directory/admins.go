package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// Admin accounts (the console and /api/v1): roles, the rules on who may
// change whom, sign-in with rate limiting, and sessions.

// AdminPrincipal is a signed-in admin, or an admin-scope API token.
type AdminPrincipal struct {
	OrgID   string
	AdminID string // "" for an API token
	Email   string // the admin's; "" for an API token
	Role    store.AdminRole
	// SessionID and CSRF are set for a browser session: state-changing
	// requests must carry CSRF.
	SessionID string
	CSRF      string
	TokenName string // set for an API token
}

// Can reports whether p's role is at least min.
func (p AdminPrincipal) Can(min store.AdminRole) bool {
	return p.Role.Rank() >= min.Rank() && min.Rank() > 0
}

// Actor is how p writes: as the "admin" source, named in events
// "admin:<email>" or "token:<name>".
func (p AdminPrincipal) Actor() Actor {
	a := Actor{OrgID: p.OrgID, Source: SourceAdmin, Name: p.Email, InactiveReason: ReasonAdmin, Who: "admin:" + p.Email}
	if p.AdminID == "" {
		a.Name, a.Who = p.TokenName, "token:"+p.TokenName
	}
	return a
}

// AdminError is a refused admin-account change; its text is safe to show.
type AdminError struct {
	Forbidden bool // the actor may not do this at all (403)
	Conflict  bool // it collides with another admin (409); else invalid input (400)
	Msg       string
}

func (e *AdminError) Error() string { return e.Msg }

// ErrLocked refuses a sign-in while the account is locked after failures.
type ErrLocked struct{ Until time.Time }

func (e *ErrLocked) Error() string {
	return fmt.Sprintf("too many failed sign-ins: try again after %s", e.Until.Format(time.Kitchen))
}

// Sign-in and session parameters.
const (
	MinPasswordLength = 12
	SessionLifetime   = 12 * time.Hour
	lockAfter         = 5                // failures before the account locks
	maxLock           = 15 * time.Minute // longest lock
)

// ParseRole reads a role name.
func ParseRole(s string) (store.AdminRole, error) {
	r := store.AdminRole(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	if r.Rank() == 0 {
		return "", fmt.Errorf("unknown role %q (want owner, user_admin or auditor)", s)
	}
	return r, nil
}

func checkPassword(pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return &AdminError{Msg: fmt.Sprintf("a password needs at least %d characters", MinPasswordLength)}
	}
	return nil
}

// CreateAdmin adds an admin account. by is who asks (nil: the CLI, which
// may bootstrap anything); only an owner manages admins, and nobody grants
// a role above their own.
func (s *Service) CreateAdmin(ctx context.Context, by *AdminPrincipal, orgID, email, name string, role store.AdminRole, password string) (store.Admin, error) {
	if by != nil && (by.OrgID != orgID || !by.Can(store.RoleOwner)) {
		return store.Admin{}, &AdminError{Forbidden: true, Msg: "only an owner can add admins"}
	}
	if role.Rank() == 0 {
		return store.Admin{}, &AdminError{Msg: fmt.Sprintf("unknown role %q", role)}
	}
	if by != nil && role.Rank() > by.Role.Rank() {
		return store.Admin{}, &AdminError{Forbidden: true, Msg: "nobody can grant a role above their own"}
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(email))
	if err != nil || addr.Name != "" {
		return store.Admin{}, &AdminError{Msg: fmt.Sprintf("%q is not an email address", email)}
	}
	a := store.Admin{OrgID: orgID, ID: NewID(), Email: addr.Address, Name: strings.TrimSpace(name), Role: role,
		Created: time.Now().UTC()}
	if password != "" {
		if err := checkPassword(password); err != nil {
			return store.Admin{}, err
		}
		if a.PasswordHash, err = HashPassword(password); err != nil {
			return store.Admin{}, err
		}
	}
	if err := s.store.CreateAdmin(ctx, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Admin{}, &AdminError{Conflict: true, Msg: fmt.Sprintf("an admin with email %q exists already", a.Email)}
		}
		return store.Admin{}, err
	}
	return a, nil
}

// activeOwners counts the active owners among all, with a replacing its
// stored self.
func activeOwners(all []store.Admin, a *store.Admin) int {
	n := 0
	for _, x := range all {
		if x.ID == a.ID {
			x = *a
		}
		if x.Role == store.RoleOwner && !x.Disabled {
			n++
		}
	}
	return n
}

// changeAdmin applies an owner's change to another admin, keeping the
// rules: only owners change admins, nobody changes their own role or
// standing, and the organization keeps an active owner.
func (s *Service) changeAdmin(ctx context.Context, by *AdminPrincipal, orgID, id string, fn func(a *store.Admin) error) (store.Admin, error) {
	if by != nil && (by.OrgID != orgID || !by.Can(store.RoleOwner)) {
		return store.Admin{}, &AdminError{Forbidden: true, Msg: "only an owner can change admins"}
	}
	if by != nil && by.AdminID == id {
		return store.Admin{}, &AdminError{Forbidden: true, Msg: "you cannot remove, disable or demote yourself; ask another owner"}
	}
	a, err := s.store.UpdateAdmin(ctx, orgID, id, func(a *store.Admin, all []store.Admin) error {
		if err := fn(a); err != nil {
			return err
		}
		if activeOwners(all, a) == 0 {
			return &AdminError{Msg: "the organization must keep at least one active owner"}
		}
		return nil
	})
	if err != nil {
		return store.Admin{}, err
	}
	if a.Disabled || a.Role != store.RoleOwner { // sign out on any loss of standing
		if err := s.store.DeleteSessions(ctx, orgID, id); err != nil {
			return a, err
		}
	}
	return a, nil
}

// SetAdminRole changes another admin's role.
func (s *Service) SetAdminRole(ctx context.Context, by *AdminPrincipal, orgID, id string, role store.AdminRole) (store.Admin, error) {
	if role.Rank() == 0 {
		return store.Admin{}, &AdminError{Msg: fmt.Sprintf("unknown role %q", role)}
	}
	return s.changeAdmin(ctx, by, orgID, id, func(a *store.Admin) error { a.Role = role; return nil })
}

// SetAdminDisabled disables (signing it out everywhere) or re-enables
// another admin.
func (s *Service) SetAdminDisabled(ctx context.Context, by *AdminPrincipal, orgID, id string, disabled bool) (store.Admin, error) {
	return s.changeAdmin(ctx, by, orgID, id, func(a *store.Admin) error { a.Disabled = disabled; return nil })
}

// SetAdminPassword sets an admin's password: their own, or anyone's for
// an owner (nil by: the CLI). Every session of that admin ends, the
// caller's own included (they sign in again with the new password).
func (s *Service) SetAdminPassword(ctx context.Context, by *AdminPrincipal, orgID, id, password string) error {
	if by != nil && by.AdminID != id && (by.OrgID != orgID || !by.Can(store.RoleOwner)) {
		return &AdminError{Forbidden: true, Msg: "only an owner can set another admin's password"}
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := s.store.UpdateAdmin(ctx, orgID, id, func(a *store.Admin, _ []store.Admin) error {
		a.PasswordHash, a.FailedLogins, a.LockedUntil = h, 0, nil
		return nil
	}); err != nil {
		return err
	}
	return s.store.DeleteSessions(ctx, orgID, id)
}

// dummyHash is compared against when no account matches, so that an
// unknown email costs as much as a wrong password.
const dummyHash = "$2a$10$GbsGiSaKnv0yVd5.VzETTOqxPCpy5sefD1DHLqO8HTj/iu75V/vo6"

// ErrBadCredentials is a failed sign-in (unknown organization, unknown
// email, disabled account or wrong password: never told apart).
var ErrBadCredentials = errors.New("the organization, email or password is wrong")

// SignIn checks an admin's password and opens a session. It returns the
// cookie value (shown once, never stored) and the principal. Five failures
// in a row lock the account for a minute, doubling to at most 15 minutes.
func (s *Service) SignIn(ctx context.Context, orgName, email, password string) (string, AdminPrincipal, error) {
	org, err := s.store.OrgByName(ctx, strings.TrimSpace(orgName))
	if errors.Is(err, store.ErrNotFound) {
		_ = checkHash(dummyHash, password)
		return "", AdminPrincipal{}, ErrBadCredentials
	}
	if err != nil {
		return "", AdminPrincipal{}, err
	}
	a, err := s.store.AdminByEmail(ctx, org.ID, strings.TrimSpace(email))
	if errors.Is(err, store.ErrNotFound) {
		_ = checkHash(dummyHash, password)
		return "", AdminPrincipal{}, ErrBadCredentials
	}
	if err != nil {
		return "", AdminPrincipal{}, err
	}
	now := time.Now().UTC()
	if a.LockedUntil != nil && now.Before(*a.LockedUntil) {
		return "", AdminPrincipal{}, &ErrLocked{Until: *a.LockedUntil}
	}
	ok := a.PasswordHash != "" && !a.Disabled && checkHash(a.PasswordHash, password) == nil
	if a.PasswordHash == "" {
		_ = checkHash(dummyHash, password)
	}
	if _, err := s.store.UpdateAdmin(ctx, org.ID, a.ID, func(x *store.Admin, _ []store.Admin) error {
		if ok {
			x.FailedLogins, x.LockedUntil, x.LastLogin = 0, nil, &now
			return nil
		}
		x.FailedLogins++
		if x.FailedLogins >= lockAfter {
			d := min(time.Minute<<min(x.FailedLogins-lockAfter, 4), maxLock)
			until := now.Add(d)
			x.LockedUntil = &until
		}
		return nil
	}); err != nil {
		return "", AdminPrincipal{}, err
	}
	if !ok {
		return "", AdminPrincipal{}, ErrBadCredentials
	}
	secret, err := randomString(32)
	if err != nil {
		return "", AdminPrincipal{}, err
	}
	csrf, err := randomString(32)
	if err != nil {
		return "", AdminPrincipal{}, err
	}
	se := store.Session{ID: sessionID(secret), OrgID: org.ID, AdminID: a.ID, CSRF: csrf, Created: now,
		Expires: now.Add(SessionLifetime)}
	if err := s.store.CreateSession(ctx, se); err != nil {
		return "", AdminPrincipal{}, err
	}
	p := AdminPrincipal{OrgID: org.ID, AdminID: a.ID, Email: a.Email, Role: a.Role, SessionID: se.ID, CSRF: csrf}
	return org.ID + "." + secret, p, nil
}

// Session resolves a session cookie to its principal: ErrUnauthenticated
// for a malformed, unknown or expired session or a disabled admin.
func (s *Service) Session(ctx context.Context, cookie string) (AdminPrincipal, error) {
	orgID, secret, ok := strings.Cut(cookie, ".")
	if !ok || orgID == "" || secret == "" {
		return AdminPrincipal{}, ErrUnauthenticated
	}
	se, err := s.store.Session(ctx, orgID, sessionID(secret))
	if errors.Is(err, store.ErrNotFound) {
		return AdminPrincipal{}, ErrUnauthenticated
	}
	if err != nil {
		return AdminPrincipal{}, err
	}
	if time.Now().After(se.Expires) {
		return AdminPrincipal{}, ErrUnauthenticated
	}
	a, err := s.store.Admin(ctx, orgID, se.AdminID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.Disabled) {
		return AdminPrincipal{}, ErrUnauthenticated
	}
	if err != nil {
		return AdminPrincipal{}, err
	}
	return AdminPrincipal{OrgID: orgID, AdminID: a.ID, Email: a.Email, Role: a.Role, SessionID: se.ID, CSRF: se.CSRF}, nil
}

// SignOut ends the session of a cookie (an unknown one is no error).
func (s *Service) SignOut(ctx context.Context, cookie string) error {
	orgID, secret, ok := strings.Cut(cookie, ".")
	if !ok {
		return nil
	}
	return s.store.DeleteSession(ctx, orgID, sessionID(secret))
}

// AdminToken resolves an admin-scope API token to its principal;
// ErrUnauthenticated for any other token.
func (s *Service) AdminToken(ctx context.Context, token string) (AdminPrincipal, error) {
	p, err := s.Authenticate(ctx, token)
	if err != nil {
		return AdminPrincipal{}, err
	}
	if p.Scope != store.ScopeAdmin {
		return AdminPrincipal{}, ErrUnauthenticated
	}
	role := p.Role
	if role.Rank() == 0 {
		role = store.RoleAuditor
	}
	return AdminPrincipal{OrgID: p.OrgID, Role: role, TokenName: p.TokenName}, nil
}

func sessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
