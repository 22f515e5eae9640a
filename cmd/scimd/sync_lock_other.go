//go:build !unix

package main

// tryFileLock is a no-op where flock(2) does not exist: the store's
// in-process lock is the only one.
func tryFileLock(string) (release func(), ok bool, err error) { return func() {}, true, nil }
