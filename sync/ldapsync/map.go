package ldapsync

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/scimd/scimd/scim/schema"
)

// Why a directory user is inactive (DirUser.Reason).
const (
	ReasonDisabled = "disabled in the directory"
	ReasonExpired  = "expired in the directory"
)

// ErrNoIdentity is wrapped by the mapping error of an entry that lacks
// the id attribute: nobody can tell which user or group it is, so a read
// with such an entry is not complete (Conn.Users, Conn.Groups).
var ErrNoIdentity = errors.New("entry has no id attribute")

// DirUser is a directory user mapped to SCIM.
type DirUser struct {
	// SourceID is the stable identity: the id attribute's value (an AD
	// objectGUID in its canonical string form).
	SourceID string
	DN       string // as the directory wrote it
	DNKey    string // CanonicalDN(DN), to compare with member and manager DNs
	UserName string // Attrs["userName"]
	// UID is the entry's uid attribute, which posixGroup memberUid values
	// name ("" when absent).
	UID string
	// Attrs is the SCIM User document in canonical stored form (as
	// schema.ResourceType.Normalize makes it): core attributes at the top
	// level, enterprise ones under their URN, "schemas" set; no id, meta,
	// active or manager (the engine sets those).
	Attrs map[string]any
	// ManagerDN is the manager's DN in canonical form ("" when none); the
	// engine resolves it to the manager's scimd id.
	ManagerDN string
	// Disabled: the directory says the account is off (AD
	// userAccountControl bit 0x2, an accountExpires in the past, the
	// source's DisabledAttribute TRUE); Reason says which.
	Disabled bool
	Reason   string
	// raw is the hash of what the directory says of the user, before
	// mapping (Mapper.prepare, entryHasher): the mapping's fingerprint,
	// the account state and the raw values of every requested attribute.
	raw [sha256.Size]byte
}

// DirGroup is a directory group, to become a team.
type DirGroup struct {
	SourceID string
	DN       string
	DNKey    string // CanonicalDN(DN)
	Name     string // the GroupNameAttribute's value
	// MemberDNs are the member and uniqueMember values in canonical form,
	// deduplicated, in directory order: users, and groups (sub-teams)
	// alike. The group itself and empty DNs (placeholders) are left out.
	MemberDNs []string
	// MemberUIDs are posixGroup memberUid values: users' uid attributes.
	MemberUIDs []string
}

// Mapper turns a source's directory entries into DirUser and DirGroup.
// It is immutable and safe for concurrent use.
type Mapper struct {
	src        Source
	rt         *schema.ResourceType
	targets    []target
	userName   string // the LDAP attribute mapped to userName
	manager    string // the LDAP attribute mapped to the manager ("": none)
	adAccount  bool   // honour userAccountControl and accountExpires
	userAttrs  []string
	groupAttrs []string
	// fp is the fingerprint of everything, but the entry, that a mapped
	// user depends on (Mapper.fingerprint).
	fp [sha256.Size]byte
}

// NewMapper compiles the source's mapping (with its preset applied)
// against rt, the organization's User resource type (nil: the core User
// with the enterprise extension, schema.NewUserType()).
func NewMapper(src Source, rt *schema.ResourceType) (*Mapper, error) {
	src.ApplyPreset()
	if rt == nil {
		rt = schema.NewUserType()
	}
	targets, problems := compileMapping(rt, src.Mapping, false)
	if src.IDAttribute == "" || !validAttr(src.IDAttribute) {
		problems = append(problems, fmt.Sprintf("idAttribute: %q is not an LDAP attribute name", src.IDAttribute))
	}
	m := &Mapper{
		src: src, rt: rt, targets: targets,
		adAccount: src.Preset == PresetActiveDirectory || strings.EqualFold(src.IDAttribute, "objectGUID"),
	}
	for _, t := range targets {
		if t.res.Attr.Name == "userName" && !t.res.Extension() {
			m.userName = t.ldap
		}
		if t.manager {
			m.manager = t.ldap
		}
	}
	if m.userName == "" {
		problems = append(problems, "mapping: userName must be mapped")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("ldap source %q: %s", src.Name, strings.Join(problems, "; "))
	}
	m.userAttrs = attrList(src.IDAttribute, "uid", src.DisabledAttribute)
	for _, t := range targets {
		m.userAttrs = attrList(append(m.userAttrs, t.ldap)...)
	}
	if m.adAccount {
		m.userAttrs = attrList(append(m.userAttrs, "userAccountControl", "accountExpires")...)
	}
	m.groupAttrs = attrList(src.IDAttribute, src.GroupNameAttribute, src.MemberAttribute, "uniqueMember", "memberUid")
	var err error
	if m.fp, err = m.fingerprint(); err != nil {
		return nil, fmt.Errorf("ldap source %q: %w", src.Name, err)
	}
	return m, nil
}

