package sqlstore

import (
	"fmt"
	"strings"
)

// frag is a piece of SQL and the arguments of its ? placeholders, in
// order. Fragments compose with sqlf, which keeps the arguments in the
// order their placeholders appear, even when a fragment is used twice.
type frag struct {
	sql  string
	args []any
}

// lit is trusted SQL text with no placeholder: only constants of this
// package, never a value or a name from a caller.
func lit(s string) frag { return frag{sql: s} }

// bind is one bound value.
func bind(v any) frag { return frag{sql: "?", args: []any{v}} }

// sqlf replaces each %s of format, in order, with the next part. format is
// a constant of this package.
func sqlf(format string, parts ...frag) frag {
	pieces := strings.Split(format, "%s")
	if len(pieces) != len(parts)+1 {
		panic(fmt.Sprintf("sqlstore: %d parts for %d slots in %q", len(parts), len(pieces)-1, format))
	}
	var out frag
	var b strings.Builder
	for i, p := range pieces {
		b.WriteString(p)
		if i < len(parts) {
			b.WriteString(parts[i].sql)
			out.args = append(out.args, parts[i].args...)
		}
	}
	out.sql = b.String()
	return out
}
