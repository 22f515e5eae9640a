package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/internal/testdb"
)

// TestCLIOrgPolicy: org set changes only the fields given, validates
// them all at once, and org show reports the policy and the seats used.
func TestCLIOrgPolicy(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		cli(t, "org", "create", "acme", "--database-url", db)
		set := func(args ...string) (int, string, string) {
			return cli(t, append([]string{"org", "set", "acme", "--database-url", db}, args...)...)
		}
		if code, _, errs := set(); code != 2 || !strings.Contains(errs, "at least one policy flag") {
			t.Errorf("no flags: %d %q", code, errs)
		}
		if code, _, errs := set("--retention", "soon", "--roles", "A", "--roles-file", "x.yaml"); code != 2 ||
			!strings.Contains(errs, `--retention: "soon" is not a duration`) || !strings.Contains(errs, "not both") {
			t.Errorf("bad flags: %d %q", code, errs)
		}
		if code, _, errs := set("--delete-mode", "remove", "--seat-limit", "-1", "--roles", "A,a"); code != 1 ||
			!strings.Contains(errs, `deleteMode: "remove"`) || !strings.Contains(errs, "seatLimit: -1 is negative") ||
			!strings.Contains(errs, `roles: "a" is listed twice`) {
			t.Errorf("invalid policy: %d %q", code, errs)
		}
		code, out, errs := set("--seat-limit", "2", "--roles", "Admin=Full access, Member", "--immutable", "employeeNumber", "--retention", "30d")
		if code != 0 || !regexp.MustCompile(`seats:\s+0 used of 2`).MatchString(out) ||
			!strings.Contains(out, "Admin (Full access), Member") || !regexp.MustCompile(`retention:\s+30d\n`).MatchString(out) {
			t.Fatalf("set: %d %q %q", code, out, errs)
		}
		roles := writeFile(t, dir, "roles.yaml", "- {value: Ops, description: Operations}\n- Dev\n")
		code, out, _ = set("--roles-file", roles, "--external-user-types", "External, Contractor")
		if code != 0 || !strings.Contains(out, "Ops (Operations), Dev") || !regexp.MustCompile(`seats:\s+0 used of 2`).MatchString(out) ||
			!strings.Contains(out, "External, Contractor") || !regexp.MustCompile(`immutable:\s+employeeNumber`).MatchString(out) {
			t.Errorf("a second set must change only its fields: %d\n%s", code, out)
		}
		f := writeFile(t, dir, "u.csv", "userName,roles,userType\nann,Dev,\ncon,,contractor\n")
		if code, out, errs := cli(t, "users", "import", f, "--org", "acme", "--database-url", db); code != 0 {
			t.Fatalf("import: %q %q", out, errs)
		}
		_, out, _ = set("--roles", "")
		if !regexp.MustCompile(`roles:\s+any \(no catalogue\)`).MatchString(out) || !regexp.MustCompile(`seats:\s+1 used of 2`).MatchString(out) {
			t.Errorf("clearing the roles:\n%s", out)
		}
		code, js, _ := cli(t, "org", "show", "acme", "--format", "json", "--database-url", db)
		var v policyView
		if err := json.Unmarshal([]byte(js), &v); err != nil || code != 0 || v.SeatsUsed != 1 || v.Policy.SeatLimit != 2 ||
			v.Retention != "30d" || v.Policy.Retention != 30*24*time.Hour || v.Policy.Roles != nil {
			t.Errorf("show --format json: %d %v %s", code, err, js)
		}
		if code, _, errs := cli(t, "org", "show", "nope", "--database-url", db); code != 1 || !strings.Contains(errs, `no organization "nope"`) {
			t.Errorf("show of an unknown org: %d %q", code, errs)
		}
	})
}

