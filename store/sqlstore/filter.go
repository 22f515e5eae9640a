package sqlstore

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/scimd/scimd/store"
)

// compiler turns a store.Expr into a SQL condition over resources r, every
// value bound. Every condition it produces is two-valued (never NULL), so
// NOT means "not": a comparison on a missing value is false and its
// negation true.
type compiler struct {
	d     dialect
	orgID string
	n     int // alias counter
}

// scope is where relative JSON paths resolve: the resource's documents, or
// the current array element inside an Any.
type scope struct {
	doc, fold string // "r.doc"/"r.fold", or element aliases
	elem      bool
	usedFold  bool // the condition read the folded document
}

func rootScope() *scope { return &scope{doc: "r.doc", fold: "r.fold"} }

func (c *compiler) expr(e store.Expr, sc *scope) (frag, error) {
	switch x := e.(type) {
	case store.And:
		return c.binary("(%s AND %s)", x.L, x.R, sc)
	case *store.And:
		return c.binary("(%s AND %s)", x.L, x.R, sc)
	case store.Or:
		return c.binary("(%s OR %s)", x.L, x.R, sc)
	case *store.Or:
		return c.binary("(%s OR %s)", x.L, x.R, sc)
	case store.Not:
		return c.not(x.X, sc)
	case *store.Not:
		return c.not(x.X, sc)
	case store.Compare:
		return c.compare(x, sc)
	case *store.Compare:
		return c.compare(*x, sc)
	case store.Any:
		return c.any(x, sc)
	case *store.Any:
		return c.any(*x, sc)
	}
	return frag{}, fmt.Errorf("unsupported filter expression %T", e)
}

func (c *compiler) binary(format string, l, r store.Expr, sc *scope) (frag, error) {
	lf, err := c.expr(l, sc)
	if err != nil {
		return frag{}, err
	}
	rf, err := c.expr(r, sc)
	if err != nil {
		return frag{}, err
	}
	return sqlf(format, lf, rf), nil
}

func (c *compiler) not(x store.Expr, sc *scope) (frag, error) {
	f, err := c.expr(x, sc)
	if err != nil {
		return frag{}, err
	}
	return sqlf("(NOT %s)", f), nil
}

// any is EXISTS over the elements of a multi-valued attribute, joined
// element by element with the folded document when the condition compares
// case-insensitively.
func (c *compiler) any(x store.Any, sc *scope) (frag, error) {
	if err := checkPath(x.Path); err != nil {
		return frag{}, err
	}
	if len(x.Path) == 0 && !sc.elem {
		return frag{}, fmt.Errorf("multi-valued filter without an attribute path")
	}
	c.n++
	e, f := fmt.Sprintf("e%d", c.n), fmt.Sprintf("f%d", c.n)
	inner := &scope{doc: e, fold: f, elem: true}
	cond := lit("TRUE")
	if x.Cond != nil {
		var err error
		if cond, err = c.expr(x.Cond, inner); err != nil {
			return frag{}, err
		}
	}
	from := c.d.elements(jloc{src: sc.doc, elem: sc.elem, path: x.Path}, e)
	if inner.usedFold {
		sc.usedFold = true
		from = sqlf("%s JOIN %s ON "+c.d.sameElement(e, f), from,
			c.d.elements(jloc{src: sc.fold, elem: sc.elem, path: x.Path}, f))
	}
	return sqlf("EXISTS (SELECT 1 FROM %s WHERE %s)", from, cond), nil
}

// sqlOp is the SQL of eq and the ordering operators.
func sqlOp(op store.Op) (string, bool) {
	switch op {
	case store.OpEq:
		return "=", true
	case store.OpGt:
		return ">", true
	case store.OpGe:
		return ">=", true
	case store.OpLt:
		return "<", true
	case store.OpLe:
		return "<=", true
	}
	return "", false
}

