package scim_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/scimd/scimd/store"
)

// TestPolicySeatLimit: active internal users count against the seat
// limit; creating or activating one beyond it is refused with 403 saying
// the limit and the count, and nothing else of the request is applied;
// external users do not count; deactivating or deleting frees a seat.
func TestPolicySeatLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		setPolicy(t, env, store.Policy{SeatLimit: 2})
		u1 := env.mustCreate(t, "/Users", `{"userName":"u1"}`)
		u2 := env.mustCreate(t, "/Users", `{"userName":"u2","active":true}`)

		code, m, _ := env.do(t, "POST", "/Users", `{"userName":"u3"}`)
		wantError(t, "POST beyond the limit", code, m, 403, "", "2 of 2")
		if n := total(t, env, "/Users", `userName eq "u3"`); n != 0 {
			t.Fatalf("a refused POST stored the user (%v found)", n)
		}
		res := postBulk(t, env, env.token, bulkBody(t, 0, bop("POST", "/Users", "b1", user("u3"))))
		wantStatuses(t, res, "403")

		// External users and inactive users take no seat.
		ext := env.mustCreate(t, "/Users", `{"userName":"contractor","userType":"external"}`)
		idle := env.mustCreate(t, "/Users", `{"userName":"idle","active":false,"title":"Clerk"}`)

		// Activating beyond the limit is refused, and nothing else of
		// the request applies.
		for _, c := range []struct{ name, method, id, body string }{
			{"PATCH active=true", "PATCH", idle, `{"Operations":[{"op":"replace","path":"title","value":"Boss"},{"op":"replace","path":"active","value":"True"}]}`},
			{"PATCH without a path", "PATCH", idle, `{"Operations":[{"op":"replace","value":{"active":true,"title":"Boss"}}]}`},
			{"PUT active=true", "PUT", idle, `{"userName":"idle","active":true,"title":"Boss"}`},
			{"external becomes internal", "PATCH", ext, `{"Operations":[{"op":"replace","path":"userType","value":"Employee"}]}`},
		} {
			code, m, _ := env.do(t, c.method, "/Users/"+c.id, c.body)
			wantError(t, c.name, code, m, 403, "", "2 of 2")
		}
		res = postBulk(t, env, env.token, bulkBody(t, 0, bop("PATCH", "/Users/"+idle, "", map[string]any{
			"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": true}}})))
		wantStatuses(t, res, "403")
		_, m, _ = env.do(t, "GET", "/Users/"+idle, "")
		if m["active"] != false || m["title"] != "Clerk" {
			t.Errorf("after refused activations: %v", m)
		}
		_, m, _ = env.do(t, "GET", "/Users/"+ext, "")
		if m["userType"] != "external" {
			t.Errorf("after a refused userType change: %v", m)
		}
		used, err := env.dir.SeatsUsed(context.Background(), env.orgID)
		if err != nil || used != 2 {
			t.Errorf("seats used = %d, %v; want 2", used, err)
		}

		// Deactivating frees a seat, which the next activation takes.
		if code, m, _ := env.do(t, "PATCH", "/Users/"+u1, `{"Operations":[{"op":"replace","path":"active","value":false}]}`); code != 200 || m["active"] != false {
			t.Fatalf("deactivating u1: %d %v", code, m)
		}
		if code, m, _ := env.do(t, "PATCH", "/Users/"+idle, `{"Operations":[{"op":"replace","path":"active","value":true}]}`); code != 200 || m["active"] != true {
			t.Fatalf("activating idle after a seat was freed: %d %v", code, m)
		}
		code, m, _ = env.do(t, "PATCH", "/Users/"+u1, `{"Operations":[{"op":"replace","path":"active","value":true}]}`)
		wantError(t, "reactivating u1 when full", code, m, 403, "", "2 of 2")

		// Deleting (archiving) frees a seat too.
		if code, _, _ := env.do(t, "DELETE", "/Users/"+u2, ""); code != http.StatusNoContent {
			t.Fatalf("DELETE u2: %d", code)
		}
		env.mustCreate(t, "/Users", `{"userName":"u3"}`)
		code, m, _ = env.do(t, "POST", "/Users", `{"userName":"u4"}`)
		wantError(t, "POST when full again", code, m, 403, "", "2 of 2")
	})
}

