package sqlstore

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scimd/scimd/store"
)

// timeLayout is how SQLite stores instants: fixed width, UTC, microseconds,
// so that text order is time order. PostgreSQL timestamptz has the same
// precision.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// now is the store's clock: UTC at the precision both dialects keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// dbTime scans an instant from either dialect: a time.Time (PostgreSQL) or
// text in timeLayout or RFC 3339 (SQLite).
type dbTime struct {
	T     time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = dbTime{}
		return nil
	case time.Time:
		*t = dbTime{T: v.UTC(), Valid: true}
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	}
	return fmt.Errorf("cannot scan %T into a time", src)
}

func (t *dbTime) parse(s string) error {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("stored time %q: %w", s, err)
	}
	*t = dbTime{T: v.UTC(), Valid: true}
	return nil
}

func (t dbTime) ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.T
	return &v
}

// sqliteTime is how an instant is bound on SQLite.
type sqliteTime time.Time

// Value implements driver.Valuer.
func (t sqliteTime) Value() (driver.Value, error) {
	return time.Time(t).UTC().Format(timeLayout), nil
}

// resourceRow is a resources row as read back (the fold columns are only
// written).
type resourceRow struct {
	OrgID          string `db:"org_id"`
	ID             string `db:"id"`
	Kind           string `db:"kind"`
	Name           string `db:"name"`
	ExternalID     string `db:"external_id"`
	DisplayName    string `db:"display_name"`
	Active         bool   `db:"active"`
	InactiveReason string `db:"inactive_reason"`
	Source         string `db:"source"`
	SourceID       string `db:"source_id"`
	SourceHash     string `db:"source_hash"`
	PasswordHash   string `db:"password_hash"`
	Version        int64  `db:"version"`
	Created        dbTime `db:"created"`
	Modified       dbTime `db:"modified"`
	Archived       dbTime `db:"archived"`
	Joined         dbTime `db:"joined"`
	Doc            []byte `db:"doc"`
}

// resourceCols is the select list matching resourceRow, for alias r.
const resourceCols = `r.org_id, r.id, r.kind, r.name, r.external_id, r.display_name, r.active,
	r.inactive_reason, r.source, r.source_id, r.source_hash, r.password_hash, r.version, r.created, r.modified,
	r.archived, r.joined, r.doc`

func (row *resourceRow) resource() (store.Resource, error) {
	attrs := map[string]any{}
	if len(row.Doc) > 0 {
		if err := json.Unmarshal(row.Doc, &attrs); err != nil {
			return store.Resource{}, fmt.Errorf("decoding stored document of %s: %w", row.ID, err)
		}
	}
	return store.Resource{
		OrgID:          row.OrgID,
		ID:             row.ID,
		Kind:           store.Kind(row.Kind),
		Name:           row.Name,
		ExternalID:     row.ExternalID,
		DisplayName:    row.DisplayName,
		Active:         row.Active,
		InactiveReason: row.InactiveReason,
		Source:         row.Source,
		SourceID:       row.SourceID,
		SourceHash:     row.SourceHash,
		PasswordHash:   row.PasswordHash,
		Version:        row.Version,
		Created:        row.Created.T,
		Modified:       row.Modified.T,
		Archived:       row.Archived.ptr(),
		Joined:         row.Joined.ptr(),
		Attrs:          attrs,
	}, nil
}

// encodeDoc returns the stored JSON of attrs and its folded twin: the same
// document with every string value (not key) passed through store.Fold.
// The encoding is canonical (sorted keys, no HTML escaping), so two equal
// documents encode to equal bytes.
func encodeDoc(attrs map[string]any) (doc, fold []byte, err error) {
	if attrs == nil {
		attrs = map[string]any{}
	}
	doc, err = marshal(attrs)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding attributes: %w", err)
	}
	// Re-decode so that every Go type the caller used is reduced to JSON
	// values; numbers stay exact.
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("encoding attributes: %w", err)
	}
	fold, err = marshal(foldStrings(v))
	if err != nil {
		return nil, nil, fmt.Errorf("encoding attributes: %w", err)
	}
	return doc, fold, nil
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func foldStrings(v any) any {
	switch x := v.(type) {
	case string:
		return store.Fold(x)
	case []any:
		for i := range x {
			x[i] = foldStrings(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = foldStrings(x[k])
		}
	}
	return v
}
