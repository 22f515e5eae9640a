package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimd/scimd/migrations"
)

// dialect is everything that differs between SQLite and PostgreSQL. No
// other file knows which database it talks to.
type dialect interface {
	name() string
	bindType() int
	migrations() migrations.Dialect
	// readTx is how a multi-statement read sees one snapshot.
	readTx() *sql.TxOptions
	// timeArg binds an instant.
	timeArg(t time.Time) any

	// Row locks, appended to a SELECT: forUpdate for a row about to be
	// changed, forArchive for a row about to be archived, forLink for a
	// member about to be linked to a group. forLink conflicts with
	// forArchive only, so linking waits for (and then sees) a concurrent
	// archive, but two groups linking each other do not deadlock.
	forUpdate() string
	forArchive() string
	forLink() string
	// join is the keyword of an inner join whose left side must drive
	// the loop, and byMember the hint that makes a members lookup use
	// the member index: SQLite's planner otherwise scans a whole
	// organization's members for each row of a recursive CTE ("CROSS
	// JOIN" and "INDEXED BY" fix the plan there); PostgreSQL plans it well
	// by itself.
	join() string
	byMember() string
	// edgeLock is a statement, taking the organization id, that serializes
	// the insertion of group-in-group edges within an organization so that
	// two concurrent cycle checks cannot both pass; "" when write
	// transactions are serialized anyway.
	edgeLock() string
	// analyze refreshes the planner's statistics after a bulk load, so
	// that the first queries do not plan for an empty table; "" if not
	// needed.
	analyze() string
	// sessionLock returns the statements that take without waiting, and
	// release, a lock held by a database session (a dedicated connection)
	// and named by one bound text key; both "" when the dialect has none
	// and the Store's in-process lock is the whole lock (SQLite, where one
	// process owns the file).
	sessionLock() (try, release string)

	// classify maps a driver error to what the store reports. One place
	// per dialect.
	classify(err error) errClass
	// retryable reports a transaction the server aborted to break a
	// deadlock or a serialization conflict, to be replayed.
	retryable(err error) bool

	// JSON access: the value at l, or NULL when it is missing or of
	// another type, so that a comparison on it is never true. Casts are
	// guarded: no stored value can make a query fail.
	jsonText(l jloc) frag    // the string at l, NULL unless a string
	jsonNum(l jloc) frag     // the number at l, NULL unless a number
	jsonBool(l jloc) frag    // the boolean at l, NULL unless a boolean
	jsonTime(l jloc) frag    // the instant the string at l denotes, or NULL
	timeParam(v frag) frag   // a bound instant, comparable with jsonTime
	jsonPresent(l jloc) frag // SCIM "pr": not null, "", [] or {}
	// elements is a FROM item over the elements of the array at l (none
	// when l is not an array), as alias; sameElement joins two such items
	// element by element (a document and its folded twin).
	elements(l jloc, alias string) frag
	sameElement(a, b string) string

	contains(x, v frag) frag
	startsWith(x, v frag) frag
	endsWith(x, v frag) frag // v is not empty
	cmpText(x frag, op string, v frag) frag
	sortText(x frag) frag
}

// errClass is a driver error as the store sees it.
type errClass int

const (
	errOther      errClass = iota
	errUniqueName          // a name (orgs.name, resources name_fold) is taken
	errUniqueKey           // a primary key (id) is taken
	errForeignKey          // a referenced row does not exist
)

// jloc addresses a JSON value: path from a document column ("r.doc",
// "r.fold") or from an array element of an Any (elem: src is the alias of
// the elements FROM item).
type jloc struct {
	src  string
	elem bool
	path []string
}

func newDialect(name string) dialect {
	if name == "postgres" {
		return postgres{}
	}
	return sqlite3Dialect{}
}

// ---- SQLite ----

type sqlite3Dialect struct{}

func (sqlite3Dialect) name() string                   { return "sqlite" }
func (sqlite3Dialect) bindType() int                  { return sqlx.QUESTION }
func (sqlite3Dialect) migrations() migrations.Dialect { return migrations.SQLite }
func (sqlite3Dialect) readTx() *sql.TxOptions         { return &sql.TxOptions{ReadOnly: true} }
func (sqlite3Dialect) timeArg(t time.Time) any        { return sqliteTime(t) }
func (sqlite3Dialect) forUpdate() string              { return "" }
func (sqlite3Dialect) forArchive() string             { return "" }
func (sqlite3Dialect) forLink() string                { return "" }
func (sqlite3Dialect) join() string                   { return "CROSS JOIN" }
func (sqlite3Dialect) byMember() string               { return " INDEXED BY members_member" }
func (sqlite3Dialect) edgeLock() string               { return "" }
func (sqlite3Dialect) analyze() string                { return "" }
func (sqlite3Dialect) sessionLock() (string, string)  { return "", "" }
func (sqlite3Dialect) retryable(error) bool           { return false }

