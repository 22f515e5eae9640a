package scim_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/scim"
)

// clock is a settable time source for cursor expiry: no test sleeps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cursorSecret is the cursor secret of cursorEnv servers.
const cursorSecret = "a secret every replica shares"

// cursorEnv is a server with a 50-result page limit, a one-minute cursor
// timeout and a settable clock.
func cursorEnv(t *testing.T, url string) (*testEnv, *clock) {
	c := newClock()
	return newEnvWith(t, url, scim.Config{MaxResults: 50, CursorTimeout: time.Minute, Now: c.Now,
		CursorSecret: []byte(cursorSecret)}), c
}

// replica is another server over env's database, with its own config.
func replica(t *testing.T, env *testEnv, cfg scim.Config) *testEnv {
	srv := httptest.NewServer(scim.New(cfg, env.dir, slog.New(slog.DiscardHandler)).Handler())
	t.Cleanup(srv.Close)
	r := *env
	r.base, r.client, r.srv = srv.URL+"/scim/v2", srv.Client(), srv
	return &r
}

// seedFamily creates 25 users: name.familyName repeats (ties) and is
// missing for every sixth user; every fifth user is not an engineer.
func seedFamily(t *testing.T, env *testEnv) {
	t.Helper()
	for i := range 25 {
		name := ""
		if i%6 != 0 {
			name = fmt.Sprintf(`,"name":{"familyName":"Fam%02d"}`, (i*7)%13)
		}
		title := "Engineer"
		if i%5 == 0 {
			title = "Manager"
		}
		env.mustCreate(t, "/Users", fmt.Sprintf(`{"userName":"user%02d@acme.test","title":%q%s}`, i, title, name))
	}
}

// listPage is one ListResponse, read for paging.
type listPage struct {
	ids        []string
	total      int
	next, prev string
	raw        map[string]any
}

func readPage(t *testing.T, what string, code int, m map[string]any) listPage {
	t.Helper()
	if code != http.StatusOK {
		t.Fatalf("%s: %d %v", what, code, m)
	}
	p := listPage{raw: m, total: -1} // -1: totalResults absent
	if n, ok := m["totalResults"].(float64); ok {
		p.total = int(n)
	}
	p.next, _ = m["nextCursor"].(string)
	p.prev, _ = m["previousCursor"].(string)
	for _, r := range m["Resources"].([]any) {
		p.ids = append(p.ids, r.(map[string]any)["id"].(string))
	}
	if n := int(m["itemsPerPage"].(float64)); n != len(p.ids) {
		t.Errorf("%s: itemsPerPage %d for %d resources", what, n, len(p.ids))
	}
	return p
}

// getPage lists query (a query string without cursor) at cursor c.
func getPage(t *testing.T, env *testEnv, query, c string) listPage {
	t.Helper()
	path := "/Users?" + query + "&cursor=" + url.QueryEscape(c)
	code, m, _ := env.do(t, http.MethodGet, path, "")
	p := readPage(t, "GET "+path, code, m)
	if _, ok := m["startIndex"]; ok {
		t.Errorf("GET %s: a cursor page has startIndex %v", path, m["startIndex"])
	}
	return p
}

// indexIDs lists every id of query (count aside) by index, for
// comparison.
func indexIDs(t *testing.T, env *testEnv, query string) []string {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	v.Set("startIndex", "1")
	v.Set("count", "50")
	code, m, _ := env.do(t, http.MethodGet, "/Users?"+v.Encode(), "")
	return readPage(t, "GET by index", code, m).ids
}

// walkForward and walkBack page through query by cursor and return the
// pages; walkBack starts from the last page's previousCursor.
func walkForward(t *testing.T, env *testEnv, query string) [][]string {
	t.Helper()
	var pages [][]string
	p := getPage(t, env, query, "")
	if p.prev != "" {
		t.Errorf("the first page has a previousCursor")
	}
	for i := 0; ; i++ {
		pages = append(pages, p.ids)
		if p.next == "" || i > 10 {
			break
		}
		p = getPage(t, env, query, p.next)
		if p.prev == "" {
			t.Errorf("page %d has no previousCursor", i+2)
		}
	}
	return pages
}

