package scim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
	"testing"
)

const (
	bulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	bulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	enterpriseURN   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// bop is one bulk operation.
func bop(method, p, bulkID string, data any) map[string]any {
	m := map[string]any{"method": method, "path": p}
	if bulkID != "" {
		m["bulkId"] = bulkID
	}
	if data != nil {
		m["data"] = data
	}
	return m
}

// bulkBody is a BulkRequest; failOnErrors 0 leaves it out.
func bulkBody(t testing.TB, failOnErrors int, ops ...map[string]any) string {
	t.Helper()
	req := map[string]any{"schemas": []string{bulkRequestURN}, "Operations": ops}
	if failOnErrors > 0 {
		req["failOnErrors"] = failOnErrors
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// postBulk sends a BulkRequest with token and returns the results, after
// checking the BulkResponse envelope.
func postBulk(t testing.TB, e *testEnv, token, body string) []map[string]any {
	t.Helper()
	code, m, _ := e.call(t, token, http.MethodPost, "/Bulk", body)
	if code != http.StatusOK {
		t.Fatalf("POST /Bulk: %d %v", code, m)
	}
	if fmt.Sprint(m["schemas"]) != "["+bulkResponseURN+"]" {
		t.Fatalf("bulk response schemas %v", m["schemas"])
	}
	list, ok := m["Operations"].([]any)
	if !ok {
		t.Fatalf("bulk response without an Operations array: %v", m)
	}
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i] = v.(map[string]any)
	}
	return out
}

// wantStatuses checks the results' statuses, in order, and that each
// failure carries an RFC 7644 §3.12 error with the same status.
func wantStatuses(t testing.TB, res []map[string]any, want ...string) {
	t.Helper()
	got := make([]string, len(res))
	for i, r := range res {
		got[i], _ = r["status"].(string)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("statuses %v, want %v; results %v", got, want, res)
	}
	for i, r := range res {
		resp, hasResp := r["response"].(map[string]any)
		failed := got[i] >= "400"
		if failed != hasResp {
			t.Errorf("result %d (%s): response %v", i, got[i], r["response"])
		}
		if failed && (resp["status"] != got[i] || fmt.Sprint(resp["schemas"]) != "[urn:ietf:params:scim:api:messages:2.0:Error]" || resp["detail"] == "") {
			t.Errorf("result %d: error body %v", i, resp)
		}
	}
}

// idOf is the resource id at the end of a result's location.
func idOf(t testing.TB, r map[string]any) string {
	t.Helper()
	loc, _ := r["location"].(string)
	if loc == "" {
		t.Fatalf("result without location: %v", r)
	}
	return path.Base(loc)
}

func user(name string) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name}
}

func memberList(ids ...string) []any {
	var l []any
	for _, id := range ids {
		l = append(l, map[string]any{"value": id})
	}
	return l
}

// members returns the member ids of a group.
func members(t testing.TB, e *testEnv, id string) []string {
	t.Helper()
	code, m, _ := e.do(t, http.MethodGet, "/Groups/"+id, "")
	if code != http.StatusOK {
		t.Fatalf("GET group %s: %d %v", id, code, m)
	}
	list, _ := m["members"].([]any)
	ids := []string{}
	for _, v := range list {
		ids = append(ids, v.(map[string]any)["value"].(string))
	}
	return ids
}

// total counts the resources a filter selects.
func total(t testing.TB, e *testEnv, endpoint, filter string) float64 {
	t.Helper()
	code, m, _ := e.do(t, http.MethodGet, endpoint+"?count=0&filter="+queryEscape(filter), "")
	if code != http.StatusOK {
		t.Fatalf("GET %s filter %s: %d %v", endpoint, filter, code, m)
	}
	return m["totalResults"].(float64)
}