// UserAttributes are the attributes to request for users.
func (m *Mapper) UserAttributes() []string { return append([]string(nil), m.userAttrs...) }

// GroupAttributes are the attributes to request for groups.
func (m *Mapper) GroupAttributes() []string { return append([]string(nil), m.groupAttrs...) }

// attrList deduplicates attribute names case-insensitively, dropping
// empty ones.
func attrList(names ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		out = append(out, n)
	}
	return out
}

// User maps a user entry. now decides whether an accountExpires has
// passed. An entry without the id attribute (ErrNoIdentity), without a
// userName, or whose mapped document is not a valid SCIM User gives an
// error naming the entry; SourceID and DN are set whenever known, so that
// the engine can still count the user as seen.
func (m *Mapper) User(e *ldap.Entry, now time.Time) (DirUser, error) {
	u, err := m.prepare(e, now, nil)
	if err != nil {
		return u, err
	}
	return u, m.complete(&u, e)
}

// prepare reads what User reads of e but the document: identity, DN, uid,
// manager DN, account state, and the hash of the entry's raw values
// (DirUser.raw), with h (nil: a hasher of its own). complete finishes the
// mapping; the engine skips it for a user whose stored hash says it is in
// step.
func (m *Mapper) prepare(e *ldap.Entry, now time.Time, h *entryHasher) (DirUser, error) {
	u := DirUser{DN: e.DN, DNKey: CanonicalDN(e.DN)}
	id, err := m.sourceID(e)
	if err != nil {
		return u, fmt.Errorf("user %s: %w", e.DN, err)
	}
	u.SourceID = id
	u.UID = e.GetEqualFoldAttributeValue("uid")
	if len(e.GetEqualFoldAttributeValues(m.userName)) == 0 {
		return u, fmt.Errorf("user %s: no %s (mapped to userName)", e.DN, m.userName)
	}
	if m.manager != "" {
		if v := e.GetEqualFoldAttributeValues(m.manager); len(v) > 0 {
			u.ManagerDN = CanonicalDN(v[0])
		}
	}
	if err := m.accountState(&u, e, now); err != nil {
		return u, fmt.Errorf("user %s: %w", e.DN, err)
	}
	if h == nil {
		h = m.newHasher()
	}
	u.raw = h.sum(e, u.Disabled, u.Reason)
	return u, nil
}

// complete maps the document of a user prepared from e: Attrs and
// UserName.
func (m *Mapper) complete(u *DirUser, e *ldap.Entry) error {
	doc := map[string]any{}
	for _, t := range m.targets {
		if !t.manager {
			m.place(doc, t, e)
		}
	}
	norm, err := m.rt.Normalize(doc)
	if err != nil {
		return fmt.Errorf("user %s: the mapped document is not a valid SCIM User: %w", e.DN, err)
	}
	u.Attrs = norm
	u.UserName, _ = norm["userName"].(string)
	return nil
}

// place puts the values of t's LDAP attribute into doc (client form, for
// Normalize).
func (m *Mapper) place(doc map[string]any, t target, e *ldap.Entry) {
	def := t.res.Def()
	if t.elem != nil {
		def = t.elem
	}
	var vals []any
	if def.Type == schema.Binary {
		for _, b := range e.GetEqualFoldRawAttributeValues(t.ldap) {
			vals = append(vals, base64.StdEncoding.EncodeToString(b))
		}
	} else {
		for _, s := range e.GetEqualFoldAttributeValues(t.ldap) {
			if def.Type == schema.DateTime {
				s = generalizedTime(s)
			}
			vals = append(vals, s)
		}
	}
	if len(vals) == 0 {
		return
	}
	keys := t.res.Keys()
	switch {
	case t.elem != nil:
		list, _ := schema.GetKeys(doc, keys).([]any)
		for _, v := range vals {
			el := map[string]any{t.elem.Name: v}
			for _, c := range t.match {
				el[c.name] = c.value
			}
			list = append(list, el)
		}
		setKeys(doc, keys, list)
	case t.res.Attr.MultiValued:
		list, _ := schema.GetKeys(doc, keys).([]any)
		setKeys(doc, keys, append(list, vals...))
	default:
		setKeys(doc, keys, vals[0])
	}
}

// generalizedTime rewrites an LDAP GeneralizedTime (RFC 4517 §3.3.13:
// 20240131235959Z, 20240131235959.5+0100) as RFC 3339 for a SCIM dateTime;
// other values are returned unchanged (Normalize judges them).
func generalizedTime(v string) string {
	for _, layout := range []string{"20060102150405Z0700", "20060102150405.999999999Z0700", "200601021504Z0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return schema.FormatTime(t)
		}
	}
	return v
}

