package schema

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// JobLock is a session-level advisory lock held for one job of the worker,
// so that several workers on one database never run the same job at once.
// The lock lives on the session: it keeps one connection for the whole job,
// so that unlock happens on the session that locked, and a worker that dies
// frees the lock with its connection.
type JobLock struct {
	conn *pgxpool.Conn
	key  int64
}

// TryJobLock takes the advisory lock key on a connection of its own; held is
// false (and the lock nil) when another session holds it.
func (db *DB) TryJobLock(ctx context.Context, key int64) (lock *JobLock, held bool, err error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, false, dbError(err)
	}
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&locked); err != nil || !locked {
		conn.Release()
		return nil, false, dbError(err)
	}
	return &JobLock{conn: conn, key: key}, true, nil
}

// Release unlocks and hands the connection back. If the unlock fails, the
// connection is closed, which is what frees the lock then.
func (l *JobLock) Release(ctx context.Context) {
	unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(unlockCtx, `SELECT pg_advisory_unlock($1)`, l.key); err != nil {
		_ = l.conn.Conn().Close(unlockCtx)
	}
	l.conn.Release()
}