// TestBulkRFCExample is RFC 7644 §3.7.2's example: a new user referenced
// as a member of a new group in the same request.
func TestBulkRFCExample(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		res := postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Users", "qwerty", user("alice")),
			bop("POST", "/Groups", "ytrewq", map[string]any{"displayName": "Tour Guides",
				"members": []any{map[string]any{"type": "User", "value": "bulkId:qwerty"}}}),
		))
		wantStatuses(t, res, "201", "201")
		for i, want := range []struct{ bulkID, endpoint string }{{"qwerty", "/Users/"}, {"ytrewq", "/Groups/"}} {
			r := res[i]
			if r["method"] != "POST" || r["bulkId"] != want.bulkID || !strings.HasPrefix(r["location"].(string), env.base+want.endpoint) {
				t.Errorf("result %d: %v", i, r)
			}
			code, _, h := env.do(t, http.MethodGet, strings.TrimPrefix(r["location"].(string), env.base), "")
			if code != http.StatusOK || h.Get("ETag") != r["version"] {
				t.Errorf("result %d: version %v, GET answers %d with ETag %q", i, r["version"], code, h.Get("ETag"))
			}
		}
		uid, gid := idOf(t, res[0]), idOf(t, res[1])
		if got := members(t, env, gid); len(got) != 1 || got[0] != uid {
			t.Fatalf("group members %v, want [%s]", got, uid)
		}
		_, u, _ := env.do(t, http.MethodGet, "/Users/"+uid, "")
		if gs, _ := u["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["value"] != gid {
			t.Fatalf("user groups %v", u["groups"])
		}
	})
}

// TestBulkIDInPath addresses resources created in the same request by
// their bulkId ("/Users/bulkId:u").
func TestBulkIDInPath(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		res := postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Users", "u", user("bob")),
			bop("PATCH", "/Users/bulkId:u", "", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}),
			bop("POST", "/Groups", "g", map[string]any{"displayName": "Ops"}),
			bop("PUT", "/Groups/bulkId:g", "", map[string]any{"displayName": "Ops Team", "members": memberList("bulkId:u")}),
			bop("POST", "/Groups", "gone", map[string]any{"displayName": "Temp"}),
			bop("DELETE", "/Groups/bulkId:gone", "", nil),
			bop("POST", "/Groups", "f", map[string]any{"displayName": "Filtered", "members": memberList("bulkId:u")}),
			// A reference inside a PATCH filter (RFC 7644 §3.5.2.2).
			bop("PATCH", "/Groups/bulkId:f", "", map[string]any{"Operations": []any{
				map[string]any{"op": "remove", "path": `members[value eq "bulkId:u"]`}}}),
		))
		wantStatuses(t, res, "201", "200", "201", "200", "201", "204", "201", "204")
		uid, gid := idOf(t, res[0]), idOf(t, res[2])
		if res[1]["location"] != env.base+"/Users/"+uid || res[1]["version"] != `W/"2"` || res[1]["method"] != "PATCH" {
			t.Errorf("PATCH result %v", res[1])
		}
		if res[5]["location"] != env.base+"/Groups/"+idOf(t, res[4]) || res[7]["version"] != `W/"2"` {
			t.Errorf("DELETE and PATCH results %v %v", res[5], res[7])
		}
		if got := members(t, env, idOf(t, res[6])); len(got) != 0 {
			t.Errorf("members after the filtered remove: %v", got)
		}
		_, u, _ := env.do(t, http.MethodGet, "/Users/"+uid, "")
		if u["active"] != false {
			t.Errorf("user after PATCH: %v", u)
		}
		if got := members(t, env, gid); len(got) != 1 || got[0] != uid {
			t.Errorf("group members %v, want [%s]", got, uid)
		}
		if code, _, _ := env.do(t, http.MethodGet, "/Groups/"+idOf(t, res[4]), ""); code != http.StatusNotFound {
			t.Errorf("deleted group answers %d", code)
		}
	})
}

