package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim"
)

// TestBulkVersion: an operation's version is its If-Match (RFC 7644
// §3.7, §3.14).
func TestBulkVersion(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		id := env.mustCreate(t, "/Users", `{"userName":"carol@version.test"}`)
		p := "/Users/" + id
		patch := map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "Stale"}}}
		res := postBulk(t, env, env.token, bulkBody(t, 0,
			map[string]any{"method": "PATCH", "path": p, "version": `W/"7"`, "data": patch},
			map[string]any{"method": "PUT", "path": p, "version": `W/"1"`, "data": map[string]any{"userName": "carol@version.test", "displayName": "Carol"}},
			map[string]any{"method": "DELETE", "path": p, "version": `W/"1"`},
		))
		wantStatuses(t, res, "412", "200", "412")
		if res[0]["location"] != env.base+p || res[1]["version"] != `W/"2"` {
			t.Errorf("results %v", res)
		}
		_, u, h := env.do(t, http.MethodGet, p, "")
		if u["displayName"] != "Carol" || h.Get("ETag") != `W/"2"` {
			t.Errorf("user after bulk: %v %s", u, h.Get("ETag"))
		}
	})
}

// TestBulkFailedOperationWritesNothing: each operation is one transaction.
func TestBulkFailedOperationWritesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		uid := env.mustCreate(t, "/Users", `{"userName":"dave@atomic.test","displayName":"Dave"}`)
		env.mustCreate(t, "/Users", `{"userName":"erin@atomic.test"}`)
		res := postBulk(t, env, env.token, bulkBody(t, 0,
			bop("POST", "/Groups", "", map[string]any{"displayName": "Half", "members": memberList(uid, "0190a1b2-0000-7000-8000-000000000000")}),
			bop("PATCH", "/Users/"+uid, "", map[string]any{"Operations": []any{
				map[string]any{"op": "replace", "path": "displayName", "value": "Changed"},
				map[string]any{"op": "replace", "path": "emails[type eq", "value": "x"},
			}}),
			bop("PUT", "/Users/"+uid, "", map[string]any{"userName": "erin@atomic.test", "displayName": "Changed"}),
		))
		wantStatuses(t, res, "400", "400", "409")
		if n := total(t, env, "/Groups", `displayName eq "Half"`); n != 0 {
			t.Errorf("a failed group POST left %v groups", n)
		}
		_, u, h := env.do(t, http.MethodGet, "/Users/"+uid, "")
		if u["displayName"] != "Dave" || u["userName"] != "dave@atomic.test" || h.Get("ETag") != `W/"1"` {
			t.Errorf("user after failed operations: %v %s", u, h.Get("ETag"))
		}
	})
}