func walkBack(t *testing.T, env *testEnv, query, prev string) [][]string {
	t.Helper()
	var pages [][]string
	for i := 0; prev != "" && i < 10; i++ {
		p := getPage(t, env, query, prev)
		if p.next == "" {
			t.Errorf("a page before the last has no nextCursor")
		}
		pages = append(pages, p.ids)
		prev = p.prev
	}
	slices.Reverse(pages)
	return pages
}

func TestCursorWalk(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env, _ := cursorEnv(t, url)
		seedFamily(t, env)
		for _, query := range []string{
			"count=10",
			"sortBy=name.familyName&sortOrder=descending&count=10&filter=" + queryEscape(`title eq "ENGINEER"`),
		} {
			want := indexIDs(t, env, query)
			pages := walkForward(t, env, query)
			if got := slices.Concat(pages...); !slices.Equal(got, want) {
				t.Fatalf("%s: forward walk\n got  %v\n want %v", query, got, want)
			}
			if len(pages) != (len(want)+9)/10 {
				t.Errorf("%s: %d pages for %d users", query, len(pages), len(want))
			}
			last := getPage(t, env, query, "")
			if last.total != len(want) {
				t.Errorf("%s: totalResults %d on the first page, want %d", query, last.total, len(want))
			}
			for last.next != "" {
				last = getPage(t, env, query, last.next)
			}
			if last.total != -1 {
				t.Errorf("%s: totalResults %d on a later page; only the first page is counted", query, last.total)
			}
			back := walkBack(t, env, query, last.prev)
			if !slices.Equal(slices.Concat(append(back, last.ids)...), want) || len(back) != len(pages)-1 {
				t.Errorf("%s: backward walk %v, want the pages %v", query, back, pages[:len(pages)-1])
			}
		}
		if n := len(indexIDs(t, env, "filter="+queryEscape(`title eq "engineer"`))); n != 20 {
			t.Errorf("the filter selects %d users, want 20", n)
		}
	})
}

