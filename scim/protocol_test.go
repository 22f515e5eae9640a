package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/scimd/scimd/scim"
)

// TestConcurrentMembershipPatches: many clients add members to one group
// at once; no update is lost.
func TestConcurrentMembershipPatches(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		gid := env.mustCreate(t, "/Groups", `{"displayName":"Platform"}`)
		const n = 24
		ids := make([]string, n)
		for i := range ids {
			ids[i] = env.mustCreate(t, "/Users", fmt.Sprintf(`{"userName":"user%02d@acme.test"}`, i))
		}
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, m, _ := env.do(t, "PATCH", "/Groups/"+gid,
					`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`)
				if code != http.StatusNoContent {
					errs <- fmt.Sprintf("PATCH: %d %v", code, m)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		code, m, _ := env.do(t, "GET", "/Groups/"+gid, "")
		if code != 200 {
			t.Fatalf("GET group: %d %v", code, m)
		}
		members, _ := m["members"].([]any)
		if len(members) != n {
			t.Fatalf("%d members after %d concurrent adds", len(members), n)
		}
		if v := m["meta"].(map[string]any)["version"]; v != fmt.Sprintf(`W/"%d"`, n+1) {
			t.Errorf("version %v after %d changes, want W/\"%d\"", v, n, n+1)
		}
	})
}

// TestETags covers meta.version, ETag, If-Match and If-None-Match.
func TestETags(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		code, m, h := env.do(t, "POST", "/Users", `{"userName":"etag@acme.test"}`)
		if code != 201 {
			t.Fatalf("create: %d %v", code, m)
		}
		id, tag := m["id"].(string), h.Get("ETag")
		if tag != `W/"1"` || m["meta"].(map[string]any)["version"] != tag {
			t.Fatalf("ETag %q meta.version %v", tag, m["meta"])
		}
		if code, _, _ := env.do(t, "GET", "/Users/"+id, "", "If-None-Match", tag); code != http.StatusNotModified {
			t.Errorf("If-None-Match current: %d, want 304", code)
		}
		patch := `{"Operations":[{"op":"replace","path":"displayName","value":"E. Tag"}]}`
		if code, _, h = env.do(t, "PATCH", "/Users/"+id, patch, "If-Match", tag); code != 200 || h.Get("ETag") != `W/"2"` {
			t.Fatalf("PATCH with current If-Match: %d ETag %q", code, h.Get("ETag"))
		}
		for _, c := range []struct{ method, body string }{
			{"PATCH", patch}, {"PUT", `{"userName":"etag@acme.test"}`}, {"DELETE", ""},
		} {
			if code, m, _ := env.do(t, c.method, "/Users/"+id, c.body, "If-Match", tag); code != http.StatusPreconditionFailed {
				t.Errorf("%s with stale If-Match: %d %v, want 412", c.method, code, m)
			}
		}
		if code, _, _ := env.do(t, "GET", "/Users/"+id, "", "If-None-Match", tag); code != 200 {
			t.Errorf("If-None-Match stale: %d, want 200", code)
		}
		// The same PATCH again changes nothing, so the version stays.
		if code, _, h = env.do(t, "PATCH", "/Users/"+id, patch); code != 200 || h.Get("ETag") != `W/"2"` {
			t.Errorf("no-op PATCH: %d ETag %q, want W/\"2\"", code, h.Get("ETag"))
		}
	})
}

// TestLimits covers the body size limit (413) and the per-token rate
// limit (429 with Retry-After).
func TestLimits(t *testing.T) {
	env := newEnvWith(t, sqliteURL(t), scim.Config{MaxBodyBytes: 2048, RateLimit: 0.001, RateBurst: 3})
	big := `{"userName":"big","displayName":"` + strings.Repeat("x", 4096) + `"}`
	code, m, _ := env.do(t, "POST", "/Users", big)
	if code != http.StatusRequestEntityTooLarge || m["status"] != "413" {
		t.Fatalf("oversized body: %d %v", code, m)
	}
	// Two more requests fit the burst of 3; the next is refused.
	for i := 0; i < 2; i++ {
		if code, m, _ := env.do(t, "GET", "/Users", ""); code != 200 {
			t.Fatalf("request %d within the burst: %d %v", i, code, m)
		}
	}
	code, m, h := env.do(t, "GET", "/Users", "")
	if code != http.StatusTooManyRequests || m["status"] != "429" || h.Get("Retry-After") == "" {
		t.Fatalf("beyond the rate: %d %v Retry-After %q", code, m, h.Get("Retry-After"))
	}
}

// TestInternalErrorsStayInternal: when the database fails, the client gets
// a 500 SCIM error naming only the request id, and the cause goes to the
// log line carrying that id.
func TestInternalErrorsStayInternal(t *testing.T) {
	var logs syncBuffer
	env := newEnvLog(t, sqliteURL(t), scim.Config{}, &logs)
	uid := env.mustCreate(t, "/Users", `{"userName":"before.failure@acme.test"}`)
	// Authentication must still work, so revoke nothing: break only the
	// table the handler reads next.
	if _, err := env.st.DB().Exec(`DROP TABLE members`); err != nil {
		t.Fatal(err)
	}
	code, m, h := env.do(t, "GET", "/Users/"+uid, "")
	if code != http.StatusInternalServerError || m["status"] != "500" {
		t.Fatalf("want 500, got %d %v", code, m)
	}
	id := h.Get("X-Request-Id")
	detail, _ := m["detail"].(string)
	if id == "" || !strings.Contains(detail, id) || strings.Contains(strings.ToLower(detail), "members") ||
		strings.Contains(strings.ToLower(detail), "sql") {
		t.Fatalf("detail %q must name request id %q and nothing internal", detail, id)
	}
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"request_id":"`+id+`"`) && strings.Contains(line, "members") && strings.Contains(line, `"level":"ERROR"`) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no error log line with request id %s and the cause:\n%s", id, logs.String())
	}
}