// TestBulkLimits: maxOperations and maxPayloadSize are advertised and
// enforced with 413 naming the limit (RFC 7644 §3.7.4); the bulk payload
// limit replaces MaxBodyBytes on /Bulk only, and each operation's data
// stays under MaxBodyBytes.
func TestBulkLimits(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnvWith(t, url, scim.Config{MaxBodyBytes: 1024, BulkMaxOperations: 3, BulkMaxPayloadBytes: 4096})
		_, spc, _ := env.do(t, http.MethodGet, "/ServiceProviderConfig", "")
		if b := spc["bulk"].(map[string]any); b["supported"] != true || b["maxOperations"] != float64(3) || b["maxPayloadSize"] != float64(4096) {
			t.Errorf("bulk block %v", b)
		}
		four := bulkBody(t, 0, bop("POST", "/Users", "", user("a")), bop("POST", "/Users", "", user("b")),
			bop("POST", "/Users", "", user("c")), bop("POST", "/Users", "", user("d")))
		code, m, _ := env.do(t, http.MethodPost, "/Bulk", four)
		if code != http.StatusRequestEntityTooLarge || m["status"] != "413" || !strings.Contains(m["detail"].(string), "maxOperations (3)") {
			t.Errorf("4 operations: %d %v", code, m)
		}
		pad := strings.Repeat("x", 800)
		big := func(n int) map[string]any {
			u := user(fmt.Sprintf("big%d", n))
			u["nickName"] = pad
			return u
		}
		// Under 4096 bytes but over MaxBodyBytes: accepted on /Bulk only.
		body := bulkBody(t, 0, bop("POST", "/Users", "", big(1)), bop("POST", "/Users", "", big(2)), bop("POST", "/Users", "", big(3)))
		if len(body) <= 1024 || len(body) >= 4096 {
			t.Fatalf("test body is %d bytes", len(body))
		}
		wantStatuses(t, postBulk(t, env, env.token, body), "201", "201", "201")
		if code, m, _ := env.do(t, http.MethodPost, "/Users", strings.Repeat(" ", 1100)+`{"userName":"z"}`); code != http.StatusRequestEntityTooLarge {
			t.Errorf("a large body outside /Bulk: %d %v", code, m)
		}
		huge := map[string]any{"userName": "huge", "nickName": strings.Repeat("y", 1100)}
		wantStatuses(t, postBulk(t, env, env.token, bulkBody(t, 0, bop("POST", "/Users", "", huge))), "413")
		body = bulkBody(t, 0, bop("POST", "/Users", "", big(4)), bop("POST", "/Users", "", big(5)), bop("POST", "/Users", "", map[string]any{
			"userName": "big6", "nickName": strings.Repeat("z", 2500)}))
		code, m, _ = env.do(t, http.MethodPost, "/Bulk", body)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(m["detail"].(string), "maxPayloadSize (4096 bytes)") {
			t.Errorf("%d-byte bulk: %d %v", len(body), code, m)
		}
		if n := total(t, env, "/Users", `userName sw "big"`); n != 3 {
			t.Errorf("%v users after the rejected bulks, want 3", n)
		}
	})
}

// TestBulkOrganizationScope: the operations run as the bulk request's
// principal, inside its organization.
func TestBulkOrganizationScope(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		uid := env.mustCreate(t, "/Users", `{"userName":"alice@acme.test"}`)
		gid := env.mustCreate(t, "/Groups", `{"displayName":"Acme","members":[{"value":"`+uid+`"}]}`)
		other, err := env.dir.CreateOrg(context.Background(), "globex")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := env.dir.CreateToken(context.Background(), other.ID, "entra")
		if err != nil {
			t.Fatal(err)
		}
		res := postBulk(t, env, tok, bulkBody(t, 0,
			bop("PATCH", "/Users/"+uid, "", map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}),
			bop("PUT", "/Users/"+uid, "", user("mallory")),
			bop("DELETE", "/Groups/"+gid, "", nil),
			bop("POST", "/Groups", "", map[string]any{"displayName": "Sneaky", "members": memberList(uid)}),
			bop("POST", "/Users", "", user("alice@acme.test")),
		))
		wantStatuses(t, res, "404", "404", "404", "400", "201")
		_, u, h := env.do(t, http.MethodGet, "/Users/"+uid, "")
		if u["active"] != true || u["userName"] != "alice@acme.test" || h.Get("ETag") != `W/"1"` {
			t.Errorf("user after the other organization's bulk: %v", u)
		}
		if got := members(t, env, gid); len(got) != 1 {
			t.Errorf("group after the other organization's bulk: %v", got)
		}
		if n := total(t, env, "/Users", `userName pr`); n != 1 {
			t.Errorf("acme sees %v users", n)
		}
	})
}

