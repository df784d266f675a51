// Package schema is cti3cx's whole database layer: the embedded migrations
// (migrations/NNNN_name.sql, applied by migrate.go) and every SQL statement
// the product runs, one file per use case, so that no other package writes
// SQL. Every query that touches tenant data takes the tenant's id and filters
// on it; every error leaves through one translator (errors.go).
//
// The files, by use case:
//
//	db.go          Open, the pool, transactions
//	errors.go      database errors -> cti3cx codes (dbError), connection errors
//	migrate.go     migrations under an advisory lock; CheckCurrent
//	tenant.go      tenants and their settings (profile, feed)
//	token.go       API tokens (hashed) and their roles
//	importer.go    an import's writes: COPY into a staging table, set-based upserts of
//	               accounts, contacts and phones (loader.Import drives it)
//	importrun.go   import_runs, the record of every import
//	record.go, phone.go, account.go, contact.go   the stored rows and their lookups by id
//	lookup.go      consult-phone: a caller's number -> its owners (exact E.164, last digits)
//	call.go        end-call: the call journal
//	revalidation.go re-checking stored phones in batches, and its runs
//	report.go      the rows of the report for CRM staff
//	fix.go         applying a staff fix (an override, audited)
//	review.go, session.go   the review page's lists and staff sessions
//	changes.go     the change log and the export for the CRM
//	joblock.go     the worker's per-job advisory lock
package schema

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the product's handle on PostgreSQL.
type DB struct {
	Pool *pgxpool.Pool
	// leases are the runs this process has started and not yet finished
	// (see RunLease), by leaseID.
	leases sync.Map
}

// minPoolConns is the least pool size Open gives a URL that sets none.
const minPoolConns = 16

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, badURL(err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// A run holds a connection for its lease besides its work's, and
		// the worker runs jobs side by side: pgxpool's default (4 on a
		// small host) would make them wait on each other's connections.
		cfg.MaxConns = max(cfg.MaxConns, minPoolConns)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration, for callers that tune
// the pool (the API sizes it to its concurrency).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, connectError(err)
	}
	return &DB{Pool: pool}, nil
}

// Close releases the pool.
func (db *DB) Close() { db.Pool.Close() }

// InTx runs fn in a transaction, committed when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return dbError(pgx.BeginFunc(ctx, db.Pool, fn))
}
