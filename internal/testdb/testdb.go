package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/scimd/scimd/migrations"
)

// EnvPostgresURL names the environment variable that points the tests at an
// existing PostgreSQL cluster: a postgres:// URL of a role allowed to create
// databases. The tests create and drop databases named scimd_t_* and
// scimd_tpl_* on it and touch nothing else.
const EnvPostgresURL = "SCIMD_TEST_POSTGRES_URL"

// SQLite returns the URL of a fresh, empty SQLite database file in
// t.TempDir() (removed after the test).
func SQLite(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "scimd.db")
}

// Postgres returns the URL of a fresh PostgreSQL database, dropped after the
// test. It is created from a template that already carries the current
// schema, so Migrate on it is a no-op (callers still call it, as in
// production). Without PostgreSQL it skips the test, or fails it when the
// environment variable CI is "true".
func Postgres(t testing.TB) string {
	t.Helper()
	return newPostgres(t, true)
}

// PostgresEmpty is Postgres without the schema: the database has no table.
func PostgresEmpty(t testing.TB) string {
	t.Helper()
	return newPostgres(t, false)
}

// Each runs fn as the subtest "sqlite" on a fresh SQLite database and as the
// subtest "postgres" on a fresh PostgreSQL database (see Postgres).
func Each(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Main runs the tests of a package and then stops the throwaway
// PostgreSQL cluster, if one was started, and exits. Call it from TestMain.
func Main(m *testing.M) { os.Exit(Wrap(m).Run()) }

// Runner is what TestMain is given (*testing.M).
type Runner interface{ Run() int }

// Wrap returns a Runner that runs r and then stops the throwaway cluster,
// to combine harnesses in one TestMain: ldaptest.Main(testdb.Wrap(m)).
func Wrap(r Runner) Runner { return wrapped{r} }

type wrapped struct{ r Runner }

func (w wrapped) Run() int {
	h.mu.Lock()
	h.inMain = true
	h.mu.Unlock()
	code := w.r.Run()
	if err := h.shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// harness is the per-test-binary PostgreSQL state.
type harness struct {
	mu       sync.Mutex
	inMain   bool   // Main is running the tests
	ready    bool   // setup ran (successfully or not)
	skip     string // why PostgreSQL is unavailable (skip, or fail in CI)
	err      error  // setup failed: fail every PostgreSQL test
	base     *url.URL
	admin    *sql.DB // connection to the maintenance database
	template string  // migrated template database
	cluster  *cluster
}

// h is the harness of this test binary (see the package doc).
var h harness

func newPostgres(t testing.TB, migrated bool) string {
	t.Helper()
	h.mu.Lock()
	if !h.ready {
		h.setup()
		h.ready = true
	}
	skip, err, admin, base, tpl := h.skip, h.err, h.admin, h.base, h.template
	h.mu.Unlock()
	switch {
	case err != nil:
		t.Fatalf("PostgreSQL test harness: %v", err)
	case skip != "" && os.Getenv("CI") == "true":
		t.Fatalf("PostgreSQL suite skipped in CI: %s", skip)
	case skip != "":
		t.Skipf("PostgreSQL unavailable: %s", skip)
	}

	name := "scimd_t_" + randomHex(t)
	stmt := "CREATE DATABASE " + pq.QuoteIdentifier(name)
	if migrated {
		stmt += " TEMPLATE " + pq.QuoteIdentifier(tpl)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// setup connects to the cluster (starting one if needed) and builds the
// schema template. Called with h.mu held.
func (h *harness) setup() {
	if !h.inMain {
		h.err = errors.New("the test package must declare func TestMain(m *testing.M) { testdb.Main(m) }, " +
			"which drops the template database and stops the throwaway cluster")
		return
	}
	raw := os.Getenv(EnvPostgresURL)
	if raw == "" {
		bin, err := findPostgres()
		if err != nil {
			h.skip = err.Error()
			return
		}
		c, err := startCluster(bin)
		if err != nil {
			h.err = err
			return
		}
		h.cluster = c
		raw = c.url
	}
	base, err := url.Parse(raw)
	if err != nil || (base.Scheme != "postgres" && base.Scheme != "postgresql") {
		h.err = fmt.Errorf("%s must be a postgres:// URL", EnvPostgresURL)
		return
	}
	h.base = base
	admin, err := sql.Open("postgres", raw)
	if err != nil {
		h.err = err
		return
	}
	admin.SetMaxOpenConns(4)
	h.admin = admin
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		h.err = fmt.Errorf("connecting to %s: %w", redact(base), err)
		return
	}
	h.template, h.err = buildTemplate(ctx, admin, base)
}

// buildTemplate creates a database carrying the current schema, to be
// cloned by CREATE DATABASE … TEMPLATE.
func buildTemplate(ctx context.Context, admin *sql.DB, base *url.URL) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	name := "scimd_tpl_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		return "", fmt.Errorf("creating template database: %w", err)
	}
	db, err := sql.Open("postgres", withDatabase(base, name))
	if err != nil {
		return "", err
	}
	_, err = migrations.Up(ctx, db, migrations.Postgres)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("migrating template database: %w", err)
	}
	return name, nil
}

// shutdown drops the template, closes the admin connection and stops the
// throwaway cluster.
func (h *harness) shutdown() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	if h.admin != nil {
		if h.template != "" && h.cluster == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_, err := h.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(h.template)+" WITH (FORCE)")
			cancel()
			errs = append(errs, err)
		}
		errs = append(errs, h.admin.Close())
		h.admin = nil
	}
	if h.cluster != nil {
		errs = append(errs, h.cluster.stop())
		h.cluster = nil
	}
	return errors.Join(errs...)
}

func withDatabase(base *url.URL, name string) string {
	u := *base
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

func redact(u *url.URL) string { return u.Redacted() }

func randomHex(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
