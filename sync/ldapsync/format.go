package ldapsync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Fingerprint is a stable hash of the fields that decide which entries a
// run sees and what it makes of them, after the preset is applied: the
// server (host and port; ldap:// and ldaps:// on the standard ports count
// as the same server), the bind DN (it decides what is visible), the base
// DNs and filters, the id attribute, the mapping, the group name, member
// and disabled attributes, and ouTeams. DNs, filters and attribute names
// are compared the way LDAP compares them (case, spacing). Name, TLS
// settings, the password source, page size, time limit, schedule,
// thresholds and adoptExisting don't change it. The engine records it with
// each run and treats a change as a re-baseline (no deactivations until a
// previewed run is approved).
func (s Source) Fingerprint() string {
	s.ApplyPreset()
	var mapping [][2]string
	for k, v := range s.Mapping {
		if v = strings.TrimSpace(v); v != "" {
			mapping = append(mapping, [2]string{k, strings.ToLower(v)})
		}
	}
	slices.SortFunc(mapping, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	scope := struct {
		Server, BindDN, UserBase, UserFilter, GroupBase, GroupFilter string
		ID, GroupName, Member, Disabled                              string
		Mapping                                                      [][2]string
		OUTeams                                                      bool
	}{
		Server: serverKey(s.URL), BindDN: CanonicalDN(s.BindDN),
		UserBase: CanonicalDN(s.UserBaseDN), UserFilter: strings.TrimSpace(s.UserFilter),
		GroupBase: CanonicalDN(s.GroupBaseDN), GroupFilter: strings.TrimSpace(s.GroupFilter),
		ID: strings.ToLower(s.IDAttribute), GroupName: strings.ToLower(s.GroupNameAttribute),
		Member: strings.ToLower(s.MemberAttribute), Disabled: strings.ToLower(s.DisabledAttribute),
		Mapping: mapping, OUTeams: s.OUTeams,
	}
	b, _ := json.Marshal(scope) // a struct of strings: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// serverKey is host:port with the TLS and plain standard ports merged
// (636 → 389, 3269 → 3268: the same directory, or the same global
// catalog).
func serverKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return strings.ToLower(raw)
	}
	port := u.Port()
	switch {
	case port == "", port == "636":
		port = "389"
	case port == "3269":
		port = "3268"
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// passwordSource says where the password comes from, never what it is.
func (s Source) passwordSource() string {
	switch {
	case s.BindPasswordFile != "":
		return "file " + s.BindPasswordFile
	case s.BindPasswordEnv != "":
		return "env " + s.BindPasswordEnv
	case s.BindPassword != "":
		return "literal (rejected, redacted)"
	}
	return "none"
}

// String describes the source for people and logs; the password is never
// in it (only where it is read from).
func (s Source) String() string {
	return fmt.Sprintf("ldap source %q (url %s, startTLS %v, insecureSkipVerify %v, bindDN %q, password from %s, "+
		"userBaseDN %q, userFilter %q, groupBaseDN %q, groupFilter %q, preset %q, idAttribute %q, schedule %q)",
		s.Name, s.URL, s.StartTLS, s.InsecureSkipVerify, s.BindDN, s.passwordSource(),
		s.UserBaseDN, s.UserFilter, s.GroupBaseDN, s.GroupFilter, s.Preset, s.IDAttribute, s.Schedule)
}

// GoString is String, so that %#v does not print the fields (a literal
// bindPassword among them).
func (s Source) GoString() string { return s.String() }

// LogValue is the source as structured log attributes, without the
// password.
func (s Source) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", s.Name),
		slog.String("url", s.URL),
		slog.Bool("startTLS", s.StartTLS),
		slog.Bool("insecureSkipVerify", s.InsecureSkipVerify),
		slog.String("bindDN", s.BindDN),
		slog.String("password", s.passwordSource()),
		slog.String("userBaseDN", s.UserBaseDN),
		slog.String("groupBaseDN", s.GroupBaseDN),
		slog.String("preset", s.Preset),
		slog.String("schedule", s.Schedule),
	)
}
