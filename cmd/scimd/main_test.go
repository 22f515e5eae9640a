package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cli runs one command line and returns its exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "Usage"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"token", "create", "--org", "x"}, 2, "needs --org and --name"},
		{[]string{"token"}, 2, "token create"},
		{[]string{"org", "create"}, 2, "exactly one NAME"},
		{[]string{"serve", "--max-results", "lots"}, 1, `"lots" is not an integer`},
		{[]string{"migrate", "--database-url", "mysql://x", "--log-level", "loud"}, 1, "logLevel"},
	}
	for _, c := range cases {
		code, _, stderr := cli(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("scimd %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.msg)
		}
	}
	// Invalid settings are reported all at once.
	_, _, stderr := cli(t, "migrate", "--database-url", "mysql://x", "--log-level", "loud")
	if !strings.Contains(stderr, "databaseURL") || !strings.Contains(stderr, "logLevel") {
		t.Errorf("want every problem reported, got %q", stderr)
	}
}

func TestCLIHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "-h"}, {"token", "create", "--help"}, {"org", "--help"}} {
		code, stdout, stderr := cli(t, args...)
		if code != 0 || !strings.Contains(stdout+stderr, "Usage") {
			t.Errorf("scimd %v: exit %d, output %q", args, code, stdout+stderr)
		}
	}
	if code, out, _ := cli(t, "version"); code != 0 || !strings.HasPrefix(out, "scimd ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestCLIOrgsAndTokens(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	if code, out, errs := cli(t, "org", "create", "acme", "--database-url", db); code != 0 || !strings.Contains(out, "acme") {
		t.Fatalf("org create: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "org", "create", "acme", "--database-url", db); code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("duplicate org create: %d %q", code, errs)
	}
	code, out, errs := cli(t, "token", "create", "--org", "acme", "--name", "okta", "--database-url", db)
	if code != 0 || !regexp.MustCompile(`^scimd_[a-z2-7]+_[A-Za-z0-9_-]+\n$`).MatchString(out) {
		t.Fatalf("token create must print only the token: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "token", "create", "--org", "nope", "--name", "x", "--database-url", db); code != 1 || !strings.Contains(errs, `no organization "nope"`) {
		t.Fatalf("token for unknown org: %d %q", code, errs)
	}
	code, list, _ := cli(t, "token", "list", "--database-url", db)
	id := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(out), "scimd_"), "_", 2)[0]
	if code != 0 || !strings.Contains(list, id) || !strings.Contains(list, "okta") {
		t.Fatalf("token list: %d %q (want id %s)", code, list, id)
	}
	if code, _, errs := cli(t, "token", "revoke", id, "--database-url", db); code != 0 {
		t.Fatalf("revoke: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "token", "revoke", "nosuchtoken", "--database-url", db); code != 1 || !strings.Contains(errs, "no token") {
		t.Fatalf("revoke unknown: %d %q", code, errs)
	}
	if _, orgs, _ := cli(t, "org", "list", "--database-url", db); !strings.Contains(orgs, "acme") {
		t.Fatalf("org list: %q", orgs)
	}
}

// TestServe starts the real server twice on one database: the bootstrap
// token is printed on the first start only and works; health, readiness
// and metrics answer; cancelling the context shuts it down cleanly.
func TestServe(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "serve.db")
	cfg := defaults()
	cfg.DatabaseURL = db
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	start := func() (string, *bytes.Buffer, func() error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var out bytes.Buffer
		done := make(chan error, 1)
		ready := make(chan struct{})
		go func() { done <- serve(ctx, cfg, ln, log, &out, ready) }()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("serve: %v", err)
		}
		return "http://" + ln.Addr().String(), &out, func() error { cancel(); return <-done }
	}

	base, out, stop := start()
	m := regexp.MustCompile(`bootstrap token for organization "default" \(shown once, store it now\): (scimd_\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no bootstrap token line in %q", out.String())
	}
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/scim/v2/Users", m[1]); code != 200 || !strings.Contains(body, `"totalResults":0`) {
		t.Errorf("GET /Users with the bootstrap token: %d %s", code, body)
	}
	if code, body := get("/healthz", ""); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, body := get("/readyz", ""); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("readyz: %d %q", code, body)
	}
	if code, body := get("/metrics", ""); code != 200 || !strings.Contains(body, `scimd_http_requests_total{code="200",method="GET",route="/Users"} 1`) ||
		!strings.Contains(body, "go_sql_open_connections") {
		t.Errorf("metrics: %d, missing request or pool metrics", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still answering after shutdown")
	}

	_, out, stop = start()
	if strings.Contains(out.String(), "bootstrap token") {
		t.Errorf("bootstrap token printed again on the second start: %q", out.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
