package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is scimd's configuration. Each value comes from, in order of
// precedence: a command-line flag, a SCIMD_* environment variable, the YAML
// file named by --config (or SCIMD_CONFIG), the default.
type Config struct {
	Addr          string        `yaml:"addr"`
	DatabaseURL   string        `yaml:"databaseURL"`
	PublicURL     string        `yaml:"publicURL"`
	LogLevel      string        `yaml:"logLevel"`
	LogFormat     string        `yaml:"logFormat"`
	MaxResults    int           `yaml:"maxResults"`
	MaxBodyBytes  int64         `yaml:"maxBodyBytes"`
	RateLimit     float64       `yaml:"rateLimit"`
	RateBurst     int           `yaml:"rateBurst"`
	ShutdownGrace time.Duration `yaml:"shutdownGrace"`
	DefaultOrg    string        `yaml:"defaultOrg"`

	// Bulk limits (RFC 7644 §3.7.4): bulkMaxPayloadBytes replaces
	// maxBodyBytes on /Bulk.
	BulkMaxOperations   int   `yaml:"bulkMaxOperations"`
	BulkMaxPayloadBytes int64 `yaml:"bulkMaxPayloadBytes"`

	// CursorSecret keys the HMAC of pagination cursors (RFC 9865); every
	// replica must have the same. Empty: a random key per process.
	CursorSecret  string        `yaml:"cursorSecret"`
	CursorTimeout time.Duration `yaml:"cursorTimeout"`
	// Schemas are organizations' extension schemas, inserted or replaced
	// at every serve start (file only: no flag or variable sets them).
	Schemas []SchemaConfig `yaml:"schemas"`
	// Sources are the organizations' directory sync sources (file only):
	// see SourceConfig and the README's "Directory sync" section.
	Sources []SourceConfig `yaml:"sources"`
	// Orgs are organizations and their policies, created and applied at
	// every serve and migrate start (file only): see OrgConfig.
	Orgs []OrgConfig `yaml:"orgs"`
}

// SchemaConfig is one extension schema in the configuration file: the
// organization and resource type (User or Group) it extends, and its RFC
// 7643 §7 definition, either in a JSON file (a relative path is relative
// to the configuration file) or inline (YAML, or a string of JSON).
type SchemaConfig struct {
	Org        string    `yaml:"org"`
	Resource   string    `yaml:"resource"`
	File       string    `yaml:"file"`
	Definition yaml.Node `yaml:"definition"`

	def []byte // the validated definition as JSON, set by validateSchemas
}

func defaults() Config {
	return Config{
		Addr:          ":8080",
		DatabaseURL:   "sqlite:scimd.db",
		LogLevel:      "info",
		LogFormat:     "json",
		MaxResults:    1000,
		MaxBodyBytes:  1 << 20,
		ShutdownGrace: 30 * time.Second,
		DefaultOrg:    "default",
		CursorTimeout: time.Hour,

		BulkMaxOperations:   1000,
		BulkMaxPayloadBytes: 4 << 20,
	}
}

// setting binds one configuration value to its flag, variable and YAML key.
type setting struct {
	flag, env, help string
	ptr             any
	server          bool // only meaningful to serve
}

func (c *Config) settings() []setting {
	return []setting{
		{"database-url", "SCIMD_DATABASE_URL", "database: sqlite:PATH or postgres://…", &c.DatabaseURL, false},
		{"log-level", "SCIMD_LOG_LEVEL", "debug, info, warn or error", &c.LogLevel, false},
		{"log-format", "SCIMD_LOG_FORMAT", "json or text", &c.LogFormat, false},
		{"default-org", "SCIMD_DEFAULT_ORG", "organization ensured at start", &c.DefaultOrg, true},
		{"addr", "SCIMD_ADDR", "listen address", &c.Addr, true},
		{"public-url", "SCIMD_PUBLIC_URL", "external base URL for links (e.g. https://idm.example.com)", &c.PublicURL, true},
		{"max-results", "SCIMD_MAX_RESULTS", "largest page a list returns", &c.MaxResults, true},
		{"max-body-bytes", "SCIMD_MAX_BODY_BYTES", "largest request body", &c.MaxBodyBytes, true},
		{"bulk-max-operations", "SCIMD_BULK_MAX_OPERATIONS", "most operations in one /Bulk request", &c.BulkMaxOperations, true},
		{"bulk-max-payload-bytes", "SCIMD_BULK_MAX_PAYLOAD_BYTES", "largest /Bulk request body (replaces max-body-bytes there)", &c.BulkMaxPayloadBytes, true},
		{"rate-limit", "SCIMD_RATE_LIMIT", "requests per second per token (0: unlimited)", &c.RateLimit, true},
		{"rate-burst", "SCIMD_RATE_BURST", "burst allowed above the rate limit", &c.RateBurst, true},
		{"shutdown-grace", "SCIMD_SHUTDOWN_GRACE", "time in-flight requests get on SIGTERM", &c.ShutdownGrace, true},
		{"cursor-secret", "SCIMD_CURSOR_SECRET", "key of pagination cursors, the same on every replica (prefer the variable; default: random per process)", &c.CursorSecret, true},
		{"cursor-timeout", "SCIMD_CURSOR_TIMEOUT", "how long a pagination cursor stays valid", &c.CursorTimeout, true},
	}
}