func (c *compiler) compare(x store.Compare, sc *scope) (frag, error) {
	if x.Op == store.OpNe {
		eq := x
		eq.Op = store.OpEq
		f, err := c.compare(eq, sc)
		if err != nil {
			return frag{}, err
		}
		return sqlf("(NOT %s)", f), nil
	}
	if x.Attr.Column != "" {
		if sc.elem {
			return frag{}, fmt.Errorf("column %q inside a multi-valued filter", x.Attr.Column)
		}
		return c.column(x)
	}
	if len(x.Attr.Path) == 0 && !sc.elem {
		return frag{}, fmt.Errorf("filter attribute has neither a column nor a path")
	}
	if err := checkPath(x.Attr.Path); err != nil {
		return frag{}, err
	}
	doc := jloc{src: sc.doc, elem: sc.elem, path: x.Attr.Path}
	if x.Op == store.OpPresent {
		return c.d.jsonPresent(doc), nil
	}
	var p frag
	var err error
	switch x.Attr.Type {
	case store.TypeString, store.TypeReference, store.TypeBinary, "":
		s, ok := x.Value.(string)
		if !ok {
			return frag{}, fmt.Errorf("comparing a string attribute with %T", x.Value)
		}
		loc := doc
		if !x.Attr.CaseExact && x.Attr.Type != store.TypeBinary {
			loc = jloc{src: sc.fold, elem: sc.elem, path: x.Attr.Path}
			s = store.Fold(s)
			sc.usedFold = true
		}
		p, err = c.text(c.d.jsonText(loc), x.Op, s)
	case store.TypeBoolean:
		b, ok := x.Value.(bool)
		if !ok || x.Op != store.OpEq {
			return frag{}, fmt.Errorf("boolean attributes support eq, ne and pr with a boolean, not %s %T", x.Op, x.Value)
		}
		p = sqlf("%s = %s", c.d.jsonBool(doc), bind(b))
	case store.TypeInteger, store.TypeDecimal:
		p, err = c.ordered(c.d.jsonNum(doc), x, func(v any) (frag, error) {
			n, err := number(v)
			return bind(n), err
		})
	case store.TypeDateTime:
		if s, ok := x.Value.(string); ok && (x.Op == store.OpCo || x.Op == store.OpSw || x.Op == store.OpEw) {
			p, err = c.text(c.d.jsonText(doc), x.Op, s)
			break
		}
		p, err = c.ordered(c.d.jsonTime(doc), x, func(v any) (frag, error) {
			t, err := instant(v)
			return c.d.timeParam(bind(c.d.timeArg(t))), err
		})
	default:
		return frag{}, fmt.Errorf("unsupported attribute type %q", x.Attr.Type)
	}
	if err != nil {
		return frag{}, err
	}
	return sqlf("COALESCE(%s, FALSE)", p), nil
}

// text compares a string expression (NULL when not a string) with s.
func (c *compiler) text(x frag, op store.Op, s string) (frag, error) {
	switch op {
	case store.OpCo, store.OpSw, store.OpEw:
		if s == "" {
			return sqlf("%s IS NOT NULL", x), nil
		}
	}
	switch op {
	case store.OpEq:
		return sqlf("%s = %s", x, bind(s)), nil
	case store.OpCo:
		return c.d.contains(x, bind(s)), nil
	case store.OpSw:
		return c.d.startsWith(x, bind(s)), nil
	case store.OpEw:
		return c.d.endsWith(x, bind(s)), nil
	case store.OpGt, store.OpGe, store.OpLt, store.OpLe:
		sop, _ := sqlOp(op)
		return c.d.cmpText(x, sop, bind(s)), nil
	}
	return frag{}, fmt.Errorf("unsupported operator %q", op)
}

// ordered compares x with the value of cmp using eq, gt, ge, lt or le.
func (c *compiler) ordered(x frag, cmp store.Compare, value func(any) (frag, error)) (frag, error) {
	op, ok := sqlOp(cmp.Op)
	if !ok {
		return frag{}, fmt.Errorf("operator %q does not apply to %s attributes", cmp.Op, typeName(cmp.Attr))
	}
	v, err := value(cmp.Value)
	if err != nil {
		return frag{}, err
	}
	return sqlf("%s "+op+" %s", x, v), nil
}

func typeName(a store.Attr) string {
	if a.Column != "" {
		return string(a.Column)
	}
	return string(a.Type)
}

// number normalizes a numeric filter value.
func number(v any) (any, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, fmt.Errorf("number %v is not comparable", n)
		}
		return n, nil
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		f, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", n, err)
		}
		return number(f)
	}
	return nil, fmt.Errorf("comparing a number with %T", v)
}

// instant parses a dateTime filter value (RFC 3339).
func instant(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Truncate(time.Microsecond), nil
	case string:
		p, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return time.Time{}, fmt.Errorf("dateTime %q is not RFC 3339: %w", t, err)
		}
		return p.UTC().Truncate(time.Microsecond), nil
	}
	return time.Time{}, fmt.Errorf("comparing a dateTime with %T", v)
}

func checkPath(path []string) error {
	for _, k := range path {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	return nil
}
