// Package scimerr is the SCIM error type of RFC 7644 §3.12, shared by every
// package of the protocol layer. Its Detail is client-facing text: never put
// internal error text in it.
package scimerr

import (
	"errors"
	"fmt"
	"net/http"
)

// The scimType keywords of RFC 7644 §3.12 (Table 9) and RFC 9865.
const (
	InvalidFilter = "invalidFilter"
	TooMany       = "tooMany"
	Uniqueness    = "uniqueness"
	Mutability    = "mutability"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	InvalidVers   = "invalidVers"
	Sensitive     = "sensitive"
	InvalidCursor = "invalidCursor"
	ExpiredCursor = "expiredCursor"
	InvalidCount  = "invalidCount"
)

// Error is a SCIM error response.
type Error struct {
	Status int    // HTTP status
	Type   string // scimType; "" when none applies
	Detail string // client-safe explanation
}

func (e *Error) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Detail)
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Detail)
}

// New returns an Error with a formatted detail.
func New(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, Type: scimType, Detail: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 Error with the given scimType.
func BadRequest(scimType, format string, args ...any) *Error {
	return New(http.StatusBadRequest, scimType, format, args...)
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
