package ldapsync

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/robfig/cron/v3"

	"github.com/scimd/scimd/scim/schema"
)

// Source is one directory an organization syncs from, as configured in
// YAML. Fill it by decoding, then call ApplyPreset and Validate (Validate
// applies the preset to a copy itself, so the order is free).
//
// The bind password is never in the configuration: it is read from
// BindPasswordFile or the environment variable BindPasswordEnv when
// connecting, and never kept, printed or logged.
type Source struct {
	// Name identifies the source within its organization; users and
	// groups it owns have the source "ldap:<name>".
	Name string `yaml:"name"`

	// URL is ldap://host[:port] or ldaps://host[:port].
	URL      string `yaml:"url"`
	StartTLS bool   `yaml:"startTLS"` // upgrade ldap:// with StartTLS
	// CAFile is a PEM bundle of the CAs trusted for the server's
	// certificate; empty means the system's trust store.
	CAFile         string `yaml:"caFile"`
	ClientCertFile string `yaml:"clientCertFile"` // PEM client certificate (with ClientKeyFile)
	ClientKeyFile  string `yaml:"clientKeyFile"`
	// InsecureSkipVerify turns off certificate verification. Off by
	// default; when on, the engine logs a warning on every run (Insecure).
	InsecureSkipVerify bool `yaml:"insecureSkipVerify"`

	BindDN           string `yaml:"bindDN"`
	BindPasswordFile string `yaml:"bindPasswordFile"` // trailing newlines are ignored
	BindPasswordEnv  string `yaml:"bindPasswordEnv"`
	// BindPassword exists only to reject a literal password in the
	// configuration with a clear message; it is never used, printed or
	// serialized.
	BindPassword string `yaml:"bindPassword" json:"-"`

	// BaseDN is the directory's naming context; UserBaseDN and
	// GroupBaseDN default to it (for FreeIPA, to cn=users,cn=accounts and
	// cn=groups,cn=accounts below it).
	BaseDN      string `yaml:"baseDN"`
	UserBaseDN  string `yaml:"userBaseDN"`
	UserFilter  string `yaml:"userFilter"`
	GroupBaseDN string `yaml:"groupBaseDN"` // empty after defaults: groups are not synced
	GroupFilter string `yaml:"groupFilter"`

	// PageSize is the number of entries per page of a search (default 500;
	// Active Directory: 1000, its MaxPageSize, which is also the maximum).
	PageSize int `yaml:"pageSize"`
	// TimeLimit is the server-side time limit of each page request (0:
	// none besides the run's own deadline).
	TimeLimit time.Duration `yaml:"timeLimit"`
	// Schedule is a standard five-field cron spec or a descriptor such as
	// "@hourly" or "@every 30m"; empty means manual runs only.
	Schedule   string     `yaml:"schedule"`
	Thresholds Thresholds `yaml:"thresholds"`

	// Preset fills defaults for "openldap", "activedirectory" or
	// "freeipa"; every field it fills can be set explicitly instead.
	Preset string `yaml:"preset"`
	// IDAttribute is the attribute holding each entry's stable identity:
	// entryUUID, objectGUID (decoded to its canonical string form),
	// ipaUniqueID or any attribute that never changes. Never the DN,
	// userName or e-mail.
	IDAttribute string `yaml:"idAttribute"`
	// Mapping maps SCIM User attribute paths to LDAP attributes, on top of
	// the preset's mapping (an empty value removes a preset entry):
	//	userName: uid
	//	name.givenName: givenName
	//	emails[type eq "work"].value: mail
	//	urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager: manager
	// The manager attribute holds a DN, resolved to a user by the engine.
	Mapping map[string]string `yaml:"mapping"`
	// GroupNameAttribute names a group (default cn).
	GroupNameAttribute string `yaml:"groupNameAttribute"`
	// MemberAttribute lists a group's member DNs (default member).
	// uniqueMember (groupOfUniqueNames) and memberUid (posixGroup) are
	// always read as well.
	MemberAttribute string `yaml:"memberAttribute"`
	// DisabledAttribute marks a disabled user when its value is TRUE
	// (FreeIPA: nsAccountLock). Active Directory's userAccountControl
	// (bit 0x2) and accountExpires are honoured with the activedirectory
	// preset or objectGUID as the id attribute.
	DisabledAttribute string `yaml:"disabledAttribute"`
	// OUTeams makes the organizational units below UserBaseDN a team tree.
	OUTeams bool `yaml:"ouTeams"`
	// AdoptExisting lets the sync take over users that exist without an
	// owning directory source and match by userName (explicit opt-in; the
	// adoption is recorded).
	AdoptExisting bool `yaml:"adoptExisting"`
}

// Thresholds hold a run's mass changes for approval. A run is held when it
// would exceed the count or the percentage. A nil field takes the default
// (ApplyPreset fills it: 50 deactivations or 10 % of the source's active
// users; 500 membership removals or 20 % of its memberships); 0 holds
// every such change.
type Thresholds struct {
	MaxDeactivations            *int     `yaml:"maxDeactivations"`
	MaxDeactivationPercent      *float64 `yaml:"maxDeactivationPercent"`
	MaxMembershipRemovals       *int     `yaml:"maxMembershipRemovals"`
	MaxMembershipRemovalPercent *float64 `yaml:"maxMembershipRemovalPercent"`
}

