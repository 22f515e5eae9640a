package ldapsync

import (
	"math/rand/v2"
	"testing"
)

// TestCanonicalSimpleDN: wherever the shortcut answers, it answers what
// parsing the DN does; it answers for the DNs directories usually write.
func TestCanonicalSimpleDN(t *testing.T) {
	for _, dn := range []string{
		"uid=ann,ou=people,dc=example,dc=org",
		"UID=Ann,OU=People,DC=Example,DC=org",
		"CN=Ann Smith,OU=Staff,DC=corp,DC=example",
		"cn=o'brien (contractor),ou=x-y.z,dc=a_b,2.5.4.3=v@w:1/2",
	} {
		got, ok := canonicalSimpleDN(dn)
		if !ok || got != slowCanonicalDN(dn) {
			t.Errorf("canonicalSimpleDN(%q) = %q, %v; want %q, true", dn, got, ok, slowCanonicalDN(dn))
		}
	}
	for _, dn := range []string{
		"", "uid=ann, ou=people", "uid=ann ,ou=people", "uid= ann", "uid=ann ", " uid=ann", "uid =ann",
		"uid=a+cn=b", `cn=a\,b`, `cn="a"`, "cn=a;ou=b", "cn=#04", "cn=a=b", "cn=", "=a", "cn=a,", ",cn=a",
		"cn=é", "cn=a<b", "cn",
	} {
		if got, ok := canonicalSimpleDN(dn); ok {
			t.Errorf("canonicalSimpleDN(%q) = %q; want it left to the parser", dn, got)
		}
	}
	// Random DNs over an alphabet with every kind of character: the
	// shortcut never disagrees with the parser.
	const alphabet = "aZ09 =,+;#\\\"<>-._@:/()&'!*%$~é\x00"
	rnd := rand.New(rand.NewPCG(1, 2))
	answered := 0
	for range 200000 {
		b := []byte("cn=")
		for range 1 + rnd.IntN(12) {
			if rnd.IntN(3) == 0 {
				b = append(b, alphabet[rnd.IntN(len(alphabet))])
			} else {
				b = append(b, "aZ09=,"[rnd.IntN(6)])
			}
		}
		dn := string(b)
		if got, ok := canonicalSimpleDN(dn); ok {
			answered++
			if want := slowCanonicalDN(dn); got != want {
				t.Fatalf("canonicalSimpleDN(%q) = %q; the parser says %q", dn, got, want)
			}
		}
	}
	if answered < 1000 {
		t.Errorf("the shortcut answered only %d random DNs", answered)
	}
}
