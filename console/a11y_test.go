package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
)

// TestPagesAccessible checks what can be checked in the markup of every
// page: a language, a title, landmarks, a skip link, one h1, and a label
// for every field (by for=id or aria-label).
func TestPagesAccessible(t *testing.T) {
	e := newEnv(t)
	cookie, _ := e.session(store.RoleOwner)
	fields := regexp.MustCompile(`<(input|select|textarea)\b([^>]*)>`)
	id := regexp.MustCompile(`\bid="([^"]+)"`)
	all := append(pages(e), "/admin/signin")
	for _, p := range all {
		c := cookie
		if p == "/admin/signin" {
			c = ""
		}
		_, _, body := e.do(http.MethodGet, p, c, nil)
		for _, want := range []string{`<html lang="en">`, "<title>", "<main id=\"main\"", `class="skip" href="#main"`, "<header"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %s", p, want)
			}
		}
		if p != "/admin/signin" && !strings.Contains(body, `<nav aria-label="Main">`) {
			t.Errorf("%s lacks the main navigation", p)
		}
		if n := strings.Count(body, "<h1"); n != 1 {
			t.Errorf("%s has %d h1 headings", p, n)
		}
		for _, m := range fields.FindAllStringSubmatch(body, -1) {
			attrs := m[2]
			if strings.Contains(attrs, `type="hidden"`) || strings.Contains(attrs, "aria-label=") {
				continue
			}
			x := id.FindStringSubmatch(attrs)
			if x == nil || !strings.Contains(body, `<label for="`+x[1]+`"`) {
				t.Errorf("%s: a field without a label: %s", p, m[0])
			}
		}
	}
}
