//go:build !linux

package testdb

import (
	"errors"
	"syscall"
)

type credential struct{ Uid, Gid uint32 }

func unprivileged() (*credential, error) {
	return nil, errors.New("the throwaway PostgreSQL cluster is only started on Linux; set " + EnvPostgresURL)
}

func procAttr(*credential) *syscall.SysProcAttr { return nil }
