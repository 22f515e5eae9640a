package ldapsync

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	_ "github.com/lib/pq" // the figures' PostgreSQL databases

	"github.com/scimd/scimd/internal/ldaptest"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store"
)

// Figures, on demand (not in CI):
//
//	SCIMD_SYNC_FIGURES=10000,100000 \
//	SCIMD_SYNC_FIGURES_POSTGRES=postgres://user@host/postgres?sslmode=disable \
//	go test ./sync/ldapsync -run TestSyncFigures -v -timeout 2h
//
// For each size it loads that many users into slapd, times ldapsearch
// reading them (paged, the attributes the sync asks for: the ceiling) and
// go-ldap reading them the same way doing nothing else (the ceiling with
// the sync's own client), three times each; then a full sync into an
// empty store and an unchanged re-run, on SQLite and, when
// SCIMD_SYNC_FIGURES_POSTGRES names a role that may create databases, on
// PostgreSQL ("throwaway": on the tests' own throwaway cluster, as
// internal/testdb starts it, fsync off). The CPU time of the process
// (slapd's and the database's are not counted) and the peak Go heap of
// each run are reported. SCIMD_SYNC_FIGURES_PROFILE=PREFIX writes a CPU
// profile of each unchanged re-run to PREFIX.BACKEND.SIZE, and the
// allocations it made to PREFIX.BACKEND.SIZE.allocs.
func TestSyncFigures(t *testing.T) {
	sizes := os.Getenv("SCIMD_SYNC_FIGURES")
	if sizes == "" {
		t.Skip("set SCIMD_SYNC_FIGURES=10000,100000 to measure")
	}
	s := ldaptest.Start(t)
	for _, field := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			t.Fatal(err)
		}
		base := s.NewOU(t)
		start := time.Now()
		for done := 0; done < n; done += 5000 {
			users := ldaptest.GenUsers(fmt.Sprintf("f%d_%d_", n, done/5000), min(5000, n-done))
			s.AddUsers(t, base, users...)
		}
		t.Logf("%d users: loaded into slapd in %v", n, time.Since(start).Round(time.Millisecond))
		src := slapdSource(s, base)
		src.GroupBaseDN, src.PageSize = "", 500
		for range 3 {
			d, cpu := streamTime(t, src)
			t.Logf("%d users: ldapsearch (paged 500): %v; go-ldap reading them (Conn.Stream, nothing done): %v, CPU %v",
				n, ldapsearchTime(t, s, src), d.Round(time.Millisecond), cpu.Round(time.Millisecond))
		}

		backends := map[string]string{"sqlite": testdb.SQLite(t)}
		switch admin := os.Getenv("SCIMD_SYNC_FIGURES_POSTGRES"); admin {
		case "":
		case "throwaway":
			backends["postgres"] = testdb.Postgres(t)
		default:
			backends["postgres"] = figuresDatabase(t, admin)
		}
		for _, name := range []string{"sqlite", "postgres"} {
			dbURL, ok := backends[name]
			if !ok {
				continue
			}
			env := newEngEnvURL(t, dbURL)
			env.ctx = t.Context() // no three-minute bound here
			env.eng.batch = DefaultBatchSize
			for _, pass := range []string{"full sync into an empty store", "unchanged re-run"} {
				stopProfile := func() {}
				if p := os.Getenv("SCIMD_SYNC_FIGURES_PROFILE"); p != "" && pass == "unchanged re-run" {
					stopProfile = cpuProfile(t, fmt.Sprintf("%s.%s.%d", p, name, n))
				}
				cpu := processCPU()
				d, peak, run := timeRun(t, env, src)
				cpu = processCPU() - cpu
				stopProfile()
				if run.Status != store.SyncSucceeded || run.Counts["users_read"] != n {
					t.Fatalf("%s: %+v", pass, run)
				}
				t.Logf("%d users, %s, %s: %v (%.0f users/s), CPU %v, peak Go heap %d MiB, changes %v",
					n, name, pass, d.Round(time.Millisecond), float64(n)/d.Seconds(), cpu.Round(time.Millisecond), peak>>20, changeCounts(run))
			}
		}
	}
}

// cpuProfile writes a CPU profile to path until the returned function
// is called, and the allocations made meanwhile to path.allocs (go tool
// pprof -sample_index=alloc_space -base path.allocs.base path.allocs).
func cpuProfile(t *testing.T, path string) func() {
	t.Helper()
	writeAllocs(t, path+".allocs.base")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		writeAllocs(t, path+".allocs")
	}
}

func writeAllocs(t *testing.T, path string) {
	t.Helper()
	runtime.GC() // the profile is of the last completed cycle
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

// ldapsearchTime times ldapsearch reading src's users as the sync does.
func ldapsearchTime(t *testing.T, s *ldaptest.Server, src Source) time.Duration {
	t.Helper()
	m, err := NewMapper(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-x", "-LLL", "-H", s.URL, "-D", s.ReaderDN, "-w", s.ReaderPassword,
		"-b", src.UserBaseDN, "-E", "pr=500/noprompt", "(objectClass=inetOrgPerson)"}, m.UserAttributes()...)
	cmd := exec.Command("ldapsearch", args...)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("ldapsearch: %v", err)
	}
	return time.Since(start)
}

// streamTime times go-ldap reading src's users as the sync does, doing
// nothing with them (the ceiling of the sync's own client), and the CPU
// the process used meanwhile.
func streamTime(t *testing.T, src Source) (time.Duration, time.Duration) {
	t.Helper()
	m, err := NewMapper(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	start, cpu := time.Now(), processCPU()
	c := dial(t, src)
	comp, err := c.Stream(t.Context(), src.UserBaseDN, "(objectClass=inetOrgPerson)", m.UserAttributes(), 500,
		func(*ldap.Entry) error { return nil })
	if err != nil || !comp.Complete {
		t.Fatalf("Stream: %+v, %v", comp, err)
	}
	return time.Since(start), processCPU() - cpu
}

// timeRun runs src once, sampling the Go heap.
func timeRun(t *testing.T, env *engEnv, src Source) (time.Duration, uint64, store.SyncRun) {
	t.Helper()
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	run, err := env.eng.Run(env.ctx, env.org, src, Options{})
	d := time.Since(start)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return d, peak.Load(), run
}

// figuresDatabase creates a database on the cluster of admin, dropped
// when the test ends, and returns its URL.
func figuresDatabase(t *testing.T, admin string) string {
	t.Helper()
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	name := fmt.Sprintf("scimd_figures_%d", time.Now().UnixNano())
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
