package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// The "schemas:" section of the configuration file: extension schemas
// validated with the rest of the configuration and applied by serve.
//
//	schemas:
//	  - org: default
//	    resource: User
//	    file: schemas/custom-user.json
//	  - org: default
//	    resource: Group
//	    definition:
//	      id: urn:example:acme:2.0:Group
//	      attributes:
//	        - {name: costCenter, type: string}

// resolveSchemaFiles makes relative schema file paths relative to dir,
// the configuration file's folder.
func (c *Config) resolveSchemaFiles(dir string) {
	for i := range c.Schemas {
		if f := c.Schemas[i].File; f != "" && !filepath.IsAbs(f) {
			c.Schemas[i].File = filepath.Join(dir, f)
		}
	}
}

// validateSchemas checks every schema entry, reading and parsing its
// definition, and reports every problem (each of a definition's own). It
// keeps the validated JSON for applySchemas.
func (c *Config) validateSchemas() []string {
	var p []string
	type seen struct {
		org, urn, where string
	}
	var urns []seen
	for i := range c.Schemas {
		s := &c.Schemas[i]
		where := fmt.Sprintf("schemas[%d]", i)
		if s.File != "" {
			where += " (" + s.File + ")"
		}
		if strings.TrimSpace(s.Org) == "" {
			p = append(p, where+": org is required")
		}
		if kind, ok := parseKind(s.Resource); ok {
			s.Resource = string(kind)
		} else {
			p = append(p, fmt.Sprintf("%s: resource %q: want User or Group", where, s.Resource))
		}
		def, err := s.definition()
		if err != nil {
			p = append(p, where+": "+err.Error())
			continue
		}
		ext, err := schema.ParseExtensionDefinition(def)
		var de *schema.DefinitionError
		switch {
		case errors.As(err, &de):
			for _, problem := range de.Problems {
				p = append(p, where+": "+problem)
			}
			continue
		case err != nil:
			p = append(p, where+": "+err.Error())
			continue
		}
		for _, o := range urns {
			if o.org == s.Org && schema.URNsOverlap(o.urn, ext.Schema.ID) {
				p = append(p, fmt.Sprintf("%s: schema %s clashes with %s of %s", where, ext.Schema.ID, o.urn, o.where))
			}
		}
		urns = append(urns, seen{s.Org, ext.Schema.ID, fmt.Sprintf("schemas[%d]", i)})
		s.def = def
	}
	return p
}

// definition returns the entry's definition as JSON: the file's content,
// or the inline value (a YAML mapping, or a string holding JSON).
func (s *SchemaConfig) definition() ([]byte, error) {
	inline := s.Definition.Kind != 0
	switch {
	case s.File == "" && !inline:
		return nil, errors.New("give the schema as file or as definition")
	case s.File != "" && inline:
		return nil, errors.New("give the schema as file or as definition, not both")
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return nil, fmt.Errorf("reading the definition: %w", err)
		}
		return b, nil
	case s.Definition.Kind == yaml.ScalarNode && s.Definition.Tag == "!!str":
		return []byte(s.Definition.Value), nil
	}
	var v any
	if err := s.Definition.Decode(&v); err != nil {
		return nil, fmt.Errorf("definition: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("definition: cannot be written as JSON: %w", err)
	}
	return b.Bytes(), nil
}

// applySchemas validates the configured schemas again (load did, but a
// Config may be built without it, and files may have changed) and stores
// them, after checking every entry against the database: each
// organization must exist and each URN must not clash with another schema
// of it. Problems are all reported at once, and nothing is stored unless
// there are none.
func applySchemas(ctx context.Context, st store.Store, list []SchemaConfig, log *slog.Logger) error {
	if len(list) == 0 {
		return nil
	}
	c := Config{Schemas: slices.Clone(list)}
	problems := c.validateSchemas()
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	list = c.Schemas
	orgs := make([]store.Org, len(list))
	for i, s := range list {
		org, err := st.OrgByName(ctx, s.Org)
		if errors.Is(err, store.ErrNotFound) {
			problems = append(problems, fmt.Sprintf("schemas[%d]: no organization %q (create it with scimd org create)", i, s.Org))
			continue
		}
		if err != nil {
			return err
		}
		orgs[i] = org
		ext, err := schema.ParseExtensionDefinition(s.def)
		if err != nil {
			return fmt.Errorf("schemas[%d]: %w", i, err) // validated above
		}
		existing, err := st.OrgSchemas(ctx, org.ID)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if !strings.EqualFold(e.URN, ext.Schema.ID) && schema.URNsOverlap(e.URN, ext.Schema.ID) {
				problems = append(problems, fmt.Sprintf("schemas[%d]: schema %s clashes with %s of organization %q (see scimd schema list)",
					i, ext.Schema.ID, e.URN, s.Org))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("configured schemas not applied:\n  %s", strings.Join(problems, "\n  "))
	}
	for i, s := range list {
		urn, replaced, err := putOrgSchema(ctx, st, orgs[i].ID, store.Kind(s.Resource), s.def)
		if err != nil {
			return fmt.Errorf("schemas[%d]: %w", i, err)
		}
		log.Info("schema extension applied", "org", s.Org, "resource", s.Resource, "urn", urn, "replaced", replaced)
	}
	return nil
}
