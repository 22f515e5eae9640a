package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/scimd/scimd/sync/ldapsync"
)

// The "sources:" section of the configuration file: directory sync
// sources, each for one organization (by name), validated with the rest
// of the configuration at every start, every problem reported.
//
//	sources:
//	  - org: default
//	    name: corp
//	    preset: activedirectory
//	    url: ldaps://dc1.corp.example.com
//	    caFile: /etc/scimd/corp-ca.pem
//	    bindDN: CN=svc-scimd,OU=Service,DC=corp,DC=example,DC=com
//	    bindPasswordFile: /run/secrets/corp-bind
//	    baseDN: DC=corp,DC=example,DC=com
//	    schedule: "@every 30m"
//	    thresholds: {maxDeactivations: 25, maxDeactivationPercent: 5}

// SourceConfig is one directory source of an organization: the
// organization's name and the fields of ldapsync.Source.
type SourceConfig struct {
	Org             string `yaml:"org"`
	ldapsync.Source `yaml:",inline"`
}

// resolveSourceFiles makes the files named by sources relative to dir,
// the configuration file's folder.
func (c *Config) resolveSourceFiles(dir string) {
	for i := range c.Sources {
		s := &c.Sources[i].Source
		for _, f := range []*string{&s.CAFile, &s.ClientCertFile, &s.ClientKeyFile, &s.BindPasswordFile} {
			if *f != "" && !filepath.IsAbs(*f) {
				*f = filepath.Join(dir, *f)
			}
		}
	}
}

// validateSources reports every problem of every source.
func (c *Config) validateSources() []string {
	var p []string
	seen := map[string]int{}
	for i, s := range c.Sources {
		where := fmt.Sprintf("sources[%d]", i)
		if s.Name != "" {
			where += fmt.Sprintf(" (%s/%s)", s.Org, s.Name)
		}
		if strings.TrimSpace(s.Org) == "" {
			p = append(p, where+": org is required (the organization's name)")
		}
		key := s.Org + "\x00" + s.Name
		if j, dup := seen[key]; dup {
			p = append(p, fmt.Sprintf("%s: organization %q already has a source named %q (sources[%d])", where, s.Org, s.Name, j))
		}
		seen[key] = i
		for _, problem := range s.Validate() {
			p = append(p, where+": "+problem)
		}
	}
	return p
}

// warnInsecure logs, loudly, every source that does not verify the
// directory's certificate or sends its password in the clear.
func warnInsecure(log *slog.Logger, sources []SourceConfig) {
	for _, s := range sources {
		if s.Insecure() {
			log.Warn("directory source does NOT verify the directory's TLS certificate (insecureSkipVerify): "+
				"anyone on the network path can impersonate the directory and feed the sync users",
				"org", s.Org, "source", s.Name, "url", s.URL)
		}
		if s.Plaintext() {
			log.Warn("directory source binds over plain ldap:// without StartTLS: the bind password and the directory's data cross the network unencrypted",
				"org", s.Org, "source", s.Name, "url", s.URL)
		}
	}
}