// TestBulkRequestErrors: what makes a whole request unusable, and what
// fails one operation.
func TestBulkRequestErrors(t *testing.T) {
	env := newEnv(t, sqliteURL(t))
	for _, c := range []struct {
		name, body, scimType string
		status               int
	}{
		{"not JSON", `{"Operations":`, "invalidSyntax", 400},
		{"wrong schemas", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`, "invalidSyntax", 400},
		{"no Operations", `{"schemas":["` + bulkRequestURN + `"]}`, "invalidSyntax", 400},
		{"operation not an object", `{"Operations":["POST /Users"]}`, "invalidSyntax", 400},
		{"negative failOnErrors", `{"failOnErrors":-1,"Operations":[]}`, "invalidValue", 400},
		{"duplicate bulkId", `{"Operations":[{"method":"POST","path":"/Users","bulkId":"x","data":{"userName":"p"}},` +
			`{"method":"POST","path":"/Users","bulkId":"x","data":{"userName":"q"}}]}`, "invalidValue", 400},
	} {
		code, m, _ := env.do(t, http.MethodPost, "/Bulk", c.body)
		if code != c.status || m["status"] != fmt.Sprint(c.status) || m["scimType"] != c.scimType {
			t.Errorf("%s: %d %v", c.name, code, m)
		}
	}
	if n := total(t, env, "/Users", `userName pr`); n != 0 {
		t.Errorf("rejected requests created %v users", n)
	}
	code, m, h := env.do(t, http.MethodGet, "/Bulk", "")
	if code != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" || m["status"] != "405" {
		t.Errorf("GET /Bulk: %d %v %v", code, m, h)
	}
	res := postBulk(t, env, env.token, `{"Operations":[
		{"method":"GET","path":"/Users"},
		{"method":"POST","path":"/Schemas","data":{}},
		{"method":"POST","path":"/Users/123","data":{"userName":"p"}},
		{"method":"PATCH","path":"/Users","data":{"Operations":[]}},
		{"method":"POST","path":"/Users"},
		{"method":"POST","path":"/Users","data":[1]},
		{"method":"POST"},
		{"method":42,"path":"/Users"},
		{"method":"post","path":"/users/","data":{"userName":"lenient"}}]}`)
	wantStatuses(t, res, "400", "404", "405", "405", "400", "400", "400", "400", "201")
	if res[8]["method"] != "POST" {
		t.Errorf("method %v, want POST", res[8]["method"])
	}
}

// TestBulk1000Creates: a bulk of 1,000 creates (the default
// maxOperations) succeeds.
func TestBulk1000Creates(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		res := postBulk(t, env, env.token, bulk1000(t, "k"))
		if len(res) != 1000 {
			t.Fatalf("%d results", len(res))
		}
		for i, r := range res {
			if r["status"] != "201" || r["bulkId"] != fmt.Sprintf("u%d", i) {
				t.Fatalf("result %d: %v", i, r)
			}
		}
		if n := total(t, env, "/Users", `userName sw "k"`); n != 1000 {
			t.Fatalf("%v users, want 1000", n)
		}
	})
}

// bulk1000 is a BulkRequest of 1,000 user creates named prefix-N.
func bulk1000(t testing.TB, prefix string) string {
	ops := make([]map[string]any, 1000)
	for i := range ops {
		name := fmt.Sprintf("%s%04d@bulk.test", prefix, i)
		ops[i] = bop("POST", "/Users", fmt.Sprintf("u%d", i), map[string]any{
			"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": name,
			"name":     map[string]any{"givenName": "Bulk", "familyName": fmt.Sprint(i)},
			"emails":   []any{map[string]any{"value": name, "type": "work", "primary": true}},
			"active":   true,
		})
	}
	return bulkBody(t, 0, ops...)
}

// BenchmarkBulk1000Creates: one /Bulk of 1,000 user creates per iteration
// (go test ./scim -run '^$' -bench Bulk -benchtime 5x).
func BenchmarkBulk1000Creates(b *testing.B) {
	forEachDB(b, func(b *testing.B, url string) {
		env := newEnv(b, url)
		seq := 0 // b.Run calls the function more than once on one store
		b.Run("bulk", func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				seq++
				body := bulk1000(b, fmt.Sprintf("b%d-", seq))
				b.StartTimer()
				res := postBulk(b, env, env.token, body)
				if len(res) != 1000 || res[999]["status"] != "201" {
					b.Fatalf("bulk: %d results, last %v", len(res), res[len(res)-1])
				}
			}
		})
	})
}
