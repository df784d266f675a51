package apitest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// TunedDB opens the test's own database with the pool tuned as cti3cx-api
// tunes it (generic plans), so that benchmarks measure what production
// runs. size, when above zero, fixes the pool's connections.
func TunedDB(tb testing.TB, size int32) *schema.DB {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(schematest.URL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	if size > 0 {
		cfg.MaxConns, cfg.MinConns = size, size
	}
	api.TunePool(cfg)
	db, err := schema.OpenConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	return db
}
