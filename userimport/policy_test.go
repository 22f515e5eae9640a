package userimport_test

import (
	"context"
	"strings"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/userimport"
)

// TestImportPolicies: each policy of the organization applies to an
// import (which writes through directory), and a dry run predicts the
// real run row for row, reasons included, while writing nothing.
func TestImportPolicies(t *testing.T) {
	cases := []struct {
		name   string
		policy store.Policy
		setup  func(t *testing.T, e env)
		file   string
		want   string   // statuses
		why    []string // a part of each rejected row's reason, in order
		check  func(t *testing.T, e env)
	}{{
		name: "catalogue",
		policy: store.Policy{Roles: []store.CatalogEntry{{Value: "Admin", Description: "Full access"}, {Value: "Member"}},
			Entitlements: []store.CatalogEntry{{Value: "Fleet"}}},
		file: "userName,roles,entitlements\nalice,admin;member,fleet\nbob,Root,\ncarl,,Billing\n",
		want: "alice:created bob:rejected carl:rejected",
		why: []string{`roles value "Root" is not in this organization's catalogue; allowed: "Admin", "Member"`,
			`entitlements value "Billing" is not in this organization's catalogue; allowed: "Fleet"`},
		check: func(t *testing.T, e env) {
			if got := userimport.EncodeUser(e.user(t, "alice"), nil, "")[12]; got != "Admin;Member" {
				t.Errorf("alice's roles %q: want the catalogue's spelling", got)
			}
		},
	}, {
		name:   "seat limit",
		policy: store.Policy{SeatLimit: 2},
		file:   "userName,active\na,\nb,\nc,\nd,false\na,false\ne,\n",
		want:   "a:created b:created c:rejected d:created a:updated e:created",
		why:    []string{"seat limit reached: 2 of 2 seats are in use"},
		check: func(t *testing.T, e env) {
			if n, err := e.d.SeatsUsed(context.Background(), e.org.ID); err != nil || n != 2 {
				t.Errorf("seats used %d %v", n, err)
			}
		},
	}, {
		name:   "external users do not count",
		policy: store.Policy{SeatLimit: 1, ExternalUserTypes: []string{"External", "Contractor"}},
		file:   "userName,userType\nin1,Employee\nx1,External\nx2,contractor\nin2,\nx1,Employee\n",
		want:   "in1:created x1:created x2:created in2:rejected x1:rejected",
		why:    []string{"seat limit reached: 1 of 1", "seat limit reached: 1 of 1"},
		check: func(t *testing.T, e env) {
			if e.user(t, "x1").Attrs["userType"] != "External" {
				t.Error("x1 became internal past the limit")
			}
		},
	}, {
		name:   "immutable",
		policy: store.Policy{Immutable: []string{"employeeNumber", "userType"}},
		setup: func(t *testing.T, e env) {
			e.run(t, "userName,employeeNumber,userType\nann,42,Employee\n", false)
		},
		file: "userName,employeeNumber,userType,title\nann,43,,\nann,,Contractor,\nann,42,Employee,Boss\nbea,7,,\n",
		want: "ann:rejected ann:rejected ann:updated bea:created",
		why:  []string{`attribute "employeeNumber" cannot change once set`, `attribute "userType" cannot change once set`},
		check: func(t *testing.T, e env) {
			if row := userimport.EncodeUser(e.user(t, "ann"), nil, ""); row[9] != "42" || row[7] != "Boss" {
				t.Errorf("ann: %q", row)
			}
		},
	}, {
		name: "another source's users",
		setup: func(t *testing.T, e env) {
			for _, a := range []directory.Actor{
				{Source: directory.SourceSCIM, Name: "okta"}, {Source: directory.DirectorySource("corp"), Name: "run1"},
				{Source: directory.SourceAdmin, Name: "root"}} {
				a.OrgID = e.org.ID
				name := map[string]string{"scim": "sam", "ldap:corp": "lee", "admin": "adam"}[a.Source]
				if _, err := e.d.Create(context.Background(), a, store.Resource{Kind: store.KindUser,
					Attrs: map[string]any{"userName": name}}, nil); err != nil {
					t.Fatal(err)
				}
			}
		},
		file: "userName,title\nsam,X\nlee,Y\nadam,Z\nnew,W\n",
		want: "sam:rejected lee:rejected adam:updated new:created",
		why: []string{`user "sam" is managed by the identity provider (source scim); an import does not take over`,
			`user "lee" is managed by the directory sync (source ldap:corp)`},
		check: func(t *testing.T, e env) {
			for _, n := range []string{"sam", "lee"} {
				if u := e.user(t, n); u.Version != 1 || u.Attrs["title"] != nil {
					t.Errorf("%s was changed: %+v", n, u)
				}
			}
			if u := e.user(t, "adam"); u.Source != directory.SourceAdmin || u.Attrs["title"] != "Z" {
				t.Errorf("adam: %+v", u)
			}
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db string) {
				e := newEnv(t, db)
				if err := e.d.SetPolicy(context.Background(), e.org.ID, c.policy); err != nil {
					t.Fatal(err)
				}
				if c.setup != nil {
					c.setup(t, e)
				}
				seq := e.lastSeq(t)
				dry, _ := e.run(t, c.file, true)
				if e.lastSeq(t) != seq {
					t.Fatalf("the dry run wrote events")
				}
				got, sum := e.run(t, c.file, false)
				if s := statuses(got); s != c.want {
					t.Errorf("import: %s\nwant:   %s", s, c.want)
				}
				if s := statuses(dry); s != c.want {
					t.Errorf("dry run: %s\nwant:    %s", s, c.want)
				}
				var reasons, dryReasons []string
				for i, r := range got {
					if r.Status == userimport.Rejected {
						reasons = append(reasons, r.Reason)
						if i < len(dry) {
							dryReasons = append(dryReasons, dry[i].Reason)
						}
					}
				}
				if len(reasons) != len(c.why) || sum.Rejected != len(c.why) {
					t.Fatalf("rejected: %q, want %q", reasons, c.why)
				}
				for i, w := range c.why {
					if !strings.Contains(reasons[i], w) || dryReasons[i] != reasons[i] {
						t.Errorf("reason %q (dry run %q), want %q", reasons[i], dryReasons[i], w)
					}
				}
				if c.check != nil {
					c.check(t, e)
				}
			})
		})
	}
}
