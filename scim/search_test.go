package scim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
)

const searchURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// sameBody compares two whole response bodies.
func sameBody(t *testing.T, what string, a, b map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s:\n GET  %v\n POST %v", what, a, b)
	}
}

// TestSearchEqualsGet: POST /{Type}/.search answers exactly what GET
// /{Type} answers for the same parameters (RFC 7644 §3.4.3).
func TestSearchEqualsGet(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		env := newEnv(t, dbURL)
		var users []string
		for i := range 6 {
			users = append(users, env.mustCreate(t, "/Users", fmt.Sprintf(
				`{"userName":"s%d@acme.test","title":%q,"name":{"familyName":"F%d"}}`, i, []string{"Dev", "Ops"}[i%2], 5-i)))
		}
		env.mustCreate(t, "/Groups", fmt.Sprintf(`{"displayName":"Devs","members":[{"value":%q}]}`, users[0]))
		env.mustCreate(t, "/Groups", `{"displayName":"Ops"}`)
		tests := []struct {
			endpoint string
			get      url.Values
			body     string
		}{
			{"/Users", url.Values{"filter": {`title eq "dev"`}, "sortBy": {"name.familyName"}, "startIndex": {"2"}, "count": {"2"},
				"attributes": {"userName,name.familyName"}},
				`{"schemas":["` + searchURN + `"],"filter":"title eq \"dev\"","sortBy":"name.familyName","startIndex":2,"count":2,
				"attributes":["userName","name.familyName"]}`},
			{"/Users", url.Values{"sortBy": {"userName"}, "sortOrder": {"descending"}, "excludedAttributes": {"name"}},
				`{"SCHEMAS":["` + searchURN + `"],"SortBy":"userName","SORTORDER":"descending","excludedAttributes":"name","startIndex":null}`},
			{"/Users", url.Values{}, `{}`},
			{"/Groups", url.Values{"filter": {`members pr`}, "excludedAttributes": {"members"}},
				`{"schemas":["` + searchURN + `"],"filter":"members pr","excludedAttributes":["members"]}`},
			{"/Groups", url.Values{"sortBy": {"displayName"}, "sortOrder": {"descending"}, "count": {"1"}},
				`{"schemas":["` + searchURN + `"],"sortBy":"displayName","sortOrder":"descending","count":"1"}`},
		}
		for _, tc := range tests {
			code, want, _ := env.do(t, http.MethodGet, tc.endpoint+"?"+tc.get.Encode(), "")
			if code != http.StatusOK {
				t.Fatalf("GET %s?%s: %d %v", tc.endpoint, tc.get.Encode(), code, want)
			}
			code, got, _ := env.do(t, http.MethodPost, tc.endpoint+"/.search", tc.body)
			if code != http.StatusOK {
				t.Fatalf("POST %s/.search %s: %d %v", tc.endpoint, tc.body, code, got)
			}
			sameBody(t, tc.endpoint+" "+tc.body, want, got)
			if len(got["Resources"].([]any)) == 0 {
				t.Errorf("POST %s/.search %s: no resources; the comparison proves little", tc.endpoint, tc.body)
			}
		}
	})
}

