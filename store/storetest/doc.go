// Package storetest is the conformance suite of store.Store: the
// executable form of the contract in package store. Every backend runs it
// from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { … a migrated, empty store … })
//	}
//
// It owns no backend and imports only store (and test libraries); it must
// not import store/sqlstore, scim or directory.
package storetest
