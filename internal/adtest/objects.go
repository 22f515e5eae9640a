package adtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// userAccountControl bits (MS-ADTS 2.2.16) the fake interprets or tests use.
const (
	UACAccountDisable     = 0x0002  // ACCOUNTDISABLE: the "disabled" bit
	UACNormalAccount      = 0x0200  // NORMAL_ACCOUNT: every ordinary user has it
	UACDontExpirePassword = 0x10000 // DONT_EXPIRE_PASSWORD
)

// NeverExpires is AD's accountExpires value for an account that never
// expires when it was created that way (0x7FFFFFFFFFFFFFFF). An account whose
// expiry was set and later cleared shows 0 instead; both mean "never".
const NeverExpires int64 = 1<<63 - 1

// FileTime converts t to AD's LargeInteger time: 100-nanosecond intervals
// since 1601-01-01 UTC, the unit of accountExpires and pwdLastSet.
func FileTime(t time.Time) int64 {
	const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
	return t.UTC().UnixNano()/100 + epochDiff
}

// User describes a user object. Empty string fields are left unset, as AD
// leaves them absent rather than empty.
type User struct {
	// DN defaults to "CN=<DisplayName, or GivenName Surname, or
	// SAMAccountName>,CN=Users,<base>". Missing parent OUs are created.
	DN                string
	SAMAccountName    string // defaults to the RDN value
	UserPrincipalName string // defaults to <sAMAccountName>@<domain of the base DN>
	GivenName         string
	Surname           string // sn
	DisplayName       string
	Mail              string
	Title             string
	Department        string
	EmployeeID        string
	Manager           string // DN of an existing entry
	// Disabled sets the ACCOUNTDISABLE bit (userAccountControl 514 instead of 512).
	Disabled bool
	// UserAccountControl, when non-zero, is stored as given (Disabled still adds bit 2).
	UserAccountControl int
	// AccountExpires is the raw accountExpires value; 0 stores NeverExpires.
	// Use FileTime to build one, or SetAttribute to store a literal 0.
	AccountExpires int64
	// GUID is the objectGUID; zero means generate a random one.
	GUID GUID
	// Password lets the user simple-bind; empty means binds as this user fail.
	Password string
	// Extra sets further attributes verbatim (after, and overriding, the above).
	Extra map[string][]string
}

// Group describes a group object (a global security group).
type Group struct {
	// DN defaults to "CN=<Name>,CN=Users,<base>".
	DN             string
	Name           string // cn; defaults to the RDN value
	SAMAccountName string // defaults to Name
	Description    string
	Mail           string
	Members        []string // DNs of existing entries (users or groups)
	GUID           GUID     // zero means generate
	Extra          map[string][]string
}

func (t *tree) addUser(u User) (GUID, error) {
	dn := strings.TrimSpace(u.DN)
	if dn == "" {
		cn := u.DisplayName
		if cn == "" {
			cn = strings.TrimSpace(u.GivenName + " " + u.Surname)
		}
		if cn == "" {
			cn = u.SAMAccountName
		}
		if cn == "" {
			return GUID{}, fmt.Errorf("adtest: a User needs a DN or a name")
		}
		dn = "CN=" + ldap.EscapeDN(cn) + ",CN=Users," + t.baseDN
	}
	sam := u.SAMAccountName
	if sam == "" {
		sam = rdnValue(dn)
	}
	upn := u.UserPrincipalName
	if upn == "" {
		upn = sam + "@" + domainOf(t.baseDN)
	}
	if u.Manager != "" {
		if err := t.checkRefs("manager", []string{u.Manager}); err != nil {
			return GUID{}, err
		}
	}
	uac := u.UserAccountControl
	if uac == 0 {
		uac = UACNormalAccount
	}
	if u.Disabled {
		uac |= UACAccountDisable
	}
	expires := u.AccountExpires
	if expires == 0 {
		expires = NeverExpires
	}
	e, err := t.insert(dn, func(e *entry) {
		e.set("objectClass", "top", "person", "organizationalPerson", "user")
		e.set("objectCategory", "CN=Person,"+t.schemaDN)
		e.set("cn", rdnValue(dn))
		e.set("name", rdnValue(dn))
		e.set("sAMAccountName", sam)
		e.set("sAMAccountType", "805306368")
		e.set("userPrincipalName", upn)
		setIf(e, "givenName", u.GivenName)
		setIf(e, "sn", u.Surname)
		setIf(e, "displayName", u.DisplayName)
		setIf(e, "mail", u.Mail)
		setIf(e, "title", u.Title)
		setIf(e, "department", u.Department)
		setIf(e, "employeeID", u.EmployeeID)
		setIf(e, "manager", u.Manager)
		e.set("userAccountControl", strconv.Itoa(uac))
		e.set("accountExpires", strconv.FormatInt(expires, 10))
		if !u.GUID.IsZero() {
			e.set("objectGUID", string(u.GUID[:]))
		}
		for name, vals := range u.Extra {
			e.set(name, vals...)
		}
		e.password = u.Password
	})
	if err != nil {
		return GUID{}, err
	}
	return GUIDFromBytes([]byte(e.first("objectguid")))
}