// The presets.
const (
	PresetOpenLDAP        = "openldap"
	PresetActiveDirectory = "activedirectory"
	PresetFreeIPA         = "freeipa"
)

// Page sizes.
const (
	DefaultPageSize = 500
	ADMaxPageSize   = 1000 // Active Directory's default MaxPageSize
	MaxPageSize     = 10000
)

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Insecure reports whether certificate verification is off; the engine
// warns loudly when it is.
func (s Source) Insecure() bool { return s.InsecureSkipVerify }

// Plaintext reports whether the bind password and the directory's data
// cross the network unencrypted (ldap:// without StartTLS).
func (s Source) Plaintext() bool {
	u, err := url.Parse(s.URL)
	return err == nil && strings.EqualFold(u.Scheme, "ldap") && !s.StartTLS
}

// SyncsGroups reports whether the source reads groups (a group base DN is
// set, or defaulted by the preset).
func (s Source) SyncsGroups() bool {
	s.ApplyPreset()
	return s.GroupBaseDN != ""
}

// bindPassword reads the bind password from its file or environment
// variable.
func (s Source) bindPassword() (string, error) {
	switch {
	case s.BindPasswordFile != "":
		b, err := os.ReadFile(s.BindPasswordFile)
		if err != nil {
			return "", fmt.Errorf("reading the bind password: %w", err)
		}
		pw := strings.TrimRight(string(b), "\r\n")
		if pw == "" {
			return "", fmt.Errorf("bind password file %s is empty", s.BindPasswordFile)
		}
		return pw, nil
	case s.BindPasswordEnv != "":
		pw := os.Getenv(s.BindPasswordEnv)
		if pw == "" {
			return "", fmt.Errorf("environment variable %s (the bind password) is not set", s.BindPasswordEnv)
		}
		return pw, nil
	}
	return "", errors.New("no bind password: set bindPasswordFile or bindPasswordEnv")
}

// Validate reports every problem of the source as it will run (with its
// preset applied), each message prefixed by the field. Files named by the
// source (CA, client certificate and key, password file) must be readable;
// the bind password source must yield a password. Nil means valid.
func (s Source) Validate() []string {
	var p problems
	raw := s.Mapping
	s.ApplyPreset()
	if !sourceName.MatchString(s.Name) {
		p.add("name: %q must be 1-63 lower-case letters, digits, '-' or '_'", s.Name)
	}
	s.validateConnection(&p)
	if s.BindPassword != "" {
		p.add("bindPassword: a password may not be written in the configuration; use bindPasswordFile or bindPasswordEnv")
	}
	switch {
	case s.BindDN == "":
		p.add("bindDN: required (the sync binds as a read-only service account)")
	case !validDN(s.BindDN):
		p.add("bindDN: %q is not a DN", s.BindDN)
	}
	switch {
	case s.BindPasswordFile != "" && s.BindPasswordEnv != "":
		p.add("bindPasswordFile, bindPasswordEnv: set one, not both")
	default:
		if _, err := s.bindPassword(); err != nil {
			p.add("bindPassword: %v", err)
		}
	}
	s.validateScope(&p)
	if s.Schedule != "" {
		if _, err := cron.ParseStandard(s.Schedule); err != nil {
			p.add("schedule: %v", err)
		}
	}
	s.Thresholds.validate(&p)
	s.validateMapping(&p, raw)
	return p
}

func (s Source) validateConnection(p *problems) {
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		p.add("url: required (ldap://host[:port] or ldaps://host[:port])")
	case err != nil:
		p.add("url: %v", err)
	case !strings.EqualFold(u.Scheme, "ldap") && !strings.EqualFold(u.Scheme, "ldaps"):
		p.add("url: scheme %q must be ldap or ldaps", u.Scheme)
	case u.Hostname() == "":
		p.add("url: %q has no host", s.URL)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil:
		p.add("url: %q must be scheme://host[:port] only (base DNs and filters have their own fields)", s.URL)
	case strings.EqualFold(u.Scheme, "ldaps") && s.StartTLS:
		p.add("startTLS: ldaps:// is already TLS")
	}
	if s.CAFile != "" {
		if b, err := os.ReadFile(s.CAFile); err != nil {
			p.add("caFile: %v", err)
		} else if !x509.NewCertPool().AppendCertsFromPEM(b) {
			p.add("caFile: %s holds no PEM certificate", s.CAFile)
		}
	}
	switch {
	case (s.ClientCertFile == "") != (s.ClientKeyFile == ""):
		p.add("clientCertFile, clientKeyFile: set both or neither")
	case s.ClientCertFile != "":
		if _, err := tls.LoadX509KeyPair(s.ClientCertFile, s.ClientKeyFile); err != nil {
			p.add("clientCertFile: %v", err)
		}
	}
}

