package ldapsync

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scimd/scimd/store"
)

// Plans for people: one line per change, as "scimd sync run --dry-run"
// and "scimd sync show" print them.

// PathString renders a document path as a SCIM attribute path:
// "name.givenName", "urn:…:enterprise:2.0:User:manager".
func PathString(path []string) string {
	if len(path) == 0 {
		return ""
	}
	if strings.HasPrefix(path[0], "urn:") && len(path) > 1 {
		return path[0] + ":" + strings.Join(path[1:], ".")
	}
	return strings.Join(path, ".")
}

// FormatChange renders a recorded change on one line: its number, state,
// kind, object and what changes.
func FormatChange(sc store.SyncChange) string {
	d, err := ParseDetail(sc)
	if err != nil {
		return fmt.Sprintf("#%d %s %s %s: %v", sc.Seq, sc.State, sc.Kind, sc.Name, err)
	}
	what := "user"
	if d.Resource == store.KindGroup {
		what = "team"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%-5d %-8s %-13s %s %q", sc.Seq, sc.State, sc.Kind, what, sc.Name)
	if sc.ResourceID != "" {
		fmt.Fprintf(&b, " (%s)", sc.ResourceID)
	}
	switch sc.Kind {
	case ChangeCreate, ChangeTeamCreate:
		if d.DN != "" {
			fmt.Fprintf(&b, " from %s", d.DN)
		}
		if d.Reason != "" {
			fmt.Fprintf(&b, ", inactive (%s)", d.Reason)
		}
	case ChangeDeactivate:
		fmt.Fprintf(&b, ": inactive, reason %s", d.Reason)
	case ChangeReactivate:
		fmt.Fprintf(&b, ": active again (was inactive: %s)", d.Reason)
	case ChangeMemberAdd, ChangeMemberRemove:
		sign := "+"
		if sc.Kind == ChangeMemberRemove {
			sign = "-"
		}
		label := d.MemberName
		if label == "" {
			label = d.Member
		}
		fmt.Fprintf(&b, ": %s %s %s (%s)", sign, strings.ToLower(string(d.MemberKind)), label, d.Member)
	case ChangeTeamRemoved:
		fmt.Fprintf(&b, ": archived, reason %s (%s); %d memberships end", d.Reason, reasonText(d.Reason), d.Members)
	case ChangeAdopt:
		fmt.Fprintf(&b, ": taken over from %q", d.Owner)
	case ChangeNotApplied:
		fmt.Fprintf(&b, ": change #%d", d.Seq)
	}
	for _, a := range d.Attrs {
		fmt.Fprintf(&b, "; %s: %s → %s", PathString(a.Path), shortJSON(a.Old), shortJSON(a.New))
	}
	if d.Error != "" {
		fmt.Fprintf(&b, " [%s]", d.Error)
	}
	return b.String()
}

// reasonText explains a team removal's reason.
func reasonText(reason string) string {
	switch reason {
	case ReasonGroupGone:
		return "the directory no longer returns its group: deleted, or outside the group base DN or filter"
	case ReasonOUGone:
		return "no user of the directory is in its OU any more"
	}
	return "its directory object is gone"
}

// shortJSON renders a value compactly ("-" when absent).
func shortJSON(v any) string {
	if v == nil {
		return "-"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const limit = 200
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}