// TestPolicyDeleteDeactivate: under the "deactivate" delete policy a SCIM
// DELETE of a user (alone or in /Bulk) only deactivates it: it stays
// readable with active=false. Groups are still archived, and If-Match is
// still honoured.
func TestPolicyDeleteDeactivate(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		setPolicy(t, env, store.Policy{DeleteMode: "deactivate"})
		id := env.mustCreate(t, "/Users", `{"userName":"ada@acme.test"}`)
		other := env.mustCreate(t, "/Users", `{"userName":"bob@acme.test"}`)
		gid := env.mustCreate(t, "/Groups", `{"displayName":"Eng","members":[{"value":"`+id+`"}]}`)

		code, m, _ := env.do(t, "DELETE", "/Users/"+id, "", "If-Match", `W/"stale"`)
		wantError(t, "DELETE with a stale If-Match", code, m, 412, "")
		if code, _, _ := env.do(t, "DELETE", "/Users/"+id, ""); code != http.StatusNoContent {
			t.Fatalf("DELETE: %d", code)
		}
		code, m, _ = env.do(t, "GET", "/Users/"+id, "")
		if code != 200 || m["active"] != false || m["userName"] != "ada@acme.test" {
			t.Errorf("GET after DELETE: %d %v; want the user, inactive", code, m)
		}
		if got := members(t, env, gid); len(got) != 1 || got[0] != id {
			t.Errorf("the deactivated user's teams: %v", got)
		}
		res := postBulk(t, env, env.token, bulkBody(t, 0, bop("DELETE", "/Users/"+other, "", nil)))
		wantStatuses(t, res, "204")
		if code, m, _ := env.do(t, "GET", "/Users/"+other, ""); code != 200 || m["active"] != false {
			t.Errorf("GET after a bulk DELETE: %d %v", code, m)
		}
		if n := total(t, env, "/Users", `active eq false`); n != 2 {
			t.Errorf("%v inactive users listed, want 2", n)
		}

		if code, _, _ := env.do(t, "DELETE", "/Groups/"+gid, ""); code != http.StatusNoContent {
			t.Fatalf("DELETE group: %d", code)
		}
		if code, _, _ := env.do(t, "GET", "/Groups/"+gid, ""); code != 404 {
			t.Errorf("GET group after DELETE: %d, want 404 (groups are archived)", code)
		}

		// A bulk job removing a user it created (its circular reference
		// failed) archives it whatever the delete policy.
		env.mustCreate(t, "/Users", `{"userName":"taken@cycle.test"}`)
		managed := func(name, manager string) map[string]any {
			u := user(name)
			u[enterpriseURN] = map[string]any{"manager": map[string]any{"value": manager}}
			return u
		}
		res = postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Users", "x", managed("x@cycle.test", "bulkId:y")),
			bop("POST", "/Users", "y", managed("taken@cycle.test", "bulkId:x"))))
		wantStatuses(t, res, "409", "409")
		if n := total(t, env, "/Users", `userName eq "x@cycle.test"`); n != 0 {
			t.Errorf("the user a bulk job undid is still visible (%v found)", n)
		}

		// Back to the default: DELETE archives.
		setPolicy(t, env, store.Policy{})
		if code, _, _ := env.do(t, "DELETE", "/Users/"+id, ""); code != http.StatusNoContent {
			t.Fatalf("DELETE under the default policy: %d", code)
		}
		if code, _, _ := env.do(t, "GET", "/Users/"+id, ""); code != 404 {
			t.Errorf("GET after an archiving DELETE: %d, want 404", code)
		}
	})
}
