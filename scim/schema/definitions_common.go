package schema

// This file holds the small builder the definitions are written with and
// the common attributes of RFC 7643 §3.1 (id, externalId, meta).

// opt adjusts an attribute under construction.
type opt func(*Attribute)

// attr returns an attribute with RFC 7643 §2.2 defaults: single-valued,
// optional, caseExact false, readWrite, returned default, uniqueness none.
func attr(name string, t Type, desc string, opts ...opt) *Attribute {
	a := &Attribute{
		Name:        name,
		Type:        t,
		Description: desc,
		Mutability:  ReadWrite,
		Returned:    Default,
		Uniqueness:  None,
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

func multi(a *Attribute)        { a.MultiValued = true }
func required(a *Attribute)     { a.Required = true }
func caseExact(a *Attribute)    { a.CaseExact = true }
func readOnly(a *Attribute)     { a.Mutability = ReadOnly }
func immutable(a *Attribute)    { a.Mutability = Immutable }
func writeOnly(a *Attribute)    { a.Mutability = WriteOnly }
func never(a *Attribute)        { a.Returned = Never }
func always(a *Attribute)       { a.Returned = Always }
func uniqueServer(a *Attribute) { a.Uniqueness = Server }
func hidden(a *Attribute)       { a.hidden = true }
func memberRefs(a *Attribute)   { a.memberRefs = true }

func canonical(values ...string) opt {
	return func(a *Attribute) { a.CanonicalValues = values }
}

func refTypes(types ...string) opt {
	return func(a *Attribute) { a.ReferenceTypes = types }
}

func subs(sub ...*Attribute) opt {
	return func(a *Attribute) { a.SubAttributes = sub }
}

// plural returns the sub-attributes RFC 7643 §2.4 gives multi-valued
// attributes (value, display, type, primary), as §8.7.1 declares them for
// emails, phoneNumbers, ims, photos, entitlements, roles and
// x509Certificates. valueType is value's type; extra options apply to
// value (e.g. refTypes for photos).
func plural(what string, valueType Type, typeValues []string, displayOpts []opt, valueOpts ...opt) []*Attribute {
	return []*Attribute{
		attr("value", valueType, "The value of the "+what+".", valueOpts...),
		attr("display", String, "A human-readable name, primarily used for display purposes.", displayOpts...),
		attr("type", String, "A label indicating the "+what+"'s function.", canonical(typeValues...)),
		attr("primary", Boolean, "Whether this is the primary or preferred "+what+"; true appears at most once."),
	}
}

// commonAttributes are the attributes every resource has (RFC 7643 §3.1).
// RFC 7643 §3.1 allows a schema to list them; scimd does, so that they
// resolve like any other attribute and appear in /Schemas (Entra's schema
// discovery maps externalId).
func commonAttributes() []*Attribute {
	return []*Attribute{
		attr("id", String, "Unique identifier of the resource, issued by the service provider.",
			caseExact, readOnly, always, uniqueServer),
		attr("externalId", String, "Identifier of the resource as defined by the provisioning client.",
			caseExact),
		attr("meta", Complex, "Resource metadata maintained by the service provider.", readOnly, subs(
			attr("resourceType", String, "The name of the resource type of the resource.", caseExact, readOnly),
			attr("created", DateTime, "When the resource was added to the service provider.", readOnly),
			attr("lastModified", DateTime, "When the resource was last updated.", readOnly),
			attr("location", Reference, "The URI of the resource.", caseExact, readOnly, refTypes("uri")),
			attr("version", String, "The version (entity tag) of the resource.", caseExact, readOnly),
		)),
	}
}
