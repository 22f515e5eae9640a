package storetest

import "testing"

// testSyncLock: TryLock contends per key and releases on unlock.

func testSyncLock(t *testing.T, f *fixture) {
	unlock, ok, err := f.s.TryLock(f.ctx, "sync:corp")
	if err != nil || !ok {
		t.Fatalf("TryLock = %v, %v; want the lock", ok, err)
	}
	if _, ok, err := f.s.TryLock(f.ctx, "sync:corp"); err != nil || ok {
		t.Fatalf("second TryLock of a held key = %v, %v; want false", ok, err)
	}
	other, ok, err := f.s.TryLock(f.ctx, "sync:hr")
	if err != nil || !ok {
		t.Fatalf("TryLock of another key = %v, %v; want it", ok, err)
	}
	other()
	unlock()
	again, ok, err := f.s.TryLock(f.ctx, "sync:corp")
	if err != nil || !ok {
		t.Fatalf("TryLock after unlock = %v, %v; want the lock", ok, err)
	}
	unlock() // stale: must not release the new holder
	if _, ok, _ := f.s.TryLock(f.ctx, "sync:corp"); ok {
		t.Fatal("a second unlock released the next holder's lock")
	}
	again()
	again()
	if u, ok, err := f.s.TryLock(f.ctx, "sync:corp"); err != nil || !ok {
		t.Fatalf("TryLock after unlocking twice = %v, %v", ok, err)
	} else {
		u()
	}
}