func (s Source) validateScope(p *problems) {
	switch {
	case s.UserBaseDN == "":
		p.add("userBaseDN: required (or baseDN)")
	case !validDN(s.UserBaseDN):
		p.add("userBaseDN: %q is not a DN", s.UserBaseDN)
	}
	if s.GroupBaseDN != "" && !validDN(s.GroupBaseDN) {
		p.add("groupBaseDN: %q is not a DN", s.GroupBaseDN)
	}
	if s.BaseDN != "" && !validDN(s.BaseDN) {
		p.add("baseDN: %q is not a DN", s.BaseDN)
	}
	for _, f := range []struct{ field, value string }{{"userFilter", s.UserFilter}, {"groupFilter", s.GroupFilter}} {
		if f.value == "" {
			p.add("%s: required (or a preset)", f.field)
		} else if _, err := ldap.CompileFilter(f.value); err != nil {
			p.add("%s: %v", f.field, err)
		}
	}
	switch {
	case s.PageSize < 1 || s.PageSize > MaxPageSize:
		p.add("pageSize: %d must be between 1 and %d", s.PageSize, MaxPageSize)
	case s.Preset == PresetActiveDirectory && s.PageSize > ADMaxPageSize:
		p.add("pageSize: %d exceeds Active Directory's MaxPageSize (%d)", s.PageSize, ADMaxPageSize)
	}
	if s.TimeLimit < 0 {
		p.add("timeLimit: %v is negative", s.TimeLimit)
	}
	switch s.Preset {
	case "", PresetOpenLDAP, PresetActiveDirectory, PresetFreeIPA:
	default:
		p.add("preset: %q is not one of openldap, activedirectory, freeipa", s.Preset)
	}
}

func (t Thresholds) validate(p *problems) {
	for _, c := range []struct {
		field string
		v     *int
	}{{"maxDeactivations", t.MaxDeactivations}, {"maxMembershipRemovals", t.MaxMembershipRemovals}} {
		if c.v != nil && *c.v < 0 {
			p.add("thresholds.%s: %d is negative", c.field, *c.v)
		}
	}
	for _, c := range []struct {
		field string
		v     *float64
	}{{"maxDeactivationPercent", t.MaxDeactivationPercent}, {"maxMembershipRemovalPercent", t.MaxMembershipRemovalPercent}} {
		if c.v != nil && (*c.v < 0 || *c.v > 100) {
			p.add("thresholds.%s: %v must be between 0 and 100", c.field, *c.v)
		}
	}
}

// validateMapping checks the merged mapping, the attributes the identity
// and groups are read from, and that the identity is not a mutable
// attribute. raw is the mapping as configured, before the preset.
func (s Source) validateMapping(p *problems, raw map[string]string) {
	rt := schema.NewUserType()
	seen := map[string]string{}
	for k := range raw {
		if t, err := compileTarget(rt, k); err == nil {
			if prev, dup := seen[t.key]; dup {
				a, b := min(prev, k), max(prev, k)
				p.add("mapping: %q and %q name the same attribute", a, b)
			}
			seen[t.key] = k
		}
	}
	targets, msgs := compileMapping(rt, s.Mapping, true)
	for _, msg := range msgs {
		p.add("%s", msg)
	}
	userName := ""
	for _, t := range targets {
		if t.res.Attr.Name == "userName" && !t.res.Extension() {
			userName = t.ldap
		}
	}
	if userName == "" {
		p.add("mapping: userName must be mapped (or use a preset)")
	}
	switch id := s.IDAttribute; {
	case id == "":
		p.add("idAttribute: required (or a preset): entryUUID, objectGUID, ipaUniqueID or another immutable attribute")
	case !validAttr(id):
		p.add("idAttribute: %q is not an LDAP attribute name", id)
	case isMutableIdentity(id, userName, targets):
		p.add("idAttribute: %q changes with renames; use the directory's immutable id (entryUUID, objectGUID, ipaUniqueID)", id)
	}
	for _, f := range []struct{ field, value string }{
		{"groupNameAttribute", s.GroupNameAttribute}, {"memberAttribute", s.MemberAttribute},
	} {
		if !validAttr(f.value) {
			p.add("%s: %q is not an LDAP attribute name", f.field, f.value)
		}
	}
	if s.DisabledAttribute != "" && !validAttr(s.DisabledAttribute) {
		p.add("disabledAttribute: %q is not an LDAP attribute name", s.DisabledAttribute)
	}
}

// isMutableIdentity reports whether id is the DN, the userName's attribute
// or an e-mail attribute.
func isMutableIdentity(id, userName string, targets []target) bool {
	switch strings.ToLower(id) {
	case "dn", "distinguishedname", "entrydn", "mail", "userprincipalname", "samaccountname", "uid", "cn":
		return true
	}
	if strings.EqualFold(id, userName) {
		return true
	}
	for _, t := range targets {
		if t.res.Attr.Name == "emails" && strings.EqualFold(id, t.ldap) {
			return true
		}
	}
	return false
}

// validDN reports whether s parses as a non-empty DN.
func validDN(s string) bool {
	d, err := ldap.ParseDN(s)
	return err == nil && len(d.RDNs) > 0
}

// problems collects validation messages.
type problems []string

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}
