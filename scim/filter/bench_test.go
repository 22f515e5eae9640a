package filter

import "testing"

var benchFilters = []struct{ name, in string }{
	{"simple", `userName eq "bjensen"`},
	{"logic", `title pr and (userType eq "Employee" or userType eq "Intern") and not (active eq false)`},
	{"valuePath", `emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`},
	{"entra", `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value eq "bjensen@example.com"`},
	{"escapes", `displayName eq "Babs \"B\" Jensen \u00e9\ud83d\ude00" and meta.lastModified gt "2011-05-13T04:42:34Z"`},
}

func BenchmarkParse(b *testing.B) {
	for _, bf := range benchFilters {
		b.Run(bf.name, func(b *testing.B) {
			b.SetBytes(int64(len(bf.in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bf.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkString(b *testing.B) {
	e, err := Parse(benchFilters[2].in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.String()
	}
}

func BenchmarkParsePath(b *testing.B) {
	in := `emails[type eq "work"].value`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePath(in); err != nil {
			b.Fatal(err)
		}
	}
}