func (sqlite3Dialect) classify(err error) errClass {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return errOther
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return errUniqueName
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return errUniqueKey
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return errForeignKey
	}
	return errOther
}

// sqlitePath renders a JSON path with every key quoted; the caller has
// checked the keys with checkKey.
func sqlitePath(path []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range path {
		b.WriteString(`."`)
		b.WriteString(k)
		b.WriteString(`"`)
	}
	return b.String()
}

// access returns the JSON type name and the value at l.
func (sqlite3Dialect) access(l jloc) (typ, val frag) {
	if l.elem && len(l.path) == 0 {
		return lit(l.src + ".type"), lit(l.src + ".value")
	}
	doc := l.src
	if l.elem {
		// json_each gives a container element as JSON text and a scalar
		// as a plain value, which is not JSON: only descend into containers.
		doc = "(CASE WHEN " + l.src + ".type IN ('object', 'array') THEN " + l.src + ".value END)"
	}
	p := bind(sqlitePath(l.path))
	return sqlf("json_type("+doc+", %s)", p), sqlf("json_extract("+doc+", %s)", p)
}

func (d sqlite3Dialect) jsonText(l jloc) frag {
	typ, val := d.access(l)
	return sqlf("(CASE WHEN %s = 'text' THEN %s END)", typ, val)
}

func (d sqlite3Dialect) jsonNum(l jloc) frag {
	typ, val := d.access(l)
	return sqlf("(CASE WHEN %s IN ('integer', 'real') THEN %s END)", typ, val)
}

func (d sqlite3Dialect) jsonBool(l jloc) frag {
	typ, _ := d.access(l)
	return sqlf("(CASE %s WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)", typ)
}

// jsonTime is in Julian days: SQLite's date functions keep milliseconds.
func (d sqlite3Dialect) jsonTime(l jloc) frag { return sqlf("julianday(%s)", d.jsonText(l)) }
func (sqlite3Dialect) timeParam(v frag) frag  { return sqlf("julianday(%s)", v) }

func (d sqlite3Dialect) jsonPresent(l jloc) frag {
	typ, val := d.access(l)
	return sqlf(`(CASE %s WHEN 'null' THEN 0 WHEN 'text' THEN %s <> ''
		WHEN 'array' THEN json_array_length(%s) > 0 WHEN 'object' THEN %s <> '{}'
		ELSE %s IS NOT NULL END)`, typ, val, val, val, typ)
}

func (d sqlite3Dialect) elements(l jloc, alias string) frag {
	typ, val := d.access(l)
	return sqlf("json_each(CASE WHEN %s = 'array' THEN %s ELSE '[]' END) AS "+alias, typ, val)
}

func (sqlite3Dialect) sameElement(a, b string) string { return a + ".key = " + b + ".key" }

func (sqlite3Dialect) contains(x, v frag) frag { return sqlf("instr(%s, %s) > 0", x, v) }
func (sqlite3Dialect) startsWith(x, v frag) frag {
	return sqlf("substr(%s, 1, length(%s)) = %s", x, v, v)
}
func (sqlite3Dialect) endsWith(x, v frag) frag {
	return sqlf("substr(%s, -length(%s)) = %s", x, v, v)
}

// cmpText compares bytewise: SQLite's default BINARY collation on UTF-8.
func (sqlite3Dialect) cmpText(x frag, op string, v frag) frag {
	return sqlf("%s "+op+" %s", x, v)
}
func (sqlite3Dialect) sortText(x frag) frag { return x }

// ---- PostgreSQL ----

type postgres struct{}

func (postgres) name() string                   { return "postgres" }
func (postgres) bindType() int                  { return sqlx.DOLLAR }
func (postgres) migrations() migrations.Dialect { return migrations.Postgres }
func (postgres) readTx() *sql.TxOptions {
	return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
}
func (postgres) timeArg(t time.Time) any { return t.UTC() }

// FOR NO KEY UPDATE does not conflict with the KEY SHARE locks that
// linking a member (and the members foreign keys) take; FOR UPDATE does.
func (postgres) forUpdate() string  { return " FOR NO KEY UPDATE" }
func (postgres) forArchive() string { return " FOR UPDATE" }
func (postgres) forLink() string    { return " FOR KEY SHARE" }
func (postgres) join() string       { return "JOIN" }
func (postgres) byMember() string   { return "" }
func (postgres) edgeLock() string {
	return "SELECT pg_advisory_xact_lock(hashtextextended('scimd.members.' || CAST(? AS text), 0))"
}

