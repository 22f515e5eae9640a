package ldaptest

import (
	"os"
	"syscall"
)

// terminate asks slapd to shut down cleanly.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// procAttr has the kernel kill slapd should the test binary die without
// running Main's cleanup.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