// TestBulkDependencyOrder runs operations after those whose bulkIds they
// reference, and still reports them in request order.
func TestBulkDependencyOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		res := postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Groups", "g", map[string]any{"displayName": "Early", "members": memberList("bulkId:u", "bulkId:v")}),
			bop("PATCH", "/Users/bulkId:v", "", map[string]any{"Operations": []any{
				map[string]any{"op": "replace", "path": "displayName", "value": "Vee"}}}),
			bop("POST", "/Users", "u", user("u@order.test")),
			bop("POST", "/Users", "v", user("v@order.test")),
		))
		wantStatuses(t, res, "201", "200", "201", "201")
		for i, want := range []string{"g", "", "u", "v"} {
			if got, _ := res[i]["bulkId"].(string); got != want {
				t.Errorf("result %d has bulkId %q, want %q", i, got, want)
			}
		}
		uid, vid := idOf(t, res[2]), idOf(t, res[3])
		got := members(t, env, idOf(t, res[0]))
		if len(got) != 2 || !(got[0] == uid && got[1] == vid || got[0] == vid && got[1] == uid) {
			t.Errorf("members %v, want %s and %s", got, uid, vid)
		}
		if idOf(t, res[1]) != vid {
			t.Errorf("PATCH addressed %v, want %s", res[1]["location"], vid)
		}
		_, v, _ := env.do(t, http.MethodGet, "/Users/"+vid, "")
		if v["displayName"] != "Vee" {
			t.Errorf("user v: %v", v)
		}
	})
}

// TestBulkFailOnErrors: the job stops after failOnErrors errors; the
// operations not performed are not reported (RFC 7644 §3.7.3).
func TestBulkFailOnErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		res := postBulk(t, env, env.token, bulkBody(t, 1,
			bop("POST", "/Users", "a", user("a@fail.test")),
			bop("POST", "/Users", "dup", user("A@FAIL.TEST")),
			bop("POST", "/Users", "c", user("c@fail.test")),
		))
		wantStatuses(t, res, "201", "409")
		if r := res[1]["response"].(map[string]any); r["scimType"] != "uniqueness" || res[1]["location"] != nil {
			t.Errorf("failed POST: %v", res[1])
		}
		if n := total(t, env, "/Users", `userName eq "c@fail.test"`); n != 0 {
			t.Errorf("the operation after the stop was performed (%v users)", n)
		}
		// Without failOnErrors every operation is performed.
		res = postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Users", "", user("a@fail.test")),
			bop("POST", "/Users", "", user("c@fail.test")),
		))
		wantStatuses(t, res, "409", "201")
		// failOnErrors=2 accepts one error and stops at the second.
		res = postBulk(t, env, env.token, bulkBody(t, 2,
			bop("POST", "/Users", "", user("a@fail.test")),
			bop("POST", "/Users", "", user("d@fail.test")),
			bop("DELETE", "/Users/no-such-id", "", nil),
			bop("POST", "/Users", "", user("e@fail.test")),
		))
		wantStatuses(t, res, "409", "201", "404")
		if n := total(t, env, "/Users", `userName eq "e@fail.test"`); n != 0 {
			t.Errorf("the operation after the stop was performed")
		}
	})
}

// TestBulkUnresolvedReferences: a reference to a bulkId no operation
// defines, or to a failed operation, fails that operation with 409; the
// others are performed.
func TestBulkUnresolvedReferences(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		res := postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Groups", "", map[string]any{"displayName": "Ghosts", "members": memberList("bulkId:nope")}),
			bop("POST", "/Users", "ok", user("ok@ref.test")),
			bop("POST", "/Users", "bad", map[string]any{"displayName": "no userName"}),
			bop("POST", "/Groups", "", map[string]any{"displayName": "Needs bad", "members": memberList("bulkId:ok", "bulkId:bad")}),
			bop("PATCH", "/Users/bulkId:nope", "", map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}),
		))
		wantStatuses(t, res, "409", "201", "400", "409", "409")
		for _, i := range []int{0, 3, 4} {
			r := res[i]["response"].(map[string]any)
			if r["scimType"] != "invalidValue" || !strings.Contains(r["detail"].(string), "bulkId") {
				t.Errorf("result %d: %v", i, r)
			}
		}
		if d := res[3]["response"].(map[string]any)["detail"].(string); !strings.Contains(d, "failed") {
			t.Errorf("reference to a failed operation: %q", d)
		}
		if n := total(t, env, "/Groups", `displayName pr`); n != 0 {
			t.Errorf("%v groups created by failed operations", n)
		}
	})
}