func (postgres) analyze() string { return "ANALYZE resources, members" }

// sessionLock is a session-level advisory lock on a 64-bit hash of the
// key; it shares PostgreSQL's advisory lock space with edgeLock and
// goose's migration lock, so callers prefix their keys.
func (postgres) sessionLock() (string, string) {
	return "SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
		"SELECT pg_advisory_unlock(hashtextextended(?, 0))"
}

func (postgres) classify(err error) errClass {
	e := pq.As(err)
	if e == nil {
		return errOther
	}
	switch e.Code {
	case pqerror.UniqueViolation:
		if strings.HasSuffix(e.Constraint, "_pkey") {
			return errUniqueKey
		}
		return errUniqueName
	case pqerror.ForeignKeyViolation:
		return errForeignKey
	}
	return errOther
}

func (postgres) retryable(err error) bool {
	return pq.As(err, pqerror.TRDeadlockDetected, pqerror.TRSerializationFailure) != nil
}

// at returns the jsonb at l and its source document.
func (postgres) at(l jloc) (x frag, src string, path frag) {
	src = l.src
	if l.elem {
		src = l.src + ".value"
	}
	path = bind(pq.Array(append([]string{}, l.path...))) // never NULL: {} is the value itself
	return sqlf(src+" #> CAST(%s AS text[])", path), src, path
}

func (d postgres) jsonText(l jloc) frag {
	x, src, p := d.at(l)
	return sqlf("(CASE WHEN jsonb_typeof(%s) = 'string' THEN "+src+" #>> CAST(%s AS text[]) END)", x, p)
}

// Casts are guarded by CASE so that a value of another type yields NULL
// instead of an error.
func (d postgres) jsonNum(l jloc) frag {
	x, _, _ := d.at(l)
	return sqlf("(CASE WHEN jsonb_typeof(%s) = 'number' THEN CAST(%s AS numeric) END)", x, x)
}

func (d postgres) jsonBool(l jloc) frag {
	x, _, _ := d.at(l)
	return sqlf("(CASE WHEN jsonb_typeof(%s) = 'boolean' THEN CAST(%s AS boolean) END)", x, x)
}

// jsonTime parses with scimd_timestamptz (see the migration), which yields
// NULL for a malformed timestamp.
func (d postgres) jsonTime(l jloc) frag { return sqlf("scimd_timestamptz(%s)", d.jsonText(l)) }
func (postgres) timeParam(v frag) frag  { return sqlf("CAST(%s AS timestamptz)", v) }

func (d postgres) jsonPresent(l jloc) frag {
	x, _, _ := d.at(l)
	return sqlf(`(CASE jsonb_typeof(%s) WHEN 'null' THEN false WHEN 'string' THEN %s <> '""'::jsonb
		WHEN 'array' THEN jsonb_array_length(%s) > 0 WHEN 'object' THEN %s <> '{}'::jsonb
		ELSE %s IS NOT NULL END)`, x, x, x, x, x)
}

func (d postgres) elements(l jloc, alias string) frag {
	x, _, _ := d.at(l)
	return sqlf("jsonb_array_elements(CASE WHEN jsonb_typeof(%s) = 'array' THEN %s ELSE '[]'::jsonb END) WITH ORDINALITY AS "+
		alias+"(value, idx)", x, x)
}

func (postgres) sameElement(a, b string) string { return a + ".idx = " + b + ".idx" }

func (postgres) contains(x, v frag) frag {
	return sqlf("strpos(%s, CAST(%s AS text)) > 0", x, v)
}
func (postgres) startsWith(x, v frag) frag {
	return sqlf("starts_with(%s, CAST(%s AS text))", x, v)
}
func (postgres) endsWith(x, v frag) frag {
	return sqlf("right(%s, char_length(CAST(%s AS text))) = CAST(%s AS text)", x, v, v)
}

// cmpText compares bytewise, as SQLite does, whatever the database's
// collation.
func (postgres) cmpText(x frag, op string, v frag) frag {
	return sqlf("(%s) COLLATE \"C\" "+op+" CAST(%s AS text)", x, v)
}
func (postgres) sortText(x frag) frag { return sqlf("(%s) COLLATE \"C\"", x) }

// checkKey rejects a JSON key that cannot be written safely as a path step
// on every dialect. Keys come from the schema, so this never triggers for
// real attributes.
func checkKey(k string) error {
	for _, r := range k {
		if r == '"' || r == '\\' || r < 0x20 || r == 0x7f {
			return fmt.Errorf("attribute name %q has a character not allowed in a JSON path", k)
		}
	}
	return nil
}
