package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scimd/scimd/store"
)

// adminRow is an admins row.
type adminRow struct {
	OrgID        string `db:"org_id"`
	ID           string `db:"id"`
	Email        string `db:"email"`
	Name         string `db:"name"`
	Role         string `db:"role"`
	PasswordHash string `db:"password_hash"`
	Disabled     bool   `db:"disabled"`
	Created      dbTime `db:"created"`
	LastLogin    dbTime `db:"last_login"`
	FailedLogins int    `db:"failed_logins"`
	LockedUntil  dbTime `db:"locked_until"`
}

const adminCols = `org_id, id, email, name, role, password_hash, disabled, created, last_login,
	failed_logins, locked_until`

func (r adminRow) admin() store.Admin {
	return store.Admin{OrgID: r.OrgID, ID: r.ID, Email: r.Email, Name: r.Name, Role: store.AdminRole(r.Role),
		PasswordHash: r.PasswordHash, Disabled: r.Disabled, Created: r.Created.T, LastLogin: r.LastLogin.ptr(),
		FailedLogins: r.FailedLogins, LockedUntil: r.LockedUntil.ptr()}
}

// lockAdmins serializes the admin writes of one organization (the org's
// counter row: PostgreSQL holds its lock to commit; SQLite has one writer).
func (s *Store) lockAdmins(ctx context.Context, c conn, orgID string) error {
	_, err := c.exec(ctx, `INSERT INTO org_counters (org_id) VALUES (?)
		ON CONFLICT (org_id) DO UPDATE SET event_seq = org_counters.event_seq`, orgID)
	if s.d.classify(err) == errForeignKey {
		return fmt.Errorf("organization %q: %w", orgID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("locking admins: %w", err)
	}
	return nil
}

// CreateAdmin inserts an admin.
func (s *Store) CreateAdmin(ctx context.Context, a store.Admin) error {
	if a.OrgID == "" || a.ID == "" || a.Email == "" {
		return errors.New("creating admin: organization, id and email are required")
	}
	created := stamp(a.Created)
	return s.write(ctx, func(c conn) error {
		if err := s.lockAdmins(ctx, c, a.OrgID); err != nil {
			return err
		}
		_, err := c.exec(ctx, `INSERT INTO admins (org_id, id, email, email_fold, name, role, password_hash,
			disabled, created, last_login, failed_logins, locked_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.OrgID, a.ID, a.Email, store.Fold(a.Email), a.Name, string(a.Role), a.PasswordHash, a.Disabled,
			s.d.timeArg(created), s.timePtrArg(a.LastLogin), a.FailedLogins, s.timePtrArg(a.LockedUntil))
		switch s.d.classify(err) {
		case errUniqueName:
			return &store.UniqueError{Attr: "email", Value: a.Email}
		case errUniqueKey:
			return &store.UniqueError{Attr: "id", Value: a.ID}
		}
		if err != nil {
			return fmt.Errorf("creating admin %q: %w", a.Email, err)
		}
		return nil
	})
}

func (s *Store) adminWhere(ctx context.Context, c conn, where string, args ...any) (store.Admin, error) {
	var row adminRow
	err := c.get(ctx, &row, `SELECT `+adminCols+` FROM admins WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Admin{}, fmt.Errorf("admin: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Admin{}, fmt.Errorf("reading admin: %w", err)
	}
	return row.admin(), nil
}

// Admin returns one admin.
func (s *Store) Admin(ctx context.Context, orgID, id string) (store.Admin, error) {
	return s.adminWhere(ctx, s.reader(), `org_id = ? AND id = ?`, orgID, id)
}

// AdminByEmail finds an admin by email, case-insensitively.
func (s *Store) AdminByEmail(ctx context.Context, orgID, email string) (store.Admin, error) {
	return s.adminWhere(ctx, s.reader(), `org_id = ? AND email_fold = ?`, orgID, store.Fold(email))
}

// Admins lists an organization's admins by email.
func (s *Store) Admins(ctx context.Context, orgID string) ([]store.Admin, error) {
	return s.admins(ctx, s.reader(), orgID)
}

func (s *Store) admins(ctx context.Context, c conn, orgID string) ([]store.Admin, error) {
	var rows []adminRow
	if err := c.sel(ctx, &rows, `SELECT `+adminCols+` FROM admins WHERE org_id = ? ORDER BY email_fold`, orgID); err != nil {
		return nil, fmt.Errorf("listing admins: %w", err)
	}
	out := make([]store.Admin, len(rows))
	for i, r := range rows {
		out[i] = r.admin()
	}
	return out, nil
}

// UpdateAdmin runs fn on one admin with all the organization's admins in
// view, serialized with the organization's other admin writes.
func (s *Store) UpdateAdmin(ctx context.Context, orgID, id string, fn func(a *store.Admin, all []store.Admin) error) (store.Admin, error) {
	var out store.Admin
	err := s.write(ctx, func(c conn) error {
		if err := s.lockAdmins(ctx, c, orgID); err != nil {
			return err
		}
		all, err := s.admins(ctx, c, orgID)
		if err != nil {
			return err
		}
		i := -1
		for j := range all {
			if all[j].ID == id {
				i = j
			}
		}
		if i < 0 {
			return fmt.Errorf("admin %q: %w", id, store.ErrNotFound)
		}
		next := all[i]
		if err := fn(&next, all); err != nil {
			return err
		}
		_, err = c.exec(ctx, `UPDATE admins SET email = ?, email_fold = ?, name = ?, role = ?, password_hash = ?,
			disabled = ?, last_login = ?, failed_logins = ?, locked_until = ? WHERE org_id = ? AND id = ?`,
			next.Email, store.Fold(next.Email), next.Name, string(next.Role), next.PasswordHash, next.Disabled,
			s.timePtrArg(next.LastLogin), next.FailedLogins, s.timePtrArg(next.LockedUntil), orgID, id)
		if s.d.classify(err) == errUniqueName {
			return &store.UniqueError{Attr: "email", Value: next.Email}
		}
		if err != nil {
			return fmt.Errorf("updating admin %q: %w", id, err)
		}
		next.OrgID, next.ID, next.Created = all[i].OrgID, all[i].ID, all[i].Created
		out = next
		return nil
	})
	return out, err
}

// sessionRow is a sessions row.
type sessionRow struct {
	ID      string `db:"id"`
	OrgID   string `db:"org_id"`
	AdminID string `db:"admin_id"`
	CSRF    string `db:"csrf"`
	Created dbTime `db:"created"`
	Expires dbTime `db:"expires"`
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	return s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO sessions (org_id, id, admin_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?, ?)`,
			se.OrgID, se.ID, se.AdminID, se.CSRF, s.d.timeArg(stamp(se.Created)), s.d.timeArg(se.Expires.UTC()))
		if s.d.classify(err) == errForeignKey {
			return fmt.Errorf("session of admin %q: %w", se.AdminID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("creating session: %w", err)
		}
		return nil
	})
}

// Session returns a session.
func (s *Store) Session(ctx context.Context, orgID, id string) (store.Session, error) {
	var r sessionRow
	err := s.reader().get(ctx, &r, `SELECT id, org_id, admin_id, csrf, created, expires FROM sessions
		WHERE org_id = ? AND id = ?`, orgID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("reading session: %w", err)
	}
	return store.Session{ID: r.ID, OrgID: r.OrgID, AdminID: r.AdminID, CSRF: r.CSRF, Created: r.Created.T,
		Expires: r.Expires.T}, nil
}

// DeleteSession removes one session.
func (s *Store) DeleteSession(ctx context.Context, orgID, id string) error {
	return s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
			return fmt.Errorf("deleting session: %w", err)
		}
		return nil
	})
}

// DeleteSessions removes every session of one admin.
func (s *Store) DeleteSessions(ctx context.Context, orgID, adminID string) error {
	return s.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND admin_id = ?`, orgID, adminID); err != nil {
			return fmt.Errorf("deleting sessions: %w", err)
		}
		return nil
	})
}