// configFlags registers the configuration flags on fs; load applies the
// file, the environment and then the flags that were set.
type configFlags struct {
	cfg  Config
	file string
	set  map[string]string
}

func addConfigFlags(fs *flag.FlagSet, server bool) *configFlags {
	cf := &configFlags{cfg: defaults(), set: map[string]string{}}
	fs.StringVar(&cf.file, "config", os.Getenv("SCIMD_CONFIG"), "YAML configuration file (env SCIMD_CONFIG)")
	for _, s := range cf.cfg.settings() {
		if s.server && !server {
			continue
		}
		name := s.flag
		fs.Func(name, s.help+" (env "+s.env+")", func(v string) error { cf.set[name] = v; return nil })
	}
	return cf
}

func (cf *configFlags) load() (Config, error) {
	c := defaults()
	if cf.file != "" {
		b, err := os.ReadFile(cf.file)
		if err != nil {
			return c, fmt.Errorf("reading configuration: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("configuration file %s: %w", cf.file, err)
		}
		c.resolveSchemaFiles(filepath.Dir(cf.file))
		c.resolveSourceFiles(filepath.Dir(cf.file))
	}
	var problems []string
	for _, s := range c.settings() {
		if v, ok := os.LookupEnv(s.env); ok {
			if err := assign(s.ptr, v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", s.env, err))
			}
		}
		if v, ok := cf.set[s.flag]; ok {
			if err := assign(s.ptr, v); err != nil {
				problems = append(problems, fmt.Sprintf("--%s: %v", s.flag, err))
			}
		}
	}
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return c, nil
}

func assign(ptr any, v string) error {
	switch p := ptr.(type) {
	case *string:
		*p = v
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		*p = n
	case *float64:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		*p = n
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration (e.g. 30s)", v)
		}
		*p = d
	default:
		return fmt.Errorf("unsupported setting type %T", ptr)
	}
	return nil
}

// validate reports every problem at once.
func (c *Config) validate() []string {
	var p []string
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		p = append(p, fmt.Sprintf("databaseURL %q: want sqlite:PATH or postgres://…", c.DatabaseURL))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, fmt.Sprintf("logLevel %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		p = append(p, fmt.Sprintf("logFormat %q: want json or text", c.LogFormat))
	}
	if c.MaxResults < 1 {
		p = append(p, "maxResults must be at least 1")
	}
	if c.MaxBodyBytes < 1024 {
		p = append(p, "maxBodyBytes must be at least 1024")
	}
	if c.BulkMaxOperations < 1 {
		p = append(p, "bulkMaxOperations must be at least 1")
	}
	if c.BulkMaxPayloadBytes < 1024 {
		p = append(p, "bulkMaxPayloadBytes must be at least 1024")
	}
	if c.RateLimit < 0 {
		p = append(p, "rateLimit must not be negative")
	}
	if c.ShutdownGrace < 0 {
		p = append(p, "shutdownGrace must not be negative")
	}
	if c.CursorSecret != "" && len(c.CursorSecret) < 16 {
		p = append(p, "cursorSecret must be at least 16 characters")
	}
	if c.CursorTimeout < time.Second {
		p = append(p, "cursorTimeout must be at least 1s")
	}
	if strings.TrimSpace(c.DefaultOrg) == "" {
		p = append(p, "defaultOrg must not be empty")
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		p = append(p, fmt.Sprintf("publicURL %q: want an http:// or https:// URL", c.PublicURL))
	}
	p = append(p, c.validateSchemas()...)
	p = append(p, c.validateSources()...)
	p = append(p, c.validateOrgs()...)
	return p
}
