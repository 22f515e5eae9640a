package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
)

// Operation is one PATCH operation (RFC 7644 §3.5.2). Op is kept as
// written ("Replace"); Apply compares it case-insensitively. Path is "" when
// absent. Value is the JSON value as decoded with json.Decoder.UseNumber
// (numbers are json.Number), nil when absent or null.
type Operation struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// Request is a PatchOp request body.
type Request struct {
	Schemas    []string    `json:"schemas"`
	Operations []Operation `json:"Operations"`
}

// Decode reads a PatchOp request body (RFC 7644 §3.5.2).
//
// It is lenient where identity providers are: member names are matched
// case-insensitively ("Operations", "operations", "Op", "Value"), a missing
// or empty "schemas" is accepted, and an empty Operations array is a valid
// no-op request (Microsoft's validator sends one, Q26). It rejects, with a
// 400 invalidSyntax *scimerr.Error, a body that is not one JSON object, a
// "schemas" that does not list the PatchOp URN, a missing Operations
// member, and an operation that is not an object with a string "op" and,
// when present, a string "path". Errors reading r are returned wrapped,
// not as *scimerr.Error, so that the caller can map them (body too large).
func Decode(r io.Reader) (Request, error) {
	var raw map[string]any
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Request{}, decodeError(err)
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		if err == nil {
			return Request{}, syntaxf("the request body must hold a single JSON object")
		}
		return Request{}, decodeError(err)
	}
	if raw == nil {
		return Request{}, syntaxf("the request body must be a JSON object")
	}
	var req Request
	if v, ok := schema.Field(raw, "schemas"); ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return Request{}, syntaxf(`"schemas" must be an array of strings`)
		}
		for _, s := range list {
			str, ok := s.(string)
			if !ok {
				return Request{}, syntaxf(`"schemas" must be an array of strings`)
			}
			req.Schemas = append(req.Schemas, str)
		}
		if len(req.Schemas) > 0 && !containsFold(req.Schemas, schema.PatchOpURN) {
			return Request{}, syntaxf(`"schemas" must contain %q`, schema.PatchOpURN)
		}
	}
	v, ok := schema.Field(raw, "Operations")
	if !ok || v == nil {
		return Request{}, syntaxf(`the request body has no "Operations" array`)
	}
	list, ok := v.([]any)
	if !ok {
		return Request{}, syntaxf(`"Operations" must be an array`)
	}
	req.Operations = make([]Operation, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return Request{}, syntaxf("Operations[%d] must be an object", i)
		}
		var op Operation
		s, ok := schema.Field(m, "op")
		if op.Op, _ = s.(string); !ok || op.Op == "" {
			return Request{}, syntaxf(`Operations[%d] has no "op" string`, i)
		}
		if p, ok := schema.Field(m, "path"); ok && p != nil {
			if op.Path, ok = p.(string); !ok {
				return Request{}, syntaxf(`Operations[%d]: "path" must be a string`, i)
			}
		}
		op.Value, _ = schema.Field(m, "value")
		req.Operations = append(req.Operations, op)
	}
	return req, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}

// decodeError turns JSON syntax and type errors into 400 invalidSyntax and
// wraps anything else (the reader's own error).
func decodeError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return syntaxf("the request body is not valid JSON: %s", se.Error())
	case errors.As(err, &te):
		return syntaxf("the request body must be a JSON object")
	case errors.Is(err, io.EOF):
		return syntaxf("the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return syntaxf("the request body is truncated JSON")
	}
	return fmt.Errorf("reading PATCH request body: %w", err)
}

func syntaxf(format string, args ...any) *scimerr.Error {
	return scimerr.BadRequest(scimerr.InvalidSyntax, format, args...)
}

// marshalValue is used in messages; it never fails for decoded JSON.
func marshalValue(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return "?"
	}
	s := strings.TrimSpace(b.String())
	if r := []rune(s); len(r) > 80 {
		s = string(r[:77]) + "..."
	}
	return s
}