// accountState sets Disabled and Reason.
func (m *Mapper) accountState(u *DirUser, e *ldap.Entry, now time.Time) error {
	if m.adAccount {
		if v := e.GetEqualFoldAttributeValue("userAccountControl"); v != "" {
			off, err := UACDisabled(v)
			if err != nil {
				return err
			}
			if off {
				u.Disabled, u.Reason = true, ReasonDisabled
				return nil
			}
		}
	}
	if a := m.src.DisabledAttribute; a != "" && strings.EqualFold(e.GetEqualFoldAttributeValue(a), "TRUE") {
		u.Disabled, u.Reason = true, ReasonDisabled
		return nil
	}
	if m.adAccount {
		if v := e.GetEqualFoldAttributeValue("accountExpires"); v != "" {
			expired, err := AccountExpired(v, now)
			if err != nil {
				return err
			}
			if expired {
				u.Disabled, u.Reason = true, ReasonExpired
			}
		}
	}
	return nil
}

// uidSuffix is the optional "#'0101'B" that follows the DN in a
// uniqueMember value (RFC 4517 §3.3.21 NameAndOptionalUID).
var uidSuffix = regexp.MustCompile(`#'[01]*'B$`)

// Group maps a group entry whose ranged attributes were expanded
// (Conn.ExpandRanges; a member;range=0-1499 left in the entry is an
// error).
func (m *Mapper) Group(e *ldap.Entry) (DirGroup, error) {
	g := DirGroup{DN: e.DN, DNKey: CanonicalDN(e.DN)}
	id, err := m.sourceID(e)
	if err != nil {
		return g, fmt.Errorf("group %s: %w", e.DN, err)
	}
	g.SourceID = id
	for _, a := range e.Attributes {
		if attr, _, high, ok := rangeOption(a.Name); ok && high >= 0 {
			return g, fmt.Errorf("group %s: %s holds only part of its values (%s); expand the ranges first", e.DN, attr, a.Name)
		}
	}
	if g.Name = strings.TrimSpace(e.GetEqualFoldAttributeValue(m.src.GroupNameAttribute)); g.Name == "" {
		return g, fmt.Errorf("group %s: no %s (the group's name)", e.DN, m.src.GroupNameAttribute)
	}
	seen := map[string]bool{g.DNKey: true, "": true}
	addDN := func(v string) {
		k := CanonicalDN(v)
		if !seen[k] {
			seen[k] = true
			g.MemberDNs = append(g.MemberDNs, k)
		}
	}
	for _, v := range attrValues(e, m.src.MemberAttribute) {
		addDN(v)
	}
	if !strings.EqualFold(m.src.MemberAttribute, "uniqueMember") {
		for _, v := range attrValues(e, "uniqueMember") {
			addDN(uidSuffix.ReplaceAllString(v, ""))
		}
	}
	uids := map[string]bool{}
	for _, v := range attrValues(e, "memberUid") {
		if v = strings.TrimSpace(v); v != "" && !uids[v] {
			uids[v] = true
			g.MemberUIDs = append(g.MemberUIDs, v)
		}
	}
	return g, nil
}

// attrValues returns the values of attr, also under a final range option
// (member;range=0-*).
func attrValues(e *ldap.Entry, attr string) []string {
	var out []string
	for _, a := range e.Attributes {
		name := a.Name
		if n, _, high, ok := rangeOption(name); ok && high < 0 {
			name = n
		}
		if strings.EqualFold(name, attr) {
			out = append(out, a.Values...)
		}
	}
	return out
}

// sourceID reads the entry's stable identity.
func (m *Mapper) sourceID(e *ldap.Entry) (string, error) {
	attr := m.src.IDAttribute
	raw := e.GetEqualFoldRawAttributeValues(attr)
	switch {
	case len(raw) == 0 || len(raw[0]) == 0:
		return "", fmt.Errorf("%w (%s)", ErrNoIdentity, attr)
	case len(raw) > 1:
		return "", fmt.Errorf("id attribute %s has %d values", attr, len(raw))
	}
	b := raw[0]
	switch {
	case strings.EqualFold(attr, "objectGUID"), strings.EqualFold(attr, "ms-DS-ConsistencyGuid"):
		return DecodeGUID(b)
	case strings.EqualFold(attr, "entryUUID"), strings.EqualFold(attr, "ipaUniqueID"), strings.EqualFold(attr, "nsUniqueId"):
		if v := e.GetEqualFoldAttributeValues(attr); len(v) == 1 && v[0] == string(b) {
			return strings.ToLower(v[0]), nil // no copy when lower-case already
		}
		return strings.ToLower(string(b)), nil
	}
	if !utf8.Valid(b) {
		return hex.EncodeToString(b), nil
	}
	return string(b), nil
}

// setKeys stores v at the nested keys of doc, creating objects on the way.
func setKeys(doc map[string]any, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		child, ok := doc[k].(map[string]any)
		if !ok {
			child = map[string]any{}
			doc[k] = child
		}
		doc = child
	}
	doc[keys[len(keys)-1]] = v
}

// getKeys is schema.GetKeys.
func getKeys(doc map[string]any, keys []string) any { return schema.GetKeys(doc, keys) }
