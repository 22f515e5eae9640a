package main

import (
	"bytes"
	"context"
	"github.com/scimd/scimd/internal/teststore"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/webhook"
)

func TestWebhooksCLIUsage(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"webhooks"}, 2, "webhooks create"},
		{[]string{"webhooks", "create", "--url", "https://x.example.com"}, 2, "needs --org"},
		{[]string{"webhooks", "create", "--org", "acme"}, 2, "needs --url"},
		{[]string{"webhooks", "create", "--org", "acme", "--url", "ftp://x"}, 2, "http:// or https://"},
		{[]string{"webhooks", "create", "--org", "acme", "--url", "https://x.example.com", "--format", "xml"}, 2, `format "xml"`},
		{[]string{"webhooks", "create", "--org", "acme", "--url", "https://x.example.com", "--events", "user.exploded"}, 2, `unknown event type "user.exploded"`},
		{[]string{"webhooks", "create", "--org", "acme", "--url", "https://x.example.com", "--secret-file", "f", "--secret-env", "V"}, 2, "not both"},
		{[]string{"webhooks", "create", "--org", "acme", "--url", "https://x.example.com", "--secret-env", "SCIMD_TEST_UNSET_SECRET"}, 2, "empty or unset"},
		{[]string{"webhooks", "delete", "--org", "acme"}, 2, "exactly one ID"},
		{[]string{"webhooks", "list", "--org", "acme", "extra"}, 2, "no arguments"},
		{[]string{"webhooks", "list", "--org", "nope", "--database-url", db}, 1, `no organization "nope"`},
	}
	for _, c := range cases {
		code, _, stderr := cli(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("scimd %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.msg)
		}
	}
	for _, args := range [][]string{{"webhooks", "--help"}, {"webhooks", "create", "--help"}} {
		if code, out, errs := cli(t, args...); code != 0 || !strings.Contains(out+errs, "Usage") {
			t.Errorf("scimd %v: exit %d, output %q", args, code, out+errs)
		}
	}
}

func TestWebhooksCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cli.db")
	wh := func(args ...string) (int, string, string) {
		t.Helper()
		return cli(t, append(append([]string{"webhooks"}, args...), "--database-url", db)...)
	}
	if code, _, errs := cli(t, "org", "create", "acme", "--database-url", db); code != 0 {
		t.Fatalf("org create: %s", errs)
	}
	st := teststore.Open(t, db)
	org, err := st.OrgByName(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	d := directory.New(st)
	actor := directory.Actor{OrgID: org.ID, Source: directory.SourceSCIM, Name: "t"}
	addUser := func(name string) {
		t.Helper()
		if _, err := d.Create(context.Background(), actor, store.Resource{Kind: store.KindUser,
			Attrs: map[string]any{"userName": name}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	addUser("before")

	// A generated secret is printed once, after the id.
	code, out, errs := wh("create", "--org", "acme", "--url", "https://hooks.example.com/a")
	m := regexp.MustCompile(`^(\S+)\nsecret \(shown once, store it now\): (whsec_\S+)\n$`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	gen, genSecret := m[1], m[2]
	// A secret from a file prints only the id.
	secretFile := writeFile(t, dir, "secret", "0123456789abcdef0123\n")
	code, out, errs = wh("create", "--org", "acme", "--url", "https://hooks.example.com/b", "--secret-file", secretFile,
		"--events", "leaver,user.created", "--format", "set", "--from-start")
	if code != 0 || !regexp.MustCompile(`^\S+\n$`).MatchString(out) {
		t.Fatalf("create with a secret file: %d %q %q", code, out, errs)
	}
	fromFile := strings.TrimSpace(out)
	t.Setenv("SCIMD_TEST_HOOK_SECRET", "abcdefghijklmnopqrstuvwxyz")
	if code, _, errs := wh("create", "--org", "acme", "--url", "https://hooks.example.com/c", "--secret-env", "SCIMD_TEST_HOOK_SECRET"); code != 0 {
		t.Fatalf("create with a secret variable: %s", errs)
	}
	if h, err := st.Webhook(context.Background(), org.ID, fromFile); err != nil || h.Secret != "0123456789abcdef0123" ||
		h.Format != "set" || strings.Join(h.Events, ",") != "leaver,user.created" || h.State.Cursor != 0 {
		t.Fatalf("stored webhook %+v, %v", h, err)
	}
	if h, _ := st.Webhook(context.Background(), org.ID, gen); h.Secret != genSecret || h.State.Cursor != 1 {
		t.Fatalf("generated webhook %+v; want the printed secret and delivery after the existing event", h)
	}

	code, list, _ := wh("list", "--org", "acme")
	if code != 0 || !strings.Contains(list, gen) || !strings.Contains(list, "leaver,user.created") ||
		!strings.Contains(list, "https://hooks.example.com/c") || strings.Contains(list, genSecret) || strings.Contains(list, "0123456789abcdef") {
		t.Fatalf("list (must not show secrets): %d\n%s", code, list)
	}

	addUser("u1")
	addUser("u2")
	code, status, _ := wh("status", "--org", "acme")
	row := func(id string) []string {
		for _, l := range strings.Split(status, "\n") {
			if strings.HasPrefix(l, id) {
				return strings.Fields(l)
			}
		}
		t.Fatalf("no status row for %s in\n%s", id, status)
		return nil
	}
	// ID ENABLED CURSOR LATEST BACKLOG ATTEMPTS ...
	if r := row(gen); code != 0 || strings.Join(r[1:6], " ") != "true 1 3 2 0" {
		t.Errorf("status of %s: %v; want cursor 1, latest 3, backlog 2", gen, r)
	}
	if r := row(fromFile); strings.Join(r[1:6], " ") != "true 0 3 3 0" {
		t.Errorf("status of the --from-start webhook: %v; want backlog 3", r)
	}

	if code, out, _ := wh("disable", "--org", "acme", gen); code != 0 || out != "webhook "+gen+" disabled\n" {
		t.Errorf("disable: %d %q", code, out)
	}
	if _, status, _ = wh("status", "--org", "acme"); row(gen)[1] != "false" {
		t.Errorf("status after disable:\n%s", status)
	}
	if code, _, _ := wh("enable", "--org", "acme", gen); code != 0 {
		t.Error("enable failed")
	}
	if code, out, _ := wh("delete", "--org", "acme", gen); code != 0 || out != "webhook "+gen+" deleted\n" {
		t.Errorf("delete: %d %q", code, out)
	}
	if code, _, errs := wh("delete", "--org", "acme", gen); code != 1 || !strings.Contains(errs, "no webhook") {
		t.Errorf("delete twice: %d %q", code, errs)
	}
	if _, list, _ := wh("list", "--org", "acme"); strings.Contains(list, gen) {
		t.Errorf("deleted webhook still listed:\n%s", list)
	}
}

// TestServeDeliversWebhooks: serve runs the delivery worker: a user created
// over SCIM reaches a webhook created with the CLI, signed.
func TestServeDeliversWebhooks(t *testing.T) {
	t.Setenv(envWebhookPoll, "20ms")
	got := make(chan *http.Request, 10)
	bodies := make(chan []byte, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer rcv.Close()

	db := "sqlite:" + filepath.Join(t.TempDir(), "serve.db")
	cfg := defaults()
	cfg.DatabaseURL = db
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- serve(ctx, cfg, ln, slog.New(slog.DiscardHandler), &out, ready) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	<-ready
	tok := regexp.MustCompile(`(scimd_\S+)`).FindString(out.String())
	code, hookOut, errs := cli(t, "webhooks", "create", "--org", "default", "--url", rcv.URL, "--database-url", db)
	if code != 0 {
		t.Fatalf("webhooks create: %s", errs)
	}
	secret := regexp.MustCompile(`(whsec_\S+)`).FindString(hookOut)

	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/scim/v2/Users",
		strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /Users: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case r := <-got:
		b := <-bodies
		if err := webhook.Verify(secret, r.Header.Get(webhook.HeaderSignature), b, time.Now(), time.Minute); err != nil ||
			r.Header.Get(webhook.HeaderEventType) != "user.created" || !strings.Contains(string(b), `"alice"`) {
			t.Errorf("delivery: %v, type %q, body %s", err, r.Header.Get(webhook.HeaderEventType), b)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery within 30s")
	}
}
