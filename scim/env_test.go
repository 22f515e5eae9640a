package scim_test

import (
	"context"
	"github.com/scimd/scimd/internal/teststore"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/internal/obs"
	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store/sqlstore"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// testEnv is a real scimd: a real store, the real handler, real HTTP.
type testEnv struct {
	base   string // SCIM base URL
	token  string // bearer token of organization "acme"
	dir    *directory.Service
	st     *sqlstore.Store
	orgID  string
	client *http.Client
	srv    *httptest.Server
}

func eachDB(t *testing.T, fn func(t *testing.T, url string)) { testdb.Each(t, fn) }

func newEnv(t testing.TB, url string) *testEnv {
	return newEnvWith(t, url, scim.Config{})
}

func newEnvWith(t testing.TB, url string, cfg scim.Config) *testEnv {
	return newEnvLog(t, url, cfg, nil)
}

// newEnvLog is newEnvWith logging JSON to logw.
func newEnvLog(t testing.TB, url string, cfg scim.Config, logw io.Writer) *testEnv {
	t.Helper()
	ctx := context.Background()
	st := teststore.Open(t, url)
	dir := directory.New(st)
	org, err := dir.CreateOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := dir.CreateToken(ctx, org.ID, "okta")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if logw != nil {
		log = slog.New(slog.NewJSONHandler(logw, nil))
	}
	h := scim.New(cfg, dir, log).Handler()
	srv := httptest.NewServer(obs.Middleware(h, log, nil))
	t.Cleanup(srv.Close)
	return &testEnv{base: srv.URL + "/scim/v2", token: tok, dir: dir, st: st, orgID: org.ID, client: srv.Client(), srv: srv}
}
