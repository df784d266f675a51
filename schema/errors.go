package schema

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cti3cx/cti3cx"
)

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
		msg := "cannot connect to PostgreSQL: " + pgErr.Message
		if pgErr.Code == "3D000" { // invalid_catalog_name
			msg += "; `cti3cx-loader migrate` creates it (and its schema)"
		}
		return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: msg, Err: err}
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

// dbError is the one translator of the database's errors into the product's
// codes, for every query in this package: no rows is ENOTFOUND, a unique
// violation ECONFLICT, a check or type violation EINVALID, a connection that
// is lost or does not answer in time EUNAVAILABLE (the API answers 503); the
// rest stay internal. *cti3cx.Error values pass through. (Opening the
// database has its own wording, with the server's address: connectError.)
func dbError(err error) error {
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
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) || isNetError(err) || (ConnectionLost(err) && !errors.Is(err, context.Canceled)) {
		return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	return err
}

func isNetError(err error) bool {
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connErr)
}

// ConnectionLost tells whether err is the database going away (or not
// answering in time) rather than a fault in the query: what an HTTP edge
// answers with 503.
func ConnectionLost(err error) bool {
	if err == nil || cti3cx.ErrorCode(err) == cti3cx.EUNAVAILABLE {
		return err != nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		pgconn.Timeout(err) || isClosedConn(err)
}

// isClosedConn recognises pgx's errors for a connection or pool already
// closed, which carry no sentinel.
func isClosedConn(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"conn closed", "closed pool", "connection reset", "broken pipe"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