func TestSearchErrors(t *testing.T) {
	env := newEnv(t, sqliteURL(t))
	tests := []struct {
		method, path, body string
		code               int
		scimType           string
	}{
		{"POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, 400, "invalidSyntax"},
		{"POST", "/Users/.search", `{"filter":"userName eq"}`, 400, "invalidFilter"},
		{"POST", "/Users/.search", `{"filter":42}`, 400, "invalidValue"},
		{"POST", "/Users/.search", `{"count":"ten"}`, 400, "invalidValue"},
		{"POST", "/Users/.search", `{"attributes":[1]}`, 400, "invalidValue"},
		{"POST", "/Users/.search", `[]`, 400, "invalidSyntax"},
		{"POST", "/Users/.search", `{"sortBy":"emails"}`, 400, "invalidValue"},
		{"GET", "/Users/.search", ``, 405, ""},
		{"POST", "/.search", `{"filter":"nothing eq 1"}`, 400, "invalidFilter"},
		{"POST", "/.search", `{"sortBy":"nothing"}`, 400, "invalidValue"},
		{"POST", "/.search", `{"cursor":""}`, 400, "invalidValue"},
		{"GET", "/?cursor=", ``, 400, "invalidValue"},
		{"POST", "/", `{}`, 405, ""},
	}
	for _, tc := range tests {
		code, m, _ := env.do(t, tc.method, tc.path, tc.body)
		if code != tc.code || tc.scimType != "" && m["scimType"] != tc.scimType {
			t.Errorf("%s %s %s: %d %v, want %d %s", tc.method, tc.path, tc.body, code, m, tc.code, tc.scimType)
		}
	}
}

// TestRootQuery: GET / and POST /.search query users and groups together:
// users first, then groups, paged across both.
func TestRootQuery(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		env := newEnv(t, dbURL)
		u := []string{
			env.mustCreate(t, "/Users", `{"userName":"ann@acme.test","displayName":"Team Ann"}`),
			env.mustCreate(t, "/Users", `{"userName":"bob@acme.test","displayName":"Bob"}`),
			env.mustCreate(t, "/Users", `{"userName":"cid@acme.test","displayName":"Cid"}`),
		}
		g := []string{
			env.mustCreate(t, "/Groups", fmt.Sprintf(`{"displayName":"Team A","members":[{"value":%q}]}`, u[0])),
			env.mustCreate(t, "/Groups", `{"displayName":"Team B"}`),
		}
		all := slices.Concat(u, g)
		tests := []struct {
			name  string
			query url.Values
			total int
			want  []string
		}{
			{"everything", url.Values{}, 5, all},
			{"a page across the types", url.Values{"startIndex": {"3"}, "count": {"2"}}, 5, []string{u[2], g[0]}},
			{"a page of groups", url.Values{"startIndex": {"5"}, "count": {"2"}}, 5, []string{g[1]}},
			{"past the end", url.Values{"startIndex": {"6"}}, 5, nil},
			{"count 0", url.Values{"count": {"0"}}, 5, nil},
			{"attribute of both", url.Values{"filter": {`displayName sw "team"`}}, 3, []string{u[0], g[0], g[1]}},
			{"users only attribute", url.Values{"filter": {`userName sw "b"`}}, 1, []string{u[1]}},
			{"groups only attribute", url.Values{"filter": {`members pr`}}, 1, []string{g[0]}},
			{"either type's attribute", url.Values{"filter": {`userName eq "cid@acme.test" or members pr`}}, 2, []string{u[2], g[0]}},
			{"not on another type's attribute", url.Values{"filter": {`not (members pr) and meta.resourceType eq "Group"`}}, 1, []string{g[1]}},
			{"resource type", url.Values{"filter": {`meta.resourceType eq "User"`}}, 3, u},
			{"sorted within each type", url.Values{"sortBy": {"displayName"}, "sortOrder": {"descending"}}, 5,
				[]string{u[0], u[2], u[1], g[1], g[0]}},
			{"sortBy of one type", url.Values{"sortBy": {"userName"}, "sortOrder": {"descending"}}, 5,
				[]string{u[2], u[1], u[0], g[1], g[0]}}, // groups: all missing, id breaks the tie
		}
		for _, tc := range tests {
			code, m, _ := env.do(t, http.MethodGet, "/?"+tc.query.Encode(), "")
			p := readPage(t, "GET /?"+tc.query.Encode(), code, m)
			if p.total != tc.total || !slices.Equal(p.ids, tc.want) {
				t.Errorf("%s: %v of %d, want %v of %d", tc.name, p.ids, p.total, tc.want, tc.total)
			}
			body := map[string]any{"schemas": []string{searchURN}}
			for k, v := range tc.query {
				body[k] = v[0]
			}
			code, got, _ := env.do(t, http.MethodPost, "/.search", mustJSON(t, body))
			sameBody(t, "POST /.search "+tc.name, m, got)
			if code != http.StatusOK {
				t.Errorf("POST /.search %s: %d", tc.name, code)
			}
		}

		// Each resource keeps its own schemas and meta.resourceType.
		code, m, _ := env.do(t, http.MethodGet, "/?startIndex=3&count=2&attributes=userName,displayName,meta.resourceType", "")
		if code != http.StatusOK {
			t.Fatalf("GET /: %d %v", code, m)
		}
		rs := m["Resources"].([]any)
		user, group := rs[0].(map[string]any), rs[1].(map[string]any)
		if user["meta"].(map[string]any)["resourceType"] != "User" || user["userName"] != "cid@acme.test" ||
			!reflect.DeepEqual(user["schemas"], []any{"urn:ietf:params:scim:schemas:core:2.0:User"}) {
			t.Errorf("a user of the root query: %v", user)
		}
		if group["meta"].(map[string]any)["resourceType"] != "Group" || group["displayName"] != "Team A" ||
			group["schemas"].([]any)[0] != "urn:ietf:params:scim:schemas:core:2.0:Group" {
			t.Errorf("a group of the root query: %v", group)
		}
		if m["startIndex"] != 3.0 || m["itemsPerPage"] != 2.0 {
			t.Errorf("startIndex %v itemsPerPage %v", m["startIndex"], m["itemsPerPage"])
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
