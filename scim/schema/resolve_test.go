package schema

import (
	"reflect"
	"testing"

	"github.com/scimd/scimd/scim/filter"
)

const ent = EnterpriseUserURN

func TestResolve(t *testing.T) {
	users, groups := NewUserType(), NewGroupType()
	tests := []struct {
		name string
		rt   *ResourceType
		path filter.AttrPath
		keys []string // nil: want an error
		ext  bool
	}{
		{"plain", users, filter.AttrPath{Name: "userName"}, []string{"userName"}, false},
		{"case-insensitive", users, filter.AttrPath{Name: "USERNAME"}, []string{"userName"}, false},
		{"sub-attribute", users, filter.AttrPath{Name: "Name", Sub: "GIVENNAME"}, []string{"name", "givenName"}, false},
		{"core-qualified", users, filter.AttrPath{URN: "urn:ietf:params:scim:schemas:core:2.0:user", Name: "username"}, []string{"userName"}, false},
		{"core-qualified sub", users, filter.AttrPath{URN: UserURN, Name: "name", Sub: "familyName"}, []string{"name", "familyName"}, false},
		{"extension-qualified", users, filter.AttrPath{URN: ent, Name: "Department"}, []string{ent, "department"}, true},
		{"extension-qualified sub", users, filter.AttrPath{URN: ent, Name: "manager", Sub: "Value"}, []string{ent, "manager", "value"}, true},
		{"extension unqualified", users, filter.AttrPath{Name: "manager"}, []string{ent, "manager"}, true},
		{"extension URN lower case", users, filter.AttrPath{URN: "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER", Name: "costCenter"}, []string{ent, "costCenter"}, true},
		{"whole extension as parsed", users, filter.AttrPath{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0", Name: "User"}, []string{ent}, true},
		{"whole extension in Name", users, filter.AttrPath{Name: ent}, []string{ent}, true},
		{"$ref", groups, filter.AttrPath{Name: "members", Sub: "$REF"}, []string{"members", "$ref"}, false},
		{"common id", groups, filter.AttrPath{Name: "ID"}, []string{"id"}, false},
		{"meta sub", groups, filter.AttrPath{Name: "meta", Sub: "LastModified"}, []string{"meta", "lastModified"}, false},
		{"group displayName", groups, filter.AttrPath{Name: "displayname"}, []string{"displayName"}, false},
		{"unknown", users, filter.AttrPath{Name: "adreses"}, nil, false},
		{"unknown sub", users, filter.AttrPath{Name: "name", Sub: "nick"}, nil, false},
		{"sub of simple", users, filter.AttrPath{Name: "userName", Sub: "x"}, nil, false},
		{"unknown URN", users, filter.AttrPath{URN: "urn:example:ext", Name: "department"}, nil, false},
		{"wrong schema for attr", users, filter.AttrPath{URN: UserURN, Name: "department"}, nil, false},
		{"core URN alone", users, filter.AttrPath{URN: "urn:ietf:params:scim:schemas:core:2.0", Name: "User"}, nil, false},
		{"user attr on group", groups, filter.AttrPath{Name: "userName"}, nil, false},
		{"extension not on groups", groups, filter.AttrPath{URN: ent, Name: "department"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.rt.Resolve(tt.path)
			if tt.keys == nil {
				if typ, status := errType(t, err); typ != "invalidPath" || status != 400 {
					t.Fatalf("Resolve(%v) = %v, %v; want 400 invalidPath", tt.path, r.Keys(), err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%v): %v", tt.path, err)
			}
			if got := r.Keys(); !reflect.DeepEqual(got, tt.keys) {
				t.Errorf("Keys() = %q, want %q", got, tt.keys)
			}
			if r.Extension() != tt.ext {
				t.Errorf("Extension() = %v, want %v", r.Extension(), tt.ext)
			}
		})
	}
}

func TestResolvedString(t *testing.T) {
	rt := NewUserType()
	for in, want := range map[string]string{
		"NAME.givenname":         "name.givenName",
		"manager.VALUE":          ent + ":manager.value",
		ent:                      ent,
		UserURN + ":emails.type": "emails.type",
	} {
		r, err := rt.ResolveName(in)
		if err != nil {
			t.Fatalf("ResolveName(%q): %v", in, err)
		}
		if got := r.String(); got != want {
			t.Errorf("ResolveName(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func TestSplitAttrPath(t *testing.T) {
	tests := map[string]filter.AttrPath{
		"userName":             {Name: "userName"},
		"name.givenName":       {Name: "name", Sub: "givenName"},
		ent + ":manager.value": {URN: ent, Name: "manager", Sub: "value"},
		ent:                    {URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0", Name: "User"},
	}
	for in, want := range tests {
		if got := SplitAttrPath(in); got != want {
			t.Errorf("SplitAttrPath(%q) = %#v, want %#v", in, got, want)
		}
	}
}
