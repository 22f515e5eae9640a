package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimd/scimd/api"
	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/sync/ldapsync"
)

// TestSyncControlAPI: the admin API runs the configured source with the
// real engine against a fake Active Directory, holds a mass
// deactivation, and approves it; a source under way elsewhere is 409, an
// unknown one 404, and an organization without sources has none.
func TestSyncControlAPI(t *testing.T) {
	db := testdb.SQLite(t)
	f := newSyncFixture(t, db)
	cf := &configFlags{cfg: defaults(), file: f.config, set: map[string]string{}}
	cfg, err := cf.load()
	if err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, db)
	dir := directory.New(st)
	org, _, err := dir.EnsureOrg(t.Context(), "default")
	if err != nil {
		t.Fatal(err)
	}
	other, err := dir.CreateOrg(t.Context(), "other")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	ctl, err := newSyncControl(t.Context(), cfg, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Directory: dir, Sync: ctl, Logger: log}).Handler())
	t.Cleanup(srv.Close)
	token := func(orgID string) string {
		tok, _, err := dir.CreateAdminToken(t.Context(), orgID, "ops", store.RoleUserAdmin)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tok, otherTok := token(org.ID), token(other.ID)
	call := func(tok, method, path, body string, want int) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/api/v1"+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil || resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		return m
	}

	srcs := call(tok, "GET", "/sync/sources", "", 200)["sources"].([]any)
	if len(srcs) != 1 || srcs[0].(map[string]any)["name"] != "ad" || srcs[0].(map[string]any)["schedule"] != "@hourly" {
		t.Errorf("sources %v", srcs)
	}
	if srcs := call(otherTok, "GET", "/sync/sources", "", 200)["sources"].([]any); len(srcs) != 0 {
		t.Errorf("an organization without sources lists %v", srcs)
	}
	call(otherTok, "POST", "/sync/sources/ad/run", "", 404)
	call(tok, "POST", "/sync/sources/hr/run", "", 404)

	run := call(tok, "POST", "/sync/sources/ad/run", `{"dry_run":true}`, 200)
	if run["status"] != "dry_run" || countUsers(t, db) != 0 {
		t.Fatalf("dry run %v", run)
	}
	run = call(tok, "POST", "/sync/sources/ad/run", "", 200)
	if run["status"] != "succeeded" || run["trigger"] != "manual" || countUsers(t, db) != 30 {
		t.Fatalf("run %v", run)
	}
	f.srv.Remove(f.users[0])
	f.srv.Remove(f.users[1])
	run = call(tok, "POST", "/sync/sources/ad/run", "", 200)
	held, _ := run["id"].(string)
	if run["status"] != "held" {
		t.Fatalf("run %v", run)
	}
	detail := call(tok, "GET", "/sync/runs/"+held+"?state=held", "", 200)
	if cs := detail["changes"].([]any); len(cs) != 2 || cs[0].(map[string]any)["kind"] != "deactivate" {
		t.Errorf("held changes %v", detail["changes"])
	}

	lock := syncLocker(db, st)
	unlock, ok, err := lock(t.Context(), ldapsync.LockKey(org.ID, "ad"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	m := call(tok, "POST", "/sync/runs/"+held+"/approve", "", 409)
	if !strings.Contains(m["error"].(string), "under way") {
		t.Errorf("locked approval: %v", m)
	}
	call(tok, "POST", "/sync/sources/ad/run", "", 409)
	unlock()

	run = call(tok, "POST", "/sync/runs/"+held+"/approve", "", 200)
	if run["status"] != "approved" {
		t.Errorf("approved %v", run)
	}
	m = call(tok, "POST", "/sync/runs/"+held+"/reject", "", 409)
	if !strings.Contains(m["error"].(string), "only a held run") {
		t.Errorf("rejecting an approved run: %v", m)
	}
	page, err := st.List(t.Context(), org.ID, store.KindUser, store.Query{Filter: store.Compare{
		Attr: store.Attr{Column: store.ColActive}, Op: store.OpEq, Value: false}})
	if err != nil || page.Total != 2 {
		t.Errorf("%d inactive users after the approval (%v), want 2", page.Total, err)
	}
}
