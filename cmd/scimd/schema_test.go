package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const cliURN = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"

const cliDef = `{"id":"` + cliURN + `","attributes":[{"name":"tag"},{"name":"level","type":"integer"}]}`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLISchema(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cli.db")
	if code, _, errs := cli(t, "org", "create", "acme", "--database-url", db); code != 0 {
		t.Fatalf("org create: %q", errs)
	}
	def := writeFile(t, dir, "custom.json", cliDef)
	schema := func(args ...string) (int, string, string) {
		t.Helper()
		return cli(t, append(append([]string{"schema"}, args...), "--database-url", db)...)
	}

	if code, out, errs := schema("add", "--org", "acme", "--resource", "user", def); code != 0 || !strings.Contains(out, cliURN+" added: extends User") {
		t.Fatalf("schema add: %d %q %q", code, out, errs)
	}
	moreDef := writeFile(t, dir, "more.json", strings.Replace(cliDef, `{"name":"tag"}`, `{"name":"tag"},{"name":"badge"}`, 1))
	if code, out, errs := schema("add", "--org", "acme", "--resource", "User", moreDef); code != 0 || !strings.Contains(out, "replaced") {
		t.Fatalf("schema add again: %d %q %q", code, out, errs)
	}
	code, out, _ := schema("list", "--org", "acme")
	if code != 0 || !regexp.MustCompile(regexp.QuoteMeta(cliURN)+`\s+User\s+3\s+\d{4}-`).MatchString(out) {
		t.Fatalf("schema list: %d %q; want the URN, User and 3 attributes", code, out)
	}
	code, out, _ = schema("show", "--org", "acme", strings.ToLower(cliURN))
	if code != 0 || !strings.Contains(out, `"name": "badge"`) || !strings.HasPrefix(out, "# "+cliURN+", extends User") {
		t.Fatalf("schema show: %d %q", code, out)
	}

	// A change of case replaces, it does not add.
	upper := writeFile(t, dir, "upper.json", strings.Replace(cliDef, "CustomExtensionName", "CUSTOMEXTENSIONNAME", 1))
	if code, out, errs := schema("add", "--org", "acme", "--resource", "User", upper); code != 0 || !strings.Contains(out, "replaced") {
		t.Fatalf("schema add in another case: %d %q %q", code, out, errs)
	}
	if _, out, _ := schema("list", "--org", "acme"); strings.Count(out, "urn:") != 1 || !strings.Contains(out, "CUSTOMEXTENSIONNAME") {
		t.Fatalf("after a change of case: %q", out)
	}

	bad := writeFile(t, dir, "bad.json", `{"id":"urn:ietf:params:scim:schemas:core:2.0:User","attributes":[
		{"name":"level","type":"number"},{"name":"code","uniqueness":"server"}]}`)
	clash := writeFile(t, dir, "clash.json", strings.Replace(cliDef, cliURN, strings.ToUpper(cliURN)+":Sub", 1))
	failures := []struct {
		args []string
		code int
		msg  []string
	}{
		{[]string{"add", "--org", "acme", "--resource", "User", bad}, 1,
			[]string{"built-in schema", `attribute "level" type "number"`, `uniqueness "server" is not supported`}},
		{[]string{"add", "--org", "acme", "--resource", "User", clash}, 1, []string{"clashes with"}},
		{[]string{"add", "--org", "nope", "--resource", "User", def}, 1, []string{`no organization "nope"`}},
		{[]string{"add", "--org", "acme", "--resource", "User", filepath.Join(dir, "missing.json")}, 1, []string{"no such file"}},
		{[]string{"add", "--org", "acme", "--resource", "Device", def}, 2, []string{"--resource User or Group"}},
		{[]string{"add", "--org", "acme", "--resource", "User"}, 2, []string{"exactly one FILE"}},
		{[]string{"add", "--resource", "User", def}, 2, []string{"needs --org"}},
		{[]string{"show", "--org", "acme", "urn:nope:x"}, 1, []string{`has no schema "urn:nope:x"`}},
		{[]string{"remove", "--org", "acme"}, 2, []string{"exactly one URN"}},
		{[]string{"frobnicate"}, 2, []string{"schema add"}},
	}
	for _, f := range failures {
		code, _, errs := schema(f.args...)
		if code != f.code {
			t.Errorf("schema %v: exit %d (%q), want %d", f.args, code, errs, f.code)
		}
		for _, m := range f.msg {
			if !strings.Contains(errs, m) {
				t.Errorf("schema %v: stderr %q does not mention %q", f.args, errs, m)
			}
		}
	}

	if code, out, errs := schema("remove", "--org", "acme", cliURN); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("schema remove: %d %q %q", code, out, errs)
	}
	if code, _, errs := schema("remove", "--org", "acme", cliURN); code != 1 || !strings.Contains(errs, "has no schema") {
		t.Fatalf("schema remove again: %d %q", code, errs)
	}
	if _, out, _ := schema("list", "--org", "acme"); strings.Contains(out, "urn:") {
		t.Fatalf("list after remove: %q", out)
	}
	if code, out, _ := cli(t, "schema", "--help"); code != 0 || !strings.Contains(out, "schema add --org ORG --resource User|Group FILE.json") {
		t.Errorf("schema --help: %d %q", code, out)
	}
}

