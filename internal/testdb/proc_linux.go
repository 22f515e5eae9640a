package testdb

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

type credential = syscall.Credential

// unprivileged returns the user to run PostgreSQL as: nil when we are not
// root, else the "postgres" user, else "nobody".
func unprivileged() (*credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root and neither a postgres nor a nobody user exists to run PostgreSQL as; set %s", EnvPostgresURL)
}

// procAttr runs a PostgreSQL program as runAs (when not nil), and has the
// kernel stop the postmaster (SIGQUIT, immediate shutdown) should the test
// binary die without calling Main's cleanup.
func procAttr(runAs *credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: runAs, Pdeathsig: syscall.SIGQUIT}
}