// TestCursorSearch pages POST /Users/.search by cursor.
func TestCursorSearch(t *testing.T) {
	env, _ := cursorEnv(t, sqliteURL(t))
	seedFamily(t, env)
	want := indexIDs(t, env, "sortBy=userName")
	var got []string
	c := ""
	for i := 0; i < 5; i++ {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"sortBy":"userName","count":12,"cursor":%q}`, c)
		code, m, _ := env.do(t, http.MethodPost, "/Users/.search", body)
		p := readPage(t, "POST /Users/.search", code, m)
		got = append(got, p.ids...)
		if c = p.next; c == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("search by cursor: %v, want %v", got, want)
	}
}

func TestCursorErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, url string) {
		env, clk := cursorEnv(t, url)
		seedFamily(t, env)
		env.mustCreate(t, "/Groups", `{"displayName":"Team"}`)
		const query = "count=10&sortBy=userName&filter=" + `title%20eq%20%22engineer%22`
		first := getPage(t, env, query, "")
		next := first.next
		raw, err := base64.RawURLEncoding.DecodeString(next)
		if err != nil {
			t.Fatalf("a cursor is not unpadded base64url: %v", err)
		}
		raw[len(raw)/2] ^= 1 // a bit of the payload
		tampered := base64.RawURLEncoding.EncodeToString(raw)
		same := replica(t, env, scim.Config{MaxResults: 50, CursorSecret: []byte(cursorSecret), Now: clk.Now})
		other := replica(t, env, scim.Config{MaxResults: 50})
		ctx := context.Background()
		org2, err := env.dir.CreateOrg(ctx, "globex")
		if err != nil {
			t.Fatal(err)
		}
		token2, _, err := env.dir.CreateToken(ctx, org2.ID, "okta")
		if err != nil {
			t.Fatal(err)
		}
		filtered := "/Users?" + query + "&cursor="
		tests := []struct {
			name     string
			env      *testEnv
			token    string
			path     string
			code     int
			scimType string
		}{
			{"tampered", env, env.token, filtered + tampered, 400, "invalidCursor"},
			{"not base64", env, env.token, filtered + "not*a*cursor", 400, "invalidCursor"},
			{"truncated", env, env.token, filtered + next[:len(next)-4], 400, "invalidCursor"},
			{"another filter", env, env.token, "/Users?count=10&sortBy=userName&cursor=" + next, 400, "invalidCursor"},
			{"another sortBy", env, env.token, "/Users?count=10&sortBy=displayName&filter=" + `title%20eq%20%22engineer%22` + "&cursor=" + next, 400, "invalidCursor"},
			{"another sortOrder", env, env.token, filtered + next + "&sortOrder=descending", 400, "invalidCursor"},
			{"another resource type", env, env.token, "/Groups?count=10&cursor=" + getPage(t, env, "count=10", "").next, 400, "invalidCursor"},
			{"another server secret", other, other.token, filtered + next, 400, "invalidCursor"},
			{"a replica with the same secret", same, same.token, filtered + next, 200, ""},
			{"another organization", env, token2, filtered + next, 400, "invalidCursor"},
			{"another count", env, env.token, "/Users?count=11&sortBy=userName&filter=" + `title%20eq%20%22engineer%22` + "&cursor=" + next, 400, "invalidCount"},
			{"count over the maximum", env, env.token, "/Users?count=51&cursor=", 400, "invalidCount"},
			{"count not a number", env, env.token, "/Users?count=ten&cursor=", 400, "invalidCount"},
			{"startIndex with cursor", env, env.token, "/Users?startIndex=1&cursor=", 400, "invalidValue"},
			{"same filter written otherwise", env, env.token, "/Users?count=10&sortBy=USERNAME&filter=" + `TITLE%20EQ%20%22engineer%22` + "&cursor=" + next, 200, ""},
		}
		for _, tc := range tests {
			code, m, _ := tc.env.call(t, tc.token, http.MethodGet, tc.path, "")
			if code != tc.code || tc.scimType != "" && m["scimType"] != tc.scimType {
				t.Errorf("%s: %d %v, want %d %s", tc.name, code, m, tc.code, tc.scimType)
			}
		}
		// Without a cursor, count is clamped as RFC 7644 asks.
		code, m, _ := env.do(t, http.MethodGet, "/Users?count=51", "")
		if p := readPage(t, "count=51 by index", code, m); len(p.ids) != 25 || m["startIndex"] != 1.0 {
			t.Errorf("count over the maximum by index: %d resources, startIndex %v", len(p.ids), m["startIndex"])
		}
		// A negative count means 0: the total and no cursor.
		p := getPage(t, env, "count=-3", "")
		if len(p.ids) != 0 || p.total != 25 || p.next != "" || p.prev != "" {
			t.Errorf("count=-3: %d resources, total %d, next %q", len(p.ids), p.total, p.next)
		}

		// Expiry: a cursor is good for the timeout, not a second more.
		clk.advance(time.Minute)
		second := getPage(t, env, query, next)
		if len(second.ids) != 10 {
			t.Fatalf("a cursor at the end of its timeout: %d resources", len(second.ids))
		}
		clk.advance(time.Second)
		code, m, _ = env.do(t, http.MethodGet, filtered+next, "")
		if code != 400 || m["scimType"] != "expiredCursor" {
			t.Errorf("an expired cursor: %d %v, want 400 expiredCursor", code, m)
		}
		// The cursors of the second page were issued a minute later.
		if back := getPage(t, env, query, second.prev); !slices.Equal(back.ids, first.ids) {
			t.Errorf("previousCursor of the second page: %v, want %v", back.ids, first.ids)
		}
	})
}

func TestCursorServiceProviderConfig(t *testing.T) {
	env, _ := cursorEnv(t, sqliteURL(t))
	code, m, _ := env.do(t, http.MethodGet, "/ServiceProviderConfig", "")
	if code != 200 {
		t.Fatalf("GET /ServiceProviderConfig: %d %v", code, m)
	}
	want := map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "index",
		"defaultPageSize": 50.0, "maxPageSize": 50.0, "cursorTimeout": 60.0}
	got, _ := m["pagination"].(map[string]any)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pagination %v, want %v", got, want)
	}
}
