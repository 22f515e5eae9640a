package scim_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim/schema"
)

// TestTeams covers teams and sub-teams end to end: nesting, cycles,
// User.groups direct and indirect, filtering on groups.value, the team
// extension (parentTeams, memberCount, transitiveMembers) and archiving a
// team in the middle of a tree.
func TestTeams(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env := newEnv(t, url)
		user := func(name string) string {
			return env.mustCreate(t, "/Users", `{"userName":"`+name+`","displayName":"`+name+`"}`)
		}
		group := func(name string, members ...string) string {
			var refs []string
			for _, m := range members {
				refs = append(refs, `{"value":"`+m+`"}`) // no type: ids share one namespace
			}
			return env.mustCreate(t, "/Groups", `{"displayName":"`+name+`","members":[`+strings.Join(refs, ",")+`]}`)
		}
		a, b, c := user("a"), user("b"), user("c")
		leaf := group("Leaf", a, b)
		mid := group("Mid", leaf, b)
		top := group("Top", mid, c)

		// A change that would make a team contain itself is refused.
		for _, g := range []string{leaf, mid, top} {
			code, m, _ := env.do(t, "PATCH", "/Groups/"+leaf, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+g+`"}]}]}`)
			if code != 400 || m["scimType"] != "invalidValue" {
				t.Errorf("adding %s to Leaf: %d %v, want 400 invalidValue", g, code, m)
			}
		}
		if code, m, _ := env.do(t, "PUT", "/Groups/"+mid, `{"displayName":"Mid","members":[{"value":"`+top+`"}]}`); code != 400 {
			t.Errorf("PUT making Mid contain Top: %d %v", code, m)
		}
		if got := names(t, env, "/Groups/"+mid, "members"); got != "Leaf b" {
			t.Errorf("Mid's members after refused changes: %q", got)
		}

		if got := groupsOf(t, env, a); got != "Leaf:direct Mid:indirect Top:indirect" {
			t.Errorf("a's groups: %q", got)
		}
		if got := groupsOf(t, env, b); got != "Leaf:direct Mid:direct Top:indirect" {
			t.Errorf("b's groups: %q", got)
		}
		code, m, _ := env.do(t, "GET", "/Users?filter="+queryEscape(`groups.value eq "`+top+`"`), "")
		if code != 200 || m["totalResults"] != float64(3) {
			t.Errorf("users of Top through sub-teams: %d %v", code, m["totalResults"])
		}

		team := func(id, query string) map[string]any {
			t.Helper()
			code, m, _ := env.do(t, "GET", "/Groups/"+id+query, "")
			if code != 200 {
				t.Fatalf("GET group: %d %v", code, m)
			}
			ext, _ := m[schema.TeamURN].(map[string]any)
			return ext
		}
		leafTeam := team(leaf, "")
		if leafTeam["memberCount"] != float64(2) || refs(leafTeam["parentTeams"]) != "Mid:direct Top:indirect" {
			t.Errorf("Leaf's team extension: %v", leafTeam)
		}
		if _, ok := leafTeam["transitiveMembers"]; ok {
			t.Errorf("transitiveMembers is returned only on request")
		}
		topTeam := team(top, "?attributes="+schema.TeamURN+":transitiveMembers")
		if got := refs(topTeam["transitiveMembers"]); got != "a b c" {
			t.Errorf("Top's transitive members: %q", got)
		}
		if code, m, _ := env.do(t, "GET", "/Groups?filter="+queryEscape(schema.TeamURN+":memberCount gt 1"), ""); code != 400 || m["scimType"] != "invalidFilter" {
			t.Errorf("filtering on a computed attribute: %d %v", code, m)
		}

		// Archiving Mid: Leaf becomes a top-level team, Top keeps only c,
		// Leaf keeps its members, and the change is visible in versions.
		if code, m, _ := env.do(t, "DELETE", "/Groups/"+mid, ""); code != http.StatusNoContent {
			t.Fatalf("DELETE Mid: %d %v", code, m)
		}
		if _, ok := team(leaf, "")["parentTeams"]; ok {
			t.Errorf("Leaf still has parent teams after Mid was archived")
		}
		if got := names(t, env, "/Groups/"+leaf, "members"); got != "a b" {
			t.Errorf("Leaf's members after archiving Mid: %q", got)
		}
		if got := refs(team(top, "?attributes="+schema.TeamURN+":transitiveMembers")["transitiveMembers"]); got != "c" {
			t.Errorf("Top's transitive members after archiving Mid: %q", got)
		}
		if got := groupsOf(t, env, a); got != "Leaf:direct" {
			t.Errorf("a's groups after archiving Mid: %q", got)
		}
		// An archived member disappears from members.
		if code, _, _ := env.do(t, "DELETE", "/Users/"+b, ""); code != http.StatusNoContent {
			t.Fatal("DELETE b")
		}
		if got := names(t, env, "/Groups/"+leaf, "members"); got != "a" {
			t.Errorf("Leaf's members after archiving b: %q", got)
		}
	})
}

// names lists the display names of a multi-valued attribute, sorted.
func names(t *testing.T, env *testEnv, path, attr string) string {
	t.Helper()
	code, m, _ := env.do(t, "GET", path, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %v", path, code, m)
	}
	var out []string
	list, _ := m[attr].([]any)
	for _, e := range list {
		out = append(out, fmt.Sprint(e.(map[string]any)["display"]))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func groupsOf(t *testing.T, env *testEnv, userID string) string {
	t.Helper()
	code, m, _ := env.do(t, "GET", "/Users/"+userID, "")
	if code != 200 {
		t.Fatalf("GET user: %d %v", code, m)
	}
	return refs(m["groups"])
}

// refs renders references as "display:type" (or "display"), sorted.
func refs(v any) string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		r := e.(map[string]any)
		s := fmt.Sprint(r["display"])
		if typ, ok := r["type"]; ok {
			s += ":" + fmt.Sprint(typ)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