// TestConfigSchemas: schemas from the configuration file (a relative
// file, inline YAML, inline JSON) are validated with the configuration
// and applied when serve starts.
func TestConfigSchemas(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "schemas/custom.json", cliDef)
	cfgPath := writeFile(t, dir, "scimd.yaml", `databaseURL: sqlite:`+filepath.Join(dir, "serve.db")+`
schemas:
  - org: default
    resource: User
    file: schemas/custom.json
  - org: default
    resource: group
    definition:
      id: urn:example:acme:2.0:Group
      required: false
      attributes:
        - {name: room, type: integer}
  - org: default
    resource: User
    definition: '{"id":"urn:example:okta:2.0:User","attributes":[{"name":"badge"}]}'
`)
	cf := &configFlags{cfg: defaults(), file: cfgPath, set: map[string]string{}}
	cfg, err := cf.load()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done, ready := make(chan error, 1), make(chan struct{})
	go func() { done <- serve(ctx, cfg, ln, slog.New(slog.NewTextHandler(io.Discard, nil)), &out, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	tok := regexp.MustCompile(`(scimd_\S+)`).FindString(out.String())
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/scim/v2/Schemas", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, urn := range []string{cliURN, "urn:example:acme:2.0:Group", "urn:example:okta:2.0:User"} {
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":"`+urn+`"`) {
			t.Errorf("/Schemas after a configured start lacks %s: %d %s", urn, resp.StatusCode, body)
		}
	}
	if !strings.Contains(string(body), `"name":"room"`) {
		t.Errorf("the inline YAML definition lost its attribute: %s", body)
	}
}

func TestConfigSchemasReportEveryProblem(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.json", `{"id":"urn:example:x:User","attributes":[{"name":"a","type":"int"},{"name":"b","mutability":"writeOnly"}]}`)
	cfgPath := writeFile(t, dir, "scimd.yaml", `databaseURL: sqlite:`+filepath.Join(dir, "x.db")+`
logLevel: loud
schemas:
  - resource: User
    file: bad.json
  - org: default
    resource: Device
    file: missing.json
  - org: default
    resource: User
    file: bad.json
    definition: {id: "urn:example:y:User"}
  - org: default
    resource: User
    definition: {id: "urn:example:z:User", attributes: [{name: a}]}
  - org: default
    resource: Group
    definition: {id: "URN:EXAMPLE:Z:USER", attributes: [{name: a}]}
`)
	code, _, errs := cli(t, "migrate", "--config", cfgPath)
	want := []string{
		"logLevel",
		"schemas[0] (" + filepath.Join(dir, "bad.json") + "): org is required",
		`schemas[0] (` + filepath.Join(dir, "bad.json") + `): attribute "a" type "int"`,
		"writeOnly is not supported",
		`schemas[1] (` + filepath.Join(dir, "missing.json") + `): resource "Device"`,
		"reading the definition",
		"not both",
		"schemas[4]: schema URN:EXAMPLE:Z:USER clashes with urn:example:z:User of schemas[3]",
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, w := range want {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr does not mention %q:\n%s", w, errs)
		}
	}

	// An unknown organization is found when serve applies them.
	cfg := defaults()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "y.db")
	cfg.Schemas = []SchemaConfig{{Org: "nope", Resource: "User", File: writeFile(t, dir, "ok.json", cliDef)}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = serve(context.Background(), cfg, ln, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), `schemas[0]: no organization "nope"`) {
		t.Errorf("serve with a schema for an unknown organization: %v", err)
	}
}