func (t *tree) addGroup(g Group) (GUID, error) {
	dn := strings.TrimSpace(g.DN)
	if dn == "" {
		if g.Name == "" {
			return GUID{}, fmt.Errorf("adtest: a Group needs a DN or a Name")
		}
		dn = "CN=" + ldap.EscapeDN(g.Name) + ",CN=Users," + t.baseDN
	}
	name := g.Name
	if name == "" {
		name = rdnValue(dn)
	}
	sam := g.SAMAccountName
	if sam == "" {
		sam = name
	}
	if err := t.checkMembers(g.Members); err != nil {
		return GUID{}, err
	}
	e, err := t.insert(dn, func(e *entry) {
		e.set("objectClass", "top", "group")
		e.set("objectCategory", "CN=Group,"+t.schemaDN)
		e.set("cn", rdnValue(dn))
		e.set("name", rdnValue(dn))
		e.set("sAMAccountName", sam)
		e.set("groupType", "-2147483646") // global security group
		e.set("sAMAccountType", "268435456")
		setIf(e, "description", g.Description)
		setIf(e, "mail", g.Mail)
		e.set("member", g.Members...)
		if !g.GUID.IsZero() {
			e.set("objectGUID", string(g.GUID[:]))
		}
		for name, vals := range g.Extra {
			e.set(name, vals...)
		}
	})
	if err != nil {
		return GUID{}, err
	}
	t.reindex()
	return GUIDFromBytes([]byte(e.first("objectguid")))
}

func setIf(e *entry, name, value string) {
	if value != "" {
		e.set(name, value)
	}
}

// checkMembers verifies member DNs exist and are not repeated (AD answers
// attributeOrValueExists for a duplicate value).
func (t *tree) checkMembers(dns []string) error {
	if err := t.checkRefs("member", dns); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, dn := range dns {
		k := normDN(dn)
		if seen[k] {
			return fmt.Errorf("adtest: member %q listed twice", dn)
		}
		seen[k] = true
	}
	return nil
}

func (t *tree) setMembers(groupDN string, members []string) error {
	g, err := t.lookup(groupDN)
	if err != nil {
		return err
	}
	if !g.hasClass("group") {
		return fmt.Errorf("adtest: %q is not a group", groupDN)
	}
	if err := t.checkMembers(members); err != nil {
		return err
	}
	g.set("member", members...)
	t.touch(g)
	t.reindex()
	return nil
}

func (t *tree) setDisabled(dn string, disabled bool) error {
	e, err := t.lookup(dn)
	if err != nil {
		return err
	}
	if !e.hasClass("user") {
		return fmt.Errorf("adtest: %q is not a user", dn)
	}
	uac, err := strconv.Atoi(e.first("useraccountcontrol"))
	if err != nil {
		return fmt.Errorf("adtest: %q has userAccountControl %q: %w", dn, e.first("useraccountcontrol"), err)
	}
	if disabled {
		uac |= UACAccountDisable
	} else {
		uac &^= UACAccountDisable
	}
	e.set("userAccountControl", strconv.Itoa(uac))
	t.touch(e)
	return nil
}

func (t *tree) setAttribute(dn, name string, vals []string) error {
	e, err := t.lookup(dn)
	if err != nil {
		return err
	}
	lower := strings.ToLower(name)
	switch lower {
	case "distinguishedname", "memberof", "objectguid", "usnchanged", "usncreated", "whenchanged", "whencreated":
		return fmt.Errorf("adtest: %s is maintained by the directory; use the Server methods", name)
	case "member":
		return t.setMembers(dn, vals)
	case "manager":
		if err := t.checkRefs(name, vals); err != nil {
			return err
		}
	}
	e.set(name, vals...)
	t.touch(e)
	return nil
}
