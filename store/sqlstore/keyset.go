package sqlstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/scimd/scimd/store"
)

// Keyset paging. A position is a row's sort value and its id; the rows
// after it are selected with a predicate that follows the ORDER BY of
// List exactly (missing values last ascending, first descending, id
// breaking ties), so a page costs the same at any depth: no OFFSET.

// order is how a List sorts: by key (nil: by id only), which may be NULL
// when nullable.
type order struct {
	key      *frag
	nullable bool
	desc     bool
}

// newOrder compiles the order of q.
func (c *compiler) newOrder(q store.Query) (order, error) {
	o := order{desc: q.Descending}
	if q.SortBy == nil {
		return o, nil
	}
	key, err := c.sortKey(*q.SortBy)
	if err != nil {
		return o, err
	}
	o.key = &key
	switch q.SortBy.Column {
	case store.ColID, store.ColName, store.ColActive, store.ColCreated, store.ColModified, store.ColVersion:
		// NOT NULL columns.
	default:
		o.nullable = true
	}
	return o, nil
}

// reversed is the exact reverse order.
func (o order) reversed() order {
	o.desc = !o.desc
	return o
}

// sql is the ORDER BY clause.
func (o order) sql() frag {
	dir := " ASC"
	if o.desc {
		dir = " DESC"
	}
	switch {
	case o.key == nil:
		return lit("r.id" + dir)
	case o.nullable:
		return sqlf("(%s IS NULL)"+dir+", %s"+dir+", r.id"+dir, *o.key, *o.key)
	default:
		return sqlf("%s"+dir+", r.id"+dir, *o.key)
	}
}

// selectKey is the sort value as an extra column of the select list.
func (o order) selectKey() frag {
	if o.key == nil {
		return lit("NULL AS sort_key")
	}
	return sqlf("%s AS sort_key", *o.key)
}

// after is the condition "the row comes after position p in this order".
// Written with plain comparisons (no row values) so that both dialects
// read it the same way; the leading "key >= v" lets an index narrow the
// range.
func (o order) after(p position) frag {
	op := ">"
	if o.desc {
		op = "<"
	}
	if o.key == nil {
		return sqlf("r.id "+op+" %s", bind(p.id))
	}
	k := *o.key
	if p.key.null {
		// Missing values come last ascending (after a missing value: only
		// missing values of a later id) and first descending (after one:
		// the missing values of an earlier id, then every present value).
		if o.desc {
			return sqlf("(%s IS NOT NULL OR r.id < %s)", k, bind(p.id))
		}
		return sqlf("(%s IS NULL AND r.id > %s)", k, bind(p.id))
	}
	v := p.key.arg
	// Within key >= v, "not key > v" is "key = v".
	cond := sqlf("(%s "+op+"= %s AND (%s "+op+" %s OR r.id "+op+" %s))", k, v, k, v, bind(p.id))
	if o.nullable && !o.desc {
		cond = sqlf("(%s OR %s IS NULL)", cond, k)
	}
	return cond
}

// position is a Keyset decoded for binding.
type position struct {
	key keyValue
	id  string
}

// keyValue is a sort value: NULL, or arg, a bound value comparable with
// the sort expression on this dialect.
type keyValue struct {
	null bool
	arg  frag
}

// The encoding of a sort value in store.Keyset.Key: a type letter and the
// value as text. The type is that of the value the driver returned, so
// that the value binds back exactly as it was read.
const (
	keyNull   = 'n'
	keyString = 's'
	keyInt    = 'i'
	keyFloat  = 'f'
	keyBool   = 'b'
	keyTime   = 't'
)

// encodeKey encodes a sort value read from the database.
func encodeKey(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return string(keyNull), nil
	case string:
		return string(keyString) + x, nil
	case []byte: // PostgreSQL text and numeric
		return string(keyString) + string(x), nil
	case int64:
		return string(keyInt) + strconv.FormatInt(x, 10), nil
	case float64:
		return string(keyFloat) + strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		if x {
			return string(keyBool) + "1", nil
		}
		return string(keyBool) + "0", nil
	case time.Time:
		return string(keyTime) + x.UTC().Format(time.RFC3339Nano), nil
	}
	return "", fmt.Errorf("cannot page by a sort value of type %T", v)
}

// decodeKey turns an encoded sort value back into a bindable one. A
// string binds as text: PostgreSQL infers the type of the parameter
// (text or numeric) from the sort expression it is compared with.
func (s *Store) decodeKey(k string) (keyValue, error) {
	if k == "" {
		return keyValue{}, fmt.Errorf("empty keyset sort value")
	}
	typ, text := k[0], k[1:]
	switch typ {
	case keyNull:
		return keyValue{null: true}, nil
	case keyString:
		return keyValue{arg: bind(text)}, nil
	case keyInt:
		n, err := strconv.ParseInt(text, 10, 64)
		return keyValue{arg: bind(n)}, err
	case keyFloat:
		f, err := strconv.ParseFloat(text, 64)
		return keyValue{arg: bind(f)}, err
	case keyBool:
		return keyValue{arg: bind(text == "1")}, nil
	case keyTime:
		t, err := time.Parse(time.RFC3339Nano, text)
		return keyValue{arg: bind(s.d.timeArg(t))}, err
	}
	return keyValue{}, fmt.Errorf("keyset sort value of unknown type %q", typ)
}

// position decodes a Keyset for order o: unsorted lists have no key.
func (s *Store) position(o order, k store.Keyset) (position, error) {
	if k.ID == "" {
		return position{}, fmt.Errorf("keyset without an id")
	}
	p := position{id: k.ID}
	if o.key == nil {
		return p, nil
	}
	var err error
	if p.key, err = s.decodeKey(k.Key); err != nil {
		return p, fmt.Errorf("decoding keyset: %w", err)
	}
	return p, nil
}
