package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/internal/testdb"
)

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// summary is the part of an event a test compares: type/meaning/kind/id.
func summary(es []event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%s/%s/%s/%s", e.Type, e.Meaning, e.ResourceType, e.ResourceID)
	}
	return out
}

func wantEvents(t testing.TB, what string, got []event, want ...string) {
	t.Helper()
	if g := summary(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot  %s\nwant %s", what, strings.Join(g, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestEventsOktaLifecycle: the joiner / mover / leaver events a typical
// Okta lifecycle makes, in order, and the type, meaning, resource and
// time filters over them.
func TestEventsOktaLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		env := newEnv(t, dbURL)
		a := env.acme
		start := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		uid := env.scimCall(t, a, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName":"ada@acme.test","name":{"givenName":"Ada","familyName":"Lovelace"},"active":true}`, 201)
		patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`
		env.scimCall(t, a, "PATCH", "/Users/"+uid, fmt.Sprintf(patch,
			`{"op":"replace","value":{"`+enterpriseURN+`:department":"Sales"}}`), 200)
		gid := env.scimCall(t, a, "POST", "/Groups", `{"displayName":"Sales"}`, 201)
		env.scimCall(t, a, "PATCH", "/Groups/"+gid, fmt.Sprintf(patch,
			`{"op":"add","path":"members","value":[{"value":"`+uid+`"}]}`), 204)
		env.scimCall(t, a, "PATCH", "/Users/"+uid, fmt.Sprintf(patch, `{"op":"replace","value":{"active":false}}`), 200)
		env.scimCall(t, a, "DELETE", "/Users/"+uid, "", 204)

		all, next := env.events(t, a.admin, "")
		u, g := "User/"+uid, "Group/"+gid
		wantEvents(t, "the lifecycle", all,
			"user.created/joiner/"+u,
			"user.updated/mover/"+u,
			"group.created//"+g,
			"group.members_changed//"+g,
			"user.teams_changed/mover/"+u,
			"user.deactivated/leaver/"+u,
			"user.archived//"+u, // already inactive: not a second leaver
		)
		if len(all) != 7 {
			t.FailNow()
		}
		for i, e := range all {
			if e.Actor != "token:okta" || e.ID == "" || (i > 0 && e.Seq <= all[i-1].Seq) {
				t.Errorf("event %d: %+v", i, e)
			}
			if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
				t.Errorf("event %d time %q: %v", i, e.Time, err)
			}
		}
		if next != strconv.FormatInt(all[6].Seq, 10) {
			t.Errorf("next = %q, want the last seq %d", next, all[6].Seq)
		}
		var data struct {
			Changes []struct {
				Attr string `json:"attr"`
				Old  any    `json:"old"`
				New  any    `json:"new"`
			} `json:"changes"`
			Reason     string `json:"reason"`
			Team       string `json:"team"`
			Membership string `json:"membership"`
		}
		if err := json.Unmarshal(all[1].Data, &data); err != nil || len(data.Changes) != 1 ||
			data.Changes[0].Attr != enterpriseURN+":department" || data.Changes[0].New != "Sales" {
			t.Errorf("mover data %s (%v)", all[1].Data, err)
		}
		if err := json.Unmarshal(all[4].Data, &data); err != nil || data.Team != gid || data.Membership != "joined" {
			t.Errorf("teams_changed data %s (%v)", all[4].Data, err)
		}
		if err := json.Unmarshal(all[5].Data, &data); err != nil || data.Reason != "idp" {
			t.Errorf("leaver data %s (%v)", all[5].Data, err)
		}

		for _, c := range []struct {
			query string
			want  []event
		}{
			{"?type=joiner", all[0:1]},
			{"?type=mover", []event{all[1], all[4]}},
			{"?type=leaver", all[5:6]},
			{"?type=mover,leaver", []event{all[1], all[4], all[5]}},
			{"?type=group.created&type=user.archived", []event{all[2], all[6]}},
			{"?type=user.teams_changed&type=joiner", []event{all[0], all[4]}},
			{"?resource=" + gid, all[2:4]},
			{"?resource=" + uid + "&type=mover", []event{all[1], all[4]}},
			{"?since=" + url.QueryEscape(start), all},
			{"?since=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), nil},
			{"?after=" + strconv.FormatInt(all[4].Seq, 10), all[5:]},
		} {
			got, _ := env.events(t, a.admin, c.query)
			wantEvents(t, c.query, got, summary(c.want)...)
		}
	})
}

// TestEventsPaging: after is a cursor: following next page by page reads
// every event once, in seq order; an empty page answers the cursor it was
// given, and new events show up after it.
func TestEventsPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		env := newEnv(t, dbURL)
		for i := range 7 {
			env.scimCall(t, env.acme, "POST", "/Users", fmt.Sprintf(`{"userName":"u%d"}`, i), 201)
		}
		all, _ := env.events(t, env.acme.admin, "?limit=1000")
		if len(all) != 7 {
			t.Fatalf("%d events, want 7", len(all))
		}
		var paged []event
		sizes := []int{}
		after := "0"
		for range 10 {
			page, next := env.events(t, env.acme.admin, "?limit=3&after="+after)
			if len(page) == 0 {
				if next != after {
					t.Errorf("an empty page answers next=%q, want the cursor %q", next, after)
				}
				break
			}
			sizes = append(sizes, len(page))
			paged = append(paged, page...)
			after = next
		}
		if fmt.Sprint(sizes) != "[3 3 1]" {
			t.Errorf("page sizes %v, want [3 3 1]", sizes)
		}
		wantEvents(t, "paged", paged, summary(all)...)
		id := env.scimCall(t, env.acme, "POST", "/Users", `{"userName":"late"}`, 201)
		page, _ := env.events(t, env.acme.admin, "?after="+after)
		wantEvents(t, "after the last cursor", page, "user.created/joiner/User/"+id)
	})
}

// TestEventsIsolation: an admin token reads its own organization's events
// only, whatever the filters.
func TestEventsIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, dbURL string) {
		env := newEnv(t, dbURL)
		globex := env.newOrg(t, "globex")
		own := map[string]map[string]bool{}
		for _, o := range []org{env.acme, globex} {
			own[o.id] = map[string]bool{}
			uid := env.scimCall(t, o, "POST", "/Users", `{"userName":"shared@example.test"}`, 201)
			gid := env.scimCall(t, o, "POST", "/Groups", `{"displayName":"Eng","members":[{"value":"`+uid+`"}]}`, 201)
			own[o.id][uid], own[o.id][gid] = true, true
		}
		for _, o := range []org{env.acme, globex} {
			evs, _ := env.events(t, o.admin, "")
			if len(evs) != 3 { // user.created, group.created, user.teams_changed
				t.Errorf("%d events for one organization, want 3: %v", len(evs), summary(evs))
			}
			for _, e := range evs {
				if !own[o.id][e.ResourceID] {
					t.Errorf("an admin of %s sees another organization's event %+v", o.id, e)
				}
			}
			for id := range own[o.id] {
				other := env.acme
				if o == env.acme {
					other = globex
				}
				if evs, _ := env.events(t, other.admin, "?resource="+id); len(evs) != 0 {
					t.Errorf("filtering on another organization's resource finds %v", summary(evs))
				}
			}
		}
	})
}
