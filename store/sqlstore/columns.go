package sqlstore

import (
	"fmt"

	"github.com/scimd/scimd/store"
)

// textColumn is the SQL of a string column, folded or not.
func textColumn(col store.Column, caseExact bool) (sql string, folded bool, ok bool) {
	switch col {
	case store.ColID:
		return "r.id", false, true
	case store.ColExternalID:
		return "r.external_id", false, true
	case store.ColSource:
		return "r.source", false, true
	case store.ColName:
		if caseExact {
			return "r.name", false, true
		}
		return "r.name_fold", true, true
	case store.ColDisplayName:
		if caseExact {
			return "r.display_name", false, true
		}
		return "r.display_name_fold", true, true
	}
	return "", false, false
}

// column compiles a comparison on a resource column or relation (ne has
// been turned into NOT eq by the caller). Columns are NOT NULL, so the
// conditions are two-valued without COALESCE and can use indexes.
func (c *compiler) column(x store.Compare) (frag, error) {
	col := x.Attr.Column
	if sql, folded, ok := textColumn(col, x.Attr.CaseExact); ok {
		if x.Op == store.OpPresent {
			return lit(sql + " <> ''"), nil
		}
		s, ok := x.Value.(string)
		if !ok {
			return frag{}, fmt.Errorf("comparing %s with %T", col, x.Value)
		}
		if folded {
			s = store.Fold(s)
		}
		return c.text(lit(sql), x.Op, s)
	}
	if x.Op == store.OpPresent {
		switch col {
		case store.ColActive, store.ColCreated, store.ColModified, store.ColVersion:
			return lit("TRUE"), nil
		}
	}
	switch col {
	case store.ColActive:
		b, ok := x.Value.(bool)
		if !ok || x.Op != store.OpEq {
			return frag{}, fmt.Errorf("active supports eq, ne and pr with a boolean, not %s %T", x.Op, x.Value)
		}
		return sqlf("r.active = %s", bind(b)), nil
	case store.ColVersion:
		return c.ordered(lit("r.version"), x, func(v any) (frag, error) {
			n, err := number(v)
			return sqlf("CAST(%s AS NUMERIC)", bind(n)), err // 1.5 is a valid bound
		})
	case store.ColCreated, store.ColModified:
		return c.ordered(lit("r."+string(col)), x, func(v any) (frag, error) {
			t, err := instant(v)
			return bind(c.d.timeArg(t)), err
		})
	case store.ColMember:
		return c.member(x)
	case store.ColGroup:
		return c.group(x)
	}
	return frag{}, fmt.Errorf("unknown column %q", col)
}

// member: the group r has the live member x.Value (pr: any live member).
func (c *compiler) member(x store.Compare) (frag, error) {
	c.n++
	m, mr := fmt.Sprintf("m%d", c.n), fmt.Sprintf("mr%d", c.n)
	base := "EXISTS (SELECT 1 FROM members " + m + " JOIN resources " + mr +
		" ON " + mr + ".org_id = " + m + ".org_id AND " + mr + ".id = " + m + ".member_id" +
		" WHERE " + m + ".org_id = r.org_id AND " + m + ".group_id = r.id AND " + mr + ".archived IS NULL"
	switch x.Op {
	case store.OpPresent:
		return lit(base + ")"), nil
	case store.OpEq:
		id, ok := x.Value.(string)
		if !ok {
			return frag{}, fmt.Errorf("comparing a member id with %T", x.Value)
		}
		return sqlf(base+" AND "+m+".member_id = %s)", bind(id)), nil
	}
	return frag{}, fmt.Errorf("members support eq, ne and pr, not %s", x.Op)
}

// group: the user r belongs to the group x.Value directly or through
// sub-groups (pr: to any live group). The sub-groups of the group are
// walked down over group-kind edges; only live groups have such edges.
func (c *compiler) group(x store.Compare) (frag, error) {
	c.n++
	m, g, down := fmt.Sprintf("m%d", c.n), fmt.Sprintf("g%d", c.n), fmt.Sprintf("down%d", c.n)
	switch x.Op {
	case store.OpPresent:
		return lit("EXISTS (SELECT 1 FROM members " + m + " JOIN resources " + g +
			" ON " + g + ".org_id = " + m + ".org_id AND " + g + ".id = " + m + ".group_id" +
			" WHERE " + m + ".org_id = r.org_id AND " + m + ".member_id = r.id AND " + g + ".archived IS NULL)"), nil
	case store.OpEq:
		id, ok := x.Value.(string)
		if !ok {
			return frag{}, fmt.Errorf("comparing a group id with %T", x.Value)
		}
		return sqlf("r.id IN (WITH RECURSIVE "+down+"(id) AS ("+
			"SELECT "+g+".id FROM resources "+g+" WHERE "+g+".org_id = %s AND "+g+".id = %s AND "+
			g+".kind = 'Group' AND "+g+".archived IS NULL"+
			" UNION SELECT "+m+".member_id FROM members "+m+" JOIN "+down+" ON "+m+".group_id = "+down+".id"+
			" WHERE "+m+".org_id = %s AND "+m+".member_kind = 'Group')"+
			" SELECT "+m+"u.member_id FROM members "+m+"u JOIN "+down+" ON "+m+"u.group_id = "+down+".id"+
			" WHERE "+m+"u.org_id = %s)",
			bind(c.orgID), bind(id), bind(c.orgID), bind(c.orgID)), nil
	}
	return frag{}, fmt.Errorf("groups support eq, ne and pr, not %s", x.Op)
}

// sortKey is the expression a List sorts by; NULL means missing.
func (c *compiler) sortKey(a store.Attr) (frag, error) {
	if a.Column != "" {
		switch a.Column {
		case store.ColID, store.ColName:
			sql, _, _ := textColumn(a.Column, a.CaseExact)
			return lit(sql), nil
		case store.ColExternalID, store.ColDisplayName:
			sql, _, _ := textColumn(a.Column, a.CaseExact)
			return lit("NULLIF(" + sql + ", '')"), nil
		case store.ColActive, store.ColCreated, store.ColModified, store.ColVersion:
			return lit("r." + string(a.Column)), nil
		}
		return frag{}, fmt.Errorf("cannot sort by %q", a.Column)
	}
	if len(a.Path) == 0 {
		return frag{}, fmt.Errorf("sort attribute has neither a column nor a path")
	}
	if err := checkPath(a.Path); err != nil {
		return frag{}, err
	}
	doc := jloc{src: "r.doc", path: a.Path}
	switch a.Type {
	case store.TypeString, store.TypeReference, store.TypeBinary, "":
		if !a.CaseExact && a.Type != store.TypeBinary {
			doc.src = "r.fold"
		}
		return c.d.sortText(c.d.jsonText(doc)), nil
	case store.TypeBoolean:
		return c.d.jsonBool(doc), nil
	case store.TypeInteger, store.TypeDecimal:
		return c.d.jsonNum(doc), nil
	case store.TypeDateTime:
		return c.d.jsonTime(doc), nil
	}
	return frag{}, fmt.Errorf("cannot sort by an attribute of type %q", a.Type)
}
