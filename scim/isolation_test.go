package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
)

// TestOrganizationIsolation proves that one organization's token can
// neither read, filter, change, delete nor add as a member another
// organization's users or groups.
func TestOrganizationIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		ctx := context.Background()
		other, err := env.dir.CreateOrg(ctx, "globex")
		if err != nil {
			t.Fatal(err)
		}
		otherTok, _, err := env.dir.CreateToken(ctx, other.ID, "entra")
		if err != nil {
			t.Fatal(err)
		}
		uid := env.mustCreate(t, "/Users", `{"userName":"alice@acme.test"}`)
		gid := env.mustCreate(t, "/Groups", `{"displayName":"Acme Eng","members":[{"value":"`+uid+`"}]}`)
		mine := "" // a group of the other organization
		{
			code, m, _ := env.call(t, otherTok, http.MethodPost, "/Groups", `{"displayName":"Globex Eng"}`)
			if code != http.StatusCreated {
				t.Fatalf("create in other org: %d %v", code, m)
			}
			mine = m["id"].(string)
		}
		cases := []struct {
			name, method, path, body string
			want                     int
		}{
			{"read user", "GET", "/Users/" + uid, "", 404},
			{"read group", "GET", "/Groups/" + gid, "", 404},
			{"replace user", "PUT", "/Users/" + uid, `{"userName":"mallory"}`, 404},
			{"patch user", "PATCH", "/Users/" + uid, `{"Operations":[{"op":"replace","value":{"active":false}}]}`, 404},
			{"patch group", "PATCH", "/Groups/" + gid, `{"Operations":[{"op":"remove","path":"members"}]}`, 404},
			{"delete user", "DELETE", "/Users/" + uid, "", 404},
			{"delete group", "DELETE", "/Groups/" + gid, "", 404},
			{"add as member", "PATCH", "/Groups/" + mine, `{"Operations":[{"op":"add","path":"members","value":[{"value":"` + uid + `"}]}]}`, 400},
			{"create with foreign member", "POST", "/Groups", `{"displayName":"Sneaky","members":[{"value":"` + gid + `"}]}`, 400},
		}
		for _, c := range cases {
			code, m, _ := env.call(t, otherTok, c.method, c.path, c.body)
			if code != c.want {
				t.Errorf("%s: %d %v, want %d", c.name, code, m, c.want)
			}
		}
		for _, f := range []string{
			`userName eq "alice@acme.test"`, `id eq "` + uid + `"`, `userName pr`,
		} {
			code, m, _ := env.call(t, otherTok, "GET", "/Users?filter="+queryEscape(f), "")
			if code != 200 || m["totalResults"] != float64(0) {
				t.Errorf("filter %s from the other org: %d %v", f, code, m)
			}
		}
		code, m, _ := env.call(t, otherTok, "GET", "/Groups", "")
		if code != 200 || m["totalResults"] != float64(1) {
			t.Errorf("other org lists %v groups, want only its own", m["totalResults"])
		}
		// Nothing changed in the first organization.
		code, m, _ = env.do(t, "GET", "/Groups/"+gid+"?attributes=members", "")
		if code != 200 || fmt.Sprint(m["members"]) == "[]" {
			t.Fatalf("group after attacks: %d %v", code, m)
		}
		code, m, _ = env.do(t, "GET", "/Users/"+uid, "")
		if code != 200 || m["userName"] != "alice@acme.test" || m["active"] != true {
			t.Fatalf("user after attacks: %d %v", code, m)
		}
	})
}