// TestCLIOrgPolicyConfig: the orgs section is validated at once, and
// migrate creates the organizations and applies their policies; org set
// on one of them warns that the file will win.
func TestCLIOrgPolicyConfig(t *testing.T) {
	dir := t.TempDir()
	db := testdb.SQLite(t)
	bad := writeFile(t, dir, "bad.yaml", fmt.Sprintf(`databaseURL: %q
orgs:
  - policy: {seatLimit: -1}
  - name: beta
    policy: {retention: soon, deleteMode: remove, roles: [A, a]}
  - name: Beta
`, db))
	code, _, errs := cli(t, "migrate", "--config", bad)
	for _, want := range []string{"orgs[0]: name is required", "orgs[0]: policy: seatLimit: -1 is negative",
		`orgs[1] (beta): policy: retention: "soon" is not a duration`, `orgs[1] (beta): policy: deleteMode: "remove"`,
		`orgs[1] (beta): policy: roles: "a" is listed twice`, `orgs[2] (Beta): organization "Beta" is already listed (orgs[1])`} {
		if !strings.Contains(errs, want) {
			t.Errorf("missing %q in:\n%s", want, errs)
		}
	}
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	if code, _, errs := cli(t, "migrate", "--config", writeFile(t, dir, "typo.yaml", "orgs:\n  - name: x\n    policy: {roles: [{value: A, colour: red}]}\n")); code != 1 || !strings.Contains(errs, `unknown key "colour"`) {
		t.Errorf("unknown catalogue key: %d %q", code, errs)
	}

	good := writeFile(t, dir, "good.yaml", fmt.Sprintf(`databaseURL: %q
orgs:
  - name: beta
    policy:
      seatLimit: 5
      roles:
        - Admin
        - {value: Member, description: Everyone}
      deleteMode: deactivate
      retention: 2w
`, db))
	code, out, errs := cli(t, "migrate", "--config", good)
	if code != 0 || !strings.Contains(out, "policies of 1 configured organizations applied") {
		t.Fatalf("migrate: %d %q %q", code, out, errs)
	}
	_, out, _ = cli(t, "org", "show", "beta", "--config", good)
	for _, want := range []string{"0 used of 5", "Admin, Member (Everyone)", "deactivate", "14d"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, _, errs = cli(t, "org", "set", "beta", "--seat-limit", "6", "--config", good)
	if code != 0 || !strings.Contains(errs, "the configuration file sets organization \"beta\"'s policy") {
		t.Errorf("set on a configured org: %d %q", code, errs)
	}
}

// TestCLITokenScopes: admin tokens carry a role, shown by token list.
func TestCLITokenScopes(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	cli(t, "org", "create", "acme", "--database-url", db)
	if code, _, errs := cli(t, "token", "create", "--org", "acme", "--name", "x", "--role", "auditor", "--database-url", db); code != 2 ||
		!strings.Contains(errs, "--role is for admin tokens") {
		t.Errorf("role without --admin: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "token", "create", "--org", "acme", "--name", "x", "--admin", "--role", "king", "--database-url", db); code != 2 ||
		!strings.Contains(errs, `unknown role "king"`) {
		t.Errorf("unknown role: %d %q", code, errs)
	}
	for _, args := range [][]string{{"--name", "okta"}, {"--name", "ops", "--admin"}, {"--name", "audit", "--admin", "--role", "auditor"}} {
		if code, out, errs := cli(t, append([]string{"token", "create", "--org", "acme", "--database-url", db}, args...)...); code != 0 ||
			!strings.HasPrefix(out, "scimd_") {
			t.Fatalf("token create %v: %d %q", args, code, errs)
		}
	}
	_, list, _ := cli(t, "token", "list", "--database-url", db)
	for _, re := range []string{`okta\s+scim\s`, `ops\s+admin \(owner\)\s`, `audit\s+admin \(auditor\)\s`} {
		if !regexp.MustCompile(re).MatchString(list) {
			t.Errorf("token list lacks %s:\n%s", re, list)
		}
	}
}

// TestServeAppliesOrgPolicies: serve creates the configured organizations
// and sets their policies before it accepts requests.
func TestServeAppliesOrgPolicies(t *testing.T) {
	cfg := defaults()
	cfg.DatabaseURL = testdb.SQLite(t)
	cfg.Orgs = []OrgConfig{{Name: "gamma", Policy: PolicyConfig{SeatLimit: 7, Retention: "3d"}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, ready := make(chan error, 1), make(chan struct{})
	go func() { done <- serve(ctx, cfg, ln, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, out, _ := cli(t, "org", "show", "gamma", "--database-url", cfg.DatabaseURL)
	if !regexp.MustCompile(`seats:\s+0 used of 7`).MatchString(out) || !regexp.MustCompile(`retention:\s+3d\n`).MatchString(out) {
		t.Errorf("gamma after serve:\n%s", out)
	}
}
