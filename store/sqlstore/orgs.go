package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scimd/scimd/store"
)

type orgRow struct {
	ID      string `db:"id"`
	Name    string `db:"name"`
	Created dbTime `db:"created"`
}

func (r orgRow) org() store.Org { return store.Org{ID: r.ID, Name: r.Name, Created: r.Created.T} }

// stamp is t in UTC at the stored precision, or now when t is zero.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// CreateOrg inserts an organization; Created defaults to now.
func (s *Store) CreateOrg(ctx context.Context, o store.Org) error {
	if o.ID == "" || o.Name == "" {
		return errors.New("creating organization: id and name are required")
	}
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO orgs (id, name, created) VALUES (?, ?, ?)`,
			o.ID, o.Name, s.d.timeArg(stamp(o.Created)))
		return err
	})
	switch s.d.classify(err) {
	case errUniqueName:
		return &store.UniqueError{Attr: "name", Value: o.Name}
	case errUniqueKey:
		return &store.UniqueError{Attr: "id", Value: o.ID}
	}
	if err != nil {
		return fmt.Errorf("creating organization %q: %w", o.Name, err)
	}
	return nil
}

// OrgByName returns the organization with exactly this name.
func (s *Store) OrgByName(ctx context.Context, name string) (store.Org, error) {
	var row orgRow
	err := s.reader().get(ctx, &row, `SELECT id, name, created FROM orgs WHERE name = ?`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Org{}, fmt.Errorf("organization %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.Org{}, fmt.Errorf("reading organization %q: %w", name, err)
	}
	return row.org(), nil
}

// Org returns an organization by id.
func (s *Store) Org(ctx context.Context, id string) (store.Org, error) {
	var row orgRow
	err := s.reader().get(ctx, &row, `SELECT id, name, created FROM orgs WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Org{}, fmt.Errorf("organization %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Org{}, fmt.Errorf("reading organization %s: %w", id, err)
	}
	return row.org(), nil
}

// Orgs lists every organization by name.
func (s *Store) Orgs(ctx context.Context) ([]store.Org, error) {
	var rows []orgRow
	if err := s.reader().sel(ctx, &rows, `SELECT id, name, created FROM orgs ORDER BY name, id`); err != nil {
		return nil, fmt.Errorf("listing organizations: %w", err)
	}
	out := make([]store.Org, len(rows))
	for i, r := range rows {
		out[i] = r.org()
	}
	return out, nil
}

type tokenRow struct {
	ID      string `db:"id"`
	OrgID   string `db:"org_id"`
	Name    string `db:"name"`
	Hash    []byte `db:"hash"`
	Created dbTime `db:"created"`
	Revoked dbTime `db:"revoked"`
	Scope   string `db:"scope"`
	Role    string `db:"role"`
}

func (r tokenRow) token() store.Token {
	return store.Token{ID: r.ID, OrgID: r.OrgID, Name: r.Name, Hash: r.Hash, Created: r.Created.T, Revoked: r.Revoked.ptr(), Scope: r.Scope,
		Role: store.AdminRole(r.Role)}
}

const tokenCols = `id, org_id, name, hash, created, revoked, scope, role`

// CreateToken inserts a token of an existing organization; Created
// defaults to now.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	if t.ID == "" || len(t.Hash) == 0 {
		return errors.New("creating token: id and hash are required")
	}
	var revoked any
	if t.Revoked != nil {
		revoked = s.d.timeArg(stamp(*t.Revoked))
	}
	if t.Scope == "" {
		t.Scope = store.ScopeSCIM
	}
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.OrgID, t.Name, t.Hash, s.d.timeArg(stamp(t.Created)), revoked, t.Scope, string(t.Role))
		return err
	})
	switch s.d.classify(err) {
	case errUniqueKey, errUniqueName:
		return &store.UniqueError{Attr: "id", Value: t.ID}
	case errForeignKey:
		return fmt.Errorf("creating token %q: organization %q: %w", t.Name, t.OrgID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("creating token %q: %w", t.Name, err)
	}
	return nil
}

// Token returns a token by id, revoked or not.
func (s *Store) Token(ctx context.Context, id string) (store.Token, error) {
	var row tokenRow
	err := s.reader().get(ctx, &row, `SELECT `+tokenCols+` FROM tokens WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, fmt.Errorf("token %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("reading token %q: %w", id, err)
	}
	return row.token(), nil
}

// Tokens lists the tokens of one organization, or of all when orgID is "",
// oldest first.
func (s *Store) Tokens(ctx context.Context, orgID string) ([]store.Token, error) {
	var rows []tokenRow
	var err error
	if orgID == "" {
		err = s.reader().sel(ctx, &rows, `SELECT `+tokenCols+` FROM tokens ORDER BY created, id`)
	} else {
		err = s.reader().sel(ctx, &rows, `SELECT `+tokenCols+` FROM tokens WHERE org_id = ? ORDER BY created, id`, orgID)
	}
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	out := make([]store.Token, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// RevokeToken marks a token revoked; revoking it again keeps the first
// revocation time.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	return s.write(ctx, func(c conn) error {
		var n int
		if err := c.get(ctx, &n, `SELECT COUNT(*) FROM tokens WHERE id = ?`, id); err != nil {
			return fmt.Errorf("revoking token %q: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("token %q: %w", id, store.ErrNotFound)
		}
		if _, err := c.exec(ctx, `UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL`,
			s.d.timeArg(now()), id); err != nil {
			return fmt.Errorf("revoking token %q: %w", id, err)
		}
		return nil
	})
}
