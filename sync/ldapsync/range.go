package ldapsync

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Range retrieval (MS-ADTS 3.1.1.3.1.3.3, reference directory-sync.md
// §4.1): Active Directory returns at most MaxValRange (1500; 1000 on
// Windows 2000) values of a multi-valued attribute such as member, as
// member;range=0-1499; the rest is read by asking for member;range=1500-*
// and so on until a chunk's upper bound is *.

// rangeOption splits an attribute description carrying a range option:
// "member;range=0-1499" gives ("member", 0, 1499, true), and
// "member;range=1500-*" gives high -1. Other options stay in attr.
func rangeOption(desc string) (attr string, low, high int, ok bool) {
	parts := strings.Split(desc, ";")
	keep := parts[:1]
	found := false
	for _, opt := range parts[1:] {
		spec, isRange := cutPrefixFold(opt, "range=")
		if !isRange || found {
			keep = append(keep, opt)
			continue
		}
		lo, hi, cut := strings.Cut(spec, "-")
		l, err := strconv.Atoi(lo)
		if !cut || err != nil || l < 0 {
			return "", 0, 0, false
		}
		h := -1
		if hi != "*" {
			if h, err = strconv.Atoi(hi); err != nil || h < l-1 {
				return "", 0, 0, false
			}
		}
		low, high, found = l, h, true
	}
	if !found {
		return "", 0, 0, false
	}
	return strings.Join(keep, ";"), low, high, true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// ExpandRanges replaces every ranged attribute of e (member;range=0-1499)
// by the attribute with all its values (member), reading the remaining
// chunks from the directory. A chunk that cannot be read, is missing or
// does not continue where the previous one ended makes the read
// incomplete: the error wraps ErrIncomplete and e is left partly
// expanded.
func (c *Conn) ExpandRanges(ctx context.Context, e *ldap.Entry) error {
	for _, a := range e.Attributes {
		attr, low, high, ok := rangeOption(a.Name)
		if !ok {
			continue
		}
		if low != 0 {
			return fmt.Errorf("%w: %s: the first chunk of %s starts at %d", ErrIncomplete, e.DN, attr, low)
		}
		fetch := func(low int) (*ldap.EntryAttribute, error) { return c.rangeChunk(ctx, e.DN, attr, low) }
		vals, raw, err := collectRange(attr, a, high, fetch)
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrIncomplete, e.DN, err)
		}
		a.Name, a.Values, a.ByteValues = attr, vals, raw
	}
	return nil
}

// collectRange appends the chunks that follow first (whose upper bound is
// high; -1 for *) until the last one.
func collectRange(attr string, first *ldap.EntryAttribute, high int,
	fetch func(low int) (*ldap.EntryAttribute, error)) ([]string, [][]byte, error) {
	vals := append([]string(nil), first.Values...)
	raw := append([][]byte(nil), first.ByteValues...)
	for high >= 0 {
		next := high + 1
		a, err := fetch(next)
		if err != nil {
			return nil, nil, fmt.Errorf("range retrieval of %s from %d: %w", attr, next, err)
		}
		if a == nil {
			return nil, nil, fmt.Errorf("range retrieval of %s from %d: the chunk is missing", attr, next)
		}
		name, low, h, ok := rangeOption(a.Name)
		switch {
		case !ok || !strings.EqualFold(name, attr):
			return nil, nil, fmt.Errorf("range retrieval of %s from %d: got %q", attr, next, a.Name)
		case low != next:
			return nil, nil, fmt.Errorf("range retrieval of %s: asked from %d, got %q", attr, next, a.Name)
		case h >= 0 && len(a.Values) == 0:
			return nil, nil, fmt.Errorf("range retrieval of %s from %d: an empty chunk that is not the last", attr, next)
		}
		vals = append(vals, a.Values...)
		raw = append(raw, a.ByteValues...)
		high = h
	}
	return vals, raw, nil
}

// rangeChunk reads attr;range=low-* of the entry dn; nil when the entry
// comes back without it.
func (c *Conn) rangeChunk(ctx context.Context, dn, attr string, low int) (*ldap.EntryAttribute, error) {
	var out *ldap.EntryAttribute
	n := 0
	err := c.base(ctx, dn, []string{fmt.Sprintf("%s;range=%d-*", attr, low)}, func(e *ldap.Entry) error {
		n++
		for _, a := range e.Attributes {
			if name, _, _, ok := rangeOption(a.Name); ok && strings.EqualFold(name, attr) {
				out = a
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, fmt.Errorf("%d entries for %s", n, dn)
	}
	return out, nil
}

// FullAttribute reads every value of attr of the entry dn, following AD's
// range retrieval when the directory splits the values. The error wraps
// ErrIncomplete when a chunk is missing.
func (c *Conn) FullAttribute(ctx context.Context, dn, attr string) ([]string, error) {
	var entry *ldap.Entry
	err := c.base(ctx, dn, []string{attr}, func(e *ldap.Entry) error {
		entry = e
		return nil
	})
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIncomplete, err)
	}
	if entry == nil {
		return nil, fmt.Errorf("%w: %s: no entry", ErrIncomplete, dn)
	}
	if err := c.ExpandRanges(ctx, entry); err != nil {
		return nil, err
	}
	return entry.GetEqualFoldAttributeValues(attr), nil
}

// base reads the entry dn itself (a base-scope search, unpaged). Errors
// carry the reason (see classify) and are not wrapped in ErrIncomplete.
func (c *Conn) base(ctx context.Context, dn string, attrs []string, fn func(*ldap.Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, c.abort)
	defer stop()
	res, err := c.l.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		0, c.timeLimit(ctx), false, "(objectClass=*)", attrs, nil))
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if err != nil {
		_, reason := classify(err, dn)
		return fmt.Errorf("reading %s: %s: %w", dn, reason, err)
	}
	for _, e := range res.Entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
