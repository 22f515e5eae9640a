package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/scimd/scimd/internal/teststore"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
)

// TestCLIAuditList: the trail in order, filtered by user, type or meaning
// and time, paged with --after and --limit, as a table or JSON.
func TestCLIAuditList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		cli(t, "org", "create", "acme", "--database-url", db)
		cli(t, "users", "import", writeFile(t, dir, "a.csv", "userName,title,teams\nalice,Dev,Eng\nbob,Ops,\n"), "--org", "acme", "--database-url", db)
		cli(t, "users", "import", writeFile(t, dir, "b.csv", "userName,title,active\nalice,Lead,\nbob,,false\n"), "--org", "acme", "--database-url", db)
		st := teststore.Open(t, db)
		org, _ := st.OrgByName(context.Background(), "acme")
		alice := findUser(t, st, org.ID, "alice")
		list := func(args ...string) (int, string, string) {
			return cli(t, append([]string{"audit", "list", "--org", "acme", "--database-url", db}, args...)...)
		}
		// alice created, Eng created, Eng members, alice joined Eng, bob
		// created, alice updated (a mover: title), bob deactivated.
		code, out, errs := list()
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != 8 || !strings.HasPrefix(lines[0], "SEQ") || !strings.Contains(out, "import:") {
			t.Fatalf("list: %d %q %q", code, out, errs)
		}
		for i, want := range []string{"user.created  joiner", "group.created", "group.members_changed", "user.teams_changed     mover",
			"user.created  joiner", `user.updated           mover    `, "user.deactivated       leaver"} {
			if !strings.Contains(lines[i+1], strings.Fields(want)[0]) || !strings.HasPrefix(lines[i+1], fmt.Sprint(i+1)+" ") {
				t.Errorf("line %d: %q, want %q", i+1, lines[i+1], want)
			}
		}
		if !strings.Contains(lines[6], `"alice"; changed title`) || !strings.Contains(lines[4], "joined team") {
			t.Errorf("details:\n%s", out)
		}

		_, out, _ = list("--user", "alice")
		if n := strings.Count(out, alice.ID); n != 3 || strings.Count(strings.TrimSpace(out), "\n") != 3 {
			t.Errorf("--user alice: %d of her events in\n%s", n, out)
		}
		if _, byID, _ := list("--user", alice.ID); byID != out {
			t.Errorf("--user by id differs:\n%s", byID)
		}
		_, out, _ = list("--type", "leaver,user.created")
		if strings.Count(strings.TrimSpace(out), "\n") != 3 || !strings.Contains(out, "user.deactivated") {
			t.Errorf("--type:\n%s", out)
		}
		if code, _, errs := list("--type", "user.exploded"); code != 2 || !strings.Contains(errs, `--type "user.exploded"`) {
			t.Errorf("bad type: %d %q", code, errs)
		}
		if _, out, _ := list("--since", "2999-01-01"); !strings.HasPrefix(out, "SEQ") || strings.Count(out, "\n") != 1 {
			t.Errorf("--since in the future:\n%s", out)
		}
		if _, out, _ := list("--since", "1d"); strings.Count(strings.TrimSpace(out), "\n") != 7 {
			t.Errorf("--since 1d:\n%s", out)
		}
		code, out, errs = list("--after", "2", "--limit", "2")
		if rows := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(rows) != 3 || !strings.HasPrefix(rows[1], "3 ") ||
			!strings.HasPrefix(rows[2], "4 ") || !strings.Contains(errs, "--after 4") {
			t.Errorf("--after 2 --limit 2: %d %q %q", code, out, errs)
		}
		_, out, _ = list("--format", "json", "--user", "alice", "--type", "mover")
		var evs []eventJSON
		if err := json.Unmarshal([]byte(out), &evs); err != nil || len(evs) != 2 {
			t.Fatalf("json: %v %s", err, out)
		}
		var data directory.EventData
		if err := json.Unmarshal(evs[1].Data, &data); err != nil || evs[1].Type != directory.EventUserUpdated ||
			len(data.Changes) != 1 || data.Changes[0].Attr != "title" || data.Changes[0].Old != "Dev" || data.Changes[0].New != "Lead" {
			t.Errorf("json event: %+v %+v %v", evs[1], data, err)
		}
	})
}
