package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
	"golang.org/x/crypto/bcrypt"
)

// ErrUnauthenticated: the bearer token is malformed, unknown or revoked.
var ErrUnauthenticated = errors.New("invalid or revoked token")

// tokenPrefix starts every token so secret scanners can recognise it.
const tokenPrefix = "scimd_"

// Principal is an authenticated API caller.
type Principal struct {
	OrgID     string
	TokenID   string
	TokenName string
	Scope     string          // store.ScopeSCIM or store.ScopeAdmin
	Role      store.AdminRole // an admin-scope token's role
}

// Actor returns the actor a SCIM request from p writes as.
func (p Principal) Actor() Actor {
	return Actor{OrgID: p.OrgID, Source: SourceSCIM, Name: p.TokenName, InactiveReason: ReasonIdP}
}

// CreateToken issues a token for an organization and returns its plaintext,
// which is shown once and never stored: the token is scimd_<id>_<secret>,
// and only SHA-256(secret) is kept (the secret has 256 bits of entropy, so
// a fast hash is safe).
func (s *Service) CreateToken(ctx context.Context, orgID, name string) (string, store.Token, error) {
	return s.CreateScopedToken(ctx, orgID, name, store.ScopeSCIM)
}

// CreateScopedToken is CreateToken for a token of the given scope
// (store.ScopeSCIM or store.ScopeAdmin).
func (s *Service) CreateScopedToken(ctx context.Context, orgID, name, scope string) (string, store.Token, error) {
	role := store.AdminRole("")
	if scope == store.ScopeAdmin {
		role = store.RoleOwner
	}
	return s.createToken(ctx, orgID, name, scope, role)
}

// CreateAdminToken issues an admin-scope API token acting with role.
func (s *Service) CreateAdminToken(ctx context.Context, orgID, name string, role store.AdminRole) (string, store.Token, error) {
	if role.Rank() == 0 {
		return "", store.Token{}, fmt.Errorf("unknown role %q (want owner, user_admin or auditor)", role)
	}
	return s.createToken(ctx, orgID, name, store.ScopeAdmin, role)
}

func (s *Service) createToken(ctx context.Context, orgID, name, scope string, role store.AdminRole) (string, store.Token, error) {
	if scope != store.ScopeSCIM && scope != store.ScopeAdmin {
		return "", store.Token{}, fmt.Errorf("unknown token scope %q (want %q or %q)", scope, store.ScopeSCIM, store.ScopeAdmin)
	}
	if strings.TrimSpace(name) == "" {
		return "", store.Token{}, errors.New("a token needs a name")
	}
	idBytes := make([]byte, 10)
	secret := make([]byte, 32)
	if _, err := rand.Read(idBytes); err != nil {
		return "", store.Token{}, fmt.Errorf("generating token id: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return "", store.Token{}, fmt.Errorf("generating token secret: %w", err)
	}
	id := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(idBytes))
	sec := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(sec))
	t := store.Token{ID: id, OrgID: orgID, Name: name, Hash: sum[:], Created: time.Now().UTC(), Scope: scope, Role: role}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", store.Token{}, fmt.Errorf("storing token %q: %w", name, err)
	}
	return tokenPrefix + id + "_" + sec, t, nil
}

// Authenticate resolves a bearer token to its principal, comparing the
// secret's hash in constant time.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	id, sec, ok := strings.Cut(rest, "_")
	if !ok || id == "" || sec == "" {
		return Principal{}, ErrUnauthenticated
	}
	t, err := s.store.Token(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("looking up token: %w", err)
	}
	sum := sha256.Sum256([]byte(sec))
	if subtle.ConstantTimeCompare(sum[:], t.Hash) != 1 || t.Revoked != nil {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{OrgID: t.OrgID, TokenID: t.ID, TokenName: t.Name, Scope: t.Scope, Role: t.Role}, nil
}

// EnsureOrg returns the organization named name, creating it when absent;
// created reports whether it was.
func (s *Service) EnsureOrg(ctx context.Context, name string) (o store.Org, created bool, err error) {
	o, err = s.store.OrgByName(ctx, name)
	if err == nil {
		return o, false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return o, false, err
	}
	o, err = s.CreateOrg(ctx, name)
	if errors.Is(err, store.ErrConflict) { // created concurrently by another replica
		o, err = s.store.OrgByName(ctx, name)
		return o, false, err
	}
	return o, err == nil, err
}

// CreateOrg creates an organization.
func (s *Service) CreateOrg(ctx context.Context, name string) (store.Org, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Org{}, errors.New("an organization needs a name")
	}
	o := store.Org{ID: NewID(), Name: name, Created: time.Now().UTC()}
	if err := s.store.CreateOrg(ctx, o); err != nil {
		return store.Org{}, fmt.Errorf("creating organization %q: %w", name, err)
	}
	return o, nil
}

// checkHash verifies pw against a HashPassword hash.
func checkHash(hash, pw string) error {
	sum := sha256.Sum256([]byte(pw))
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(base64.RawStdEncoding.EncodeToString(sum[:])))
}

// HashPassword hashes a user's password with bcrypt. The password is first
// reduced with SHA-256 so that passwords past bcrypt's 72-byte limit keep
// all their entropy.
func HashPassword(pw string) (string, error) {
	sum := sha256.Sum256([]byte(pw))
	h, err := bcrypt.GenerateFromPassword([]byte(base64.RawStdEncoding.EncodeToString(sum[:])), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	return string(h), nil
}
