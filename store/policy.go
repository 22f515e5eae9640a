package store

import "time"

// Policy is what an organization decides about its users; package
// directory enforces it on every writer. The zero Policy is the default:
// no catalogues (any value), no seat limit, "External" users are external,
// SCIM DELETE archives, nothing immutable beyond SCIM's own rules, and the
// default mover attributes.
type Policy struct {
	// Roles and Entitlements are the values SCIM roles[].value and
	// entitlements[].value may take; nil or empty allows any value.
	Roles        []CatalogEntry `json:"roles,omitempty"`
	Entitlements []CatalogEntry `json:"entitlements,omitempty"`
	// SeatLimit caps active internal users; 0 is no limit.
	SeatLimit int `json:"seatLimit,omitempty"`
	// ExternalUserTypes are the userType values (compared case-
	// insensitively) that make a user external; nil means ["External"].
	ExternalUserTypes []string `json:"externalUserTypes,omitempty"`
	// DeleteMode is what a SCIM DELETE of a user does: "archive" (the
	// default, "" too) or "deactivate".
	DeleteMode string `json:"deleteMode,omitempty"`
	// Immutable are attributes that cannot change once set ("userType",
	// "employeeNumber", or a full URN path).
	Immutable []string `json:"immutable,omitempty"`
	// MoverAttributes are the attributes whose change makes a "mover"
	// event; nil means department, title, manager and organization (team
	// membership changes are movers too).
	MoverAttributes []string `json:"moverAttributes,omitempty"`
	// Retention is how long archived users are kept before
	// `scimd users purge` may erase them when no --archived-before is
	// given; 0 means 90 days.
	Retention time.Duration `json:"retention,omitempty"`
}

// CatalogEntry is one value an organization hands out.
type CatalogEntry struct {
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}
