//go:build !linux

package ldaptest

import (
	"os"
	"syscall"
)

// terminate asks slapd to shut down.
func terminate(p *os.Process) error { return p.Signal(os.Interrupt) }

func procAttr() *syscall.SysProcAttr { return nil }
