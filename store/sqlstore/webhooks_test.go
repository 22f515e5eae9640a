package sqlstore_test

import (
	"testing"

	"github.com/scimd/scimd/internal/testdb"
	"github.com/scimd/scimd/store/storetest"
)

func TestWebhooksSQLite(t *testing.T) {
	storetest.RunWebhooks(t, func(t *testing.T) storetest.WebhookBackend { return open(t, testdb.SQLite(t)) })
}

func TestWebhooksPostgres(t *testing.T) {
	storetest.RunWebhooks(t, func(t *testing.T) storetest.WebhookBackend { return open(t, testdb.Postgres(t)) })
}
