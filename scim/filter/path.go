package filter

import "strings"

// parseAttrPathWord checks word, found at byte offset pos of src, against
// the attrPath rule of RFC 7644 §3.4.2.2 and splits it:
//
//	attrPath = [URI ":"] ATTRNAME *1subAttr
//	subAttr  = "." ATTRNAME
//
// A schema URN contains colons and dots of its own
// ("urn:ietf:params:scim:schemas:core:2.0:User"), so the URN ends at the
// last colon, and only a dot after that colon starts a sub-attribute.
func parseAttrPathWord(src string, pos int, word string) (AttrPath, error) {
	var p AttrPath
	rest, restPos := word, pos
	if i := strings.LastIndexByte(word, ':'); i >= 0 {
		if err := checkURN(src, pos, word[:i]); err != nil {
			return AttrPath{}, err
		}
		p.URN = word[:i]
		rest, restPos = word[i+1:], pos+i+1
	}
	name, sub, hasSub := strings.Cut(rest, ".")
	if err := checkName(src, restPos, name, "attribute"); err != nil {
		return AttrPath{}, err
	}
	if hasSub {
		if err := checkName(src, restPos+len(name)+1, sub, "sub-attribute"); err != nil {
			return AttrPath{}, err
		}
	}
	p.Name, p.Sub = name, sub
	return p, nil
}

// checkName checks s, found at byte offset pos of src, against
//
//	ATTRNAME = ALPHA *(nameChar)
//	nameChar = "-" / "_" / DIGIT / ALPHA
//
// (RFC 7643 §2.1), with an optional leading "$" for "$ref" and its kin
// (RFC 7643 §2.3.7). what names s in messages ("attribute").
func checkName(src string, pos int, s, what string) error {
	if s == "" {
		return syntaxErr(src, pos, "expected %s name", what)
	}
	i := 0
	if s[0] == '$' {
		i = 1
	}
	if i >= len(s) || !isAlpha(s[i]) {
		return syntaxErr(src, pos, "%s name %s must start with a letter", what, quoteSnippet(s))
	}
	for i++; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) || c == '-' || c == '_' {
			continue
		}
		if c == '.' {
			return syntaxErr(src, pos+i, "sub-attributes nest only one level: unexpected \".\" after %s", quoteSnippet(s[:i]))
		}
		return syntaxErr(src, pos+i, "invalid character %s in %s name %s", describeChar(s, i), what, quoteSnippet(s))
	}
	return nil
}

// checkURN checks the schema URN that qualifies an attribute path, found at
// byte offset pos of src. The RFC allows any URI; this accepts the
// colon-separated form every SCIM schema URN has: a URI scheme
// (RFC 3986 §3.1) followed by non-empty segments.
func checkURN(src string, pos int, urn string) error {
	if urn == "" {
		return syntaxErr(src, pos, `missing schema URN before ":"`)
	}
	for i := 0; i <= len(urn); {
		seg := urn[i:]
		if j := strings.IndexByte(seg, ':'); j >= 0 {
			seg = seg[:j]
		}
		if seg == "" {
			return syntaxErr(src, pos+i, "empty segment in schema URN %s", quoteSnippet(urn))
		}
		if i == 0 {
			if !isAlpha(seg[0]) {
				return syntaxErr(src, pos, "schema URN %s must start with a letter", quoteSnippet(urn))
			}
			for k := 1; k < len(seg); k++ {
				if c := seg[k]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
					return syntaxErr(src, pos+k, "invalid character %s in URI scheme of %s", describeChar(seg, k), quoteSnippet(urn))
				}
			}
		}
		i += len(seg) + 1
	}
	return nil
}
