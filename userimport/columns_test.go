package userimport

import (
	"slices"
	"testing"
)

func TestSplitAndJoin(t *testing.T) {
	for _, c := range []struct {
		cell string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{" a ; b;;c ", []string{"a", "b", "c"}},
		{`a\;b;c\\`, []string{"a;b", `c\`}},
		{`x\/y`, []string{"x/y"}},
	} {
		got := SplitList(c.cell)
		if !slices.Equal(got, c.want) {
			t.Errorf("SplitList(%q) = %q, want %q", c.cell, got, c.want)
		}
		if c.want != nil && !slices.Equal(SplitList(JoinList(c.want)), c.want) {
			t.Errorf("JoinList(%q) = %q does not split back", c.want, JoinList(c.want))
		}
	}
	names := [][]string{{"Engineering", "Platform"}, {"R/D; Labs", `back\slash`}, {"Sales"}}
	var paths []string
	for _, n := range names {
		paths = append(paths, JoinPath(n))
	}
	cell := paths[0] + ";" + paths[1] + ";" + paths[2]
	got := splitTeams(cell)
	if len(got) != 3 || !slices.Equal(got[0], names[0]) || !slices.Equal(got[1], names[1]) || !slices.Equal(got[2], names[2]) {
		t.Errorf("teams cell %q reads back as %q", cell, got)
	}
}
