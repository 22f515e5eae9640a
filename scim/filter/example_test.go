package filter_test

import (
	"errors"
	"fmt"

	"github.com/scimd/scimd/scim/filter"
)

func ExampleParse() {
	e, err := filter.Parse(`userType EQ "Employee" and (emails[type eq "work"].value co "@example.com" OR title pr)`)
	if err != nil {
		panic(err)
	}
	fmt.Println(e)
	and := e.(*filter.And)
	fmt.Printf("%T %T\n", and.L, and.R)
	// Output:
	// userType eq "Employee" and (emails[type eq "work" and value co "@example.com"] or title pr)
	// *filter.Compare *filter.Or
}

func ExampleParse_error() {
	_, err := filter.Parse(`userName eq "bjensen" and title`)
	var se *filter.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Offset)
		fmt.Println(se)
	}
	// Output:
	// 31
	// expected a comparison operator after "title" at offset 31
}

func ExampleParsePath() {
	p, err := filter.ParsePath(`emails[type eq "work"].value`)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s | %s | %s\n", p.Attr, p.Filter, p.SubAttr)

	p, _ = filter.ParsePath(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`)
	fmt.Printf("%s | %s | %s\n", p.Attr.URN, p.Attr.Name, p.Attr.Sub)
	// Output:
	// emails | type eq "work" | value
	// urn:ietf:params:scim:schemas:extension:enterprise:2.0:User | manager | value
}

func ExampleParseAttrPath() {
	a, err := filter.ParseAttrPath("name.givenName")
	fmt.Printf("%q %q %v\n", a.Name, a.Sub, err)
	// Output:
	// "name" "givenName" <nil>
}
