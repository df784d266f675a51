// Package schema is cti3cx's PostgreSQL layer: the embedded migrations and
// the queries, one file per table. Every query that touches tenant data takes
// the tenant's id and filters on it.
package schema

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cti3cx/cti3cx"
)

// DB is the product's handle on PostgreSQL.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, badURL(err)
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
	return wrapDBError(pgx.BeginFunc(ctx, db.Pool, fn))
}

// badURL reports an unparseable DATABASE_URL in one line, without echoing
// the URL (it may hold a password).
func badURL(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "cannot parse `"); i >= 0 {
		// pgx quotes the URL (password redacted) before its reason; keep the reason.
		if j := strings.LastIndex(msg, "`: "); j > i {
			msg = msg[j+3:]
		}
	}
	return &cti3cx.Error{Code: cti3cx.EINVALID, Message: "invalid DATABASE_URL: " + msg}
}

// connectError turns a failed connection into one line that names the server
// and the cause, never the password.
func connectError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: "cannot connect to PostgreSQL: " + pgErr.Message, Err: err}
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		cause := errors.Unwrap(connErr)
		var opErr *net.OpError
		if errors.As(cause, &opErr) && opErr.Err != nil {
			cause = opErr.Err
		}
		msg := "cannot connect to PostgreSQL"
		if connErr.Config != nil {
			msg += fmt.Sprintf(" at %s:%d", connErr.Config.Host, connErr.Config.Port)
		}
		if cause != nil {
			msg += ": " + lastClause(cause.Error())
		}
		return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: msg, Err: err}
	}
	return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: "cannot connect to PostgreSQL: " + lastClause(err.Error()), Err: err}
}

// lastClause keeps the innermost reason of a long wrapped network error.
func lastClause(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}

// wrapDBError gives database failures a code: lost connections are
// EUNAVAILABLE (the API answers 503), unique violations ECONFLICT; the rest
// stay internal. *cti3cx.Error values pass through.
func wrapDBError(err error) error {
	if err == nil {
		return nil
	}
	var e *cti3cx.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &cti3cx.Error{Code: cti3cx.ENOTFOUND, Message: "not found", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return &cti3cx.Error{Code: cti3cx.ECONFLICT, Message: "already exists", Err: err}
		case pgErr.Code == "23514" || pgErr.Code == "22P02" || pgErr.Code == "23502":
			return &cti3cx.Error{Code: cti3cx.EINVALID, Message: pgErr.Message, Err: err}
		case strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P"):
			return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: "database unavailable", Err: err}
		}
		return err
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) || isNetError(err) {
		return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	return err
}

func isNetError(err error) bool {
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connErr)
}