// TestBulkCircularReferences: RFC 7644 §3.7.1. Users managing each other
// are created, then their managers are patched in; groups containing each
// other cannot exist (teams form no cycles), so both fail with 409 and
// nothing is written.
func TestBulkCircularReferences(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		managed := func(name, manager string) map[string]any {
			u := user(name)
			u[enterpriseURN] = map[string]any{"department": "Ops", "manager": map[string]any{"value": manager}}
			return u
		}
		res := postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Users", "a", managed("a@cycle.test", "bulkId:b")),
			bop("POST", "/Users", "b", managed("b@cycle.test", "bulkId:a")),
			bop("POST", "/Groups", "ga", map[string]any{"displayName": "Group A", "members": []any{map[string]any{"type": "Group", "value": "bulkId:gb"}}}),
			bop("POST", "/Groups", "gb", map[string]any{"displayName": "Group B", "members": []any{map[string]any{"type": "Group", "value": "bulkId:ga"}}}),
			bop("POST", "/Groups", "self", map[string]any{"displayName": "Ouroboros", "members": memberList("bulkId:self")}),
			bop("POST", "/Groups", "", map[string]any{"displayName": "Fine", "members": memberList("bulkId:a")}),
		))
		wantStatuses(t, res, "201", "201", "409", "409", "409", "201")
		aID, bID := idOf(t, res[0]), idOf(t, res[1])
		for _, c := range []struct {
			id, manager string
			r           map[string]any
		}{{aID, bID, res[0]}, {bID, aID, res[1]}} {
			code, u, h := env.do(t, http.MethodGet, "/Users/"+c.id, "")
			ext, _ := u[enterpriseURN].(map[string]any)
			mgr, _ := ext["manager"].(map[string]any)
			if code != http.StatusOK || mgr["value"] != c.manager || ext["department"] != "Ops" {
				t.Errorf("user %s: %d %v", c.id, code, u)
			}
			if h.Get("ETag") != c.r["version"] {
				t.Errorf("user %s: result version %v, ETag %s", c.id, c.r["version"], h.Get("ETag"))
			}
		}
		for _, i := range []int{2, 3, 4} {
			if d := res[i]["response"].(map[string]any)["detail"].(string); !strings.Contains(d, "cycle") {
				t.Errorf("result %d: %q", i, d)
			}
		}
		if n := total(t, env, "/Groups", `displayName sw "Group" or displayName eq "Ouroboros"`); n != 0 {
			t.Errorf("%v groups of a membership cycle were written", n)
		}

		// A cycle whose other half fails: the resource created first is
		// removed again and its operation fails.
		env.mustCreate(t, "/Users", `{"userName":"taken@cycle.test"}`)
		res = postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Users", "x", managed("x@cycle.test", "bulkId:y")),
			bop("POST", "/Users", "y", managed("taken@cycle.test", "bulkId:x")),
			bop("POST", "/Users", "me", managed("me@cycle.test", "bulkId:me")), // a cycle of one
		))
		wantStatuses(t, res, "409", "409", "201")
		_, me, _ := env.do(t, http.MethodGet, "/Users/"+idOf(t, res[2]), "")
		if mgr, _ := me[enterpriseURN].(map[string]any)["manager"].(map[string]any); mgr["value"] != idOf(t, res[2]) {
			t.Errorf("self-managed user: %v", me)
		}
		if d := res[0]["response"].(map[string]any)["detail"].(string); !strings.Contains(d, "removed") {
			t.Errorf("undone operation: %q", d)
		}
		if n := total(t, env, "/Users", `userName eq "x@cycle.test"`); n != 0 {
			t.Errorf("the undone user is still visible")
		}
	})
}
