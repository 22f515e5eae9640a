package testdb

import (
	"bufio"
	"fmt"
	"github.com/scimd/scimd/internal/testproc"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cluster is a throwaway PostgreSQL cluster: initdb in a temporary
// directory, a postmaster on a free loopback port with fsync off, removed
// by stop.
type cluster struct {
	dir  string
	icu  bool // initialised with a linguistic (ICU en-US) default collation
	cmd  *exec.Cmd
	done chan struct{} // closed when the postmaster has exited
	url  string
}

// findPostgres returns the directory of initdb and postgres: the newest
// /usr/lib/postgresql/*/bin, else the one on PATH.
func findPostgres() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(b) - majorOf(a) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("no initdb found in /usr/lib/postgresql/*/bin or PATH; install PostgreSQL or set %s", EnvPostgresURL)
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// startCluster initialises and starts a cluster, as an unprivileged user
// when we run as root (PostgreSQL refuses to run as root).
func startCluster(bin string) (*cluster, error) {
	runAs, err := unprivileged()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "scimd-pg-")
	if err != nil {
		return nil, err
	}
	if runAs != nil {
		if err := os.Chown(dir, int(runAs.Uid), int(runAs.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("handing %s to uid %d: %w", dir, runAs.Uid, err)
		}
	}
	data := filepath.Join(dir, "data")
	// Prefer a linguistic default collation (ICU en-US, PostgreSQL 15+) so
	// that the tests catch any comparison or sort that silently depends on
	// the database's collation instead of being bytewise; fall back to C.
	var out []byte
	icu := false
	for i, locale := range [][]string{
		{"--locale-provider=icu", "--icu-locale=en-US", "--locale=C.UTF-8"},
		{"--locale=C"},
	} {
		os.RemoveAll(data)
		args := append([]string{"-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
			"--no-sync", "--no-instructions"}, locale...)
		initdb := exec.Command(filepath.Join(bin, "initdb"), args...)
		initdb.Dir = dir
		initdb.SysProcAttr = procAttr(runAs)
		if out, err = initdb.CombinedOutput(); err == nil {
			icu = i == 0
			break
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// A port can be taken between choosing and binding it; try a few.
	var lastErr error
	for range 5 {
		c, err := startPostmaster(bin, dir, data, runAs)
		if err == nil {
			c.icu = icu
			return c, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func startPostmaster(bin, dir, data string, runAs *credential) (*cluster, error) {
	port, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-p", strconv.Itoa(port),
		"-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=300",
		"-c", "lc_messages=C",
	)
	cmd.Dir = dir
	cmd.SysProcAttr = procAttr(runAs)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	c := &cluster{
		dir:  dir,
		cmd:  cmd,
		done: make(chan struct{}),
		url:  fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
	}
	ready := make(chan struct{})
	log := &testproc.Tail{}
	go func() {
		// Drain the log for the postmaster's whole life, so it never
		// blocks on a full pipe; remember the end for error messages.
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			log.Add(line)
			if !signalled && strings.Contains(line, "database system is ready to accept connections") {
				close(ready)
				signalled = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(c.done)
	}()
	select {
	case <-ready:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("postgres exited during startup:\n%s", log.String())
	case <-time.After(time.Minute):
		_ = c.stop()
		return nil, fmt.Errorf("postgres not ready after a minute:\n%s", log.String())
	}
}

// stop shuts the postmaster down (fast shutdown, then kill) and removes the
// cluster's directory.
func (c *cluster) stop() error {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(os.Interrupt) // SIGINT: fast shutdown
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("removing cluster directory: %w", err)
	}
	return nil
}
