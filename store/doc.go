// Package store owns scimd's domain types, the Store contract every
// persistence backend implements, the neutral query expressions (Expr) that
// SCIM filters are compiled to, and the sentinel errors storage reports.
//
// It imports nothing of scimd's own. It knows neither SCIM wire format nor
// SQL: package scim turns SCIM filters into Expr values, and package
// store/sqlstore turns Expr values into SQL. The conformance suite in
// store/storetest is the executable form of the contract below; every
// backend must pass it.
package store
