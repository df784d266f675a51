package schema

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Run outcomes shared by import and revalidation runs.
const (
	// OutcomeAbandoned is a run whose process died (kill -9, out of
	// memory, a lost database) before recording its end.
	OutcomeAbandoned = "abandoned"
	// OutcomeInterrupted is a run stopped by a signal (Ctrl-C, SIGTERM).
	OutcomeInterrupted = "interrupted"
)

// A running run is leased: the process running it holds a session-level
// advisory lock (class, run id) on a connection of its own until the run
// is finished. A process that dies loses its connections, and so the lock:
// a run still "running" whose lock is free has no process left, and
// MarkAbandonedRuns finds it. The lock is taken in the transaction that
// inserts the run, so no other session ever sees the run unleased.
const (
	leaseImportRun       int32 = 0x63746972 // "ctir"
	leaseRevalidationRun int32 = 0x63746976 // "ctiv"
)

// RunLease is a run's claim to be alive. The DB keeps the leases of the
// runs it started; finishing a run releases its lease.
type RunLease struct {
	conn  *pgxpool.Conn
	class int32
	id    int64
}

type leaseID struct {
	class int32
	id    int64
}

// leaseRun inserts a run with insert (which returns the run's id) on a
// dedicated connection and locks it before the insert commits. The lease
// is kept until releaseRun.
func (db *DB) leaseRun(ctx context.Context, class int32, insert func(tx pgx.Tx) (int64, error)) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return dbError(err)
	}
	l := &RunLease{conn: conn, class: class}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		id, err := insert(tx)
		if err != nil {
			return err
		}
		l.id = id
		_, err = tx.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, class, leaseKey(id))
		return err
	})
	if err != nil {
		conn.Release()
		return dbError(err)
	}
	db.leases.Store(leaseID{class, l.id}, l)
	return nil
}

// releaseRun gives up the lease of a run this process started, if any.
func (db *DB) releaseRun(class int32, id int64) {
	if l, ok := db.leases.LoadAndDelete(leaseID{class, id}); ok {
		l.(*RunLease).Release()
	}
}

// leaseKey is a run id as the lock's second key, the same in Go and SQL.
func leaseKey(id int64) int32 { return int32(id & 0x7fffffff) }

// Release gives the lease up. It never fails: a connection that cannot
// unlock is closed, which unlocks too.
func (l *RunLease) Release() {
	if l == nil || l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, l.class, leaseKey(l.id)); err != nil {
		l.conn.Conn().Close(ctx)
	}
	l.conn.Release()
	l.conn = nil
}

// Abandoned counts the runs MarkAbandonedRuns marked.
type Abandoned struct{ Imports, Revalidations int }

// MarkAbandonedRuns marks every run still "running" whose process is gone
// (its lease is free) as abandoned, with when and why. Every loader
// command and the worker call it when they start. pg_try_advisory_xact_lock
// takes the lease only for this statement: a live run's lease is held and
// its row skipped.
func (db *DB) MarkAbandonedRuns(ctx context.Context) (Abandoned, error) {
	var a Abandoned
	why := fmt.Sprintf("abandoned: the process running it stopped without recording its end (killed, out of memory or lost its database); found %s",
		time.Now().UTC().Format(time.RFC3339))
	tag, err := db.Pool.Exec(ctx, `UPDATE import_runs SET outcome = 'abandoned', error = $2, finished_at = now()
		WHERE outcome = 'running' AND pg_try_advisory_xact_lock($1, (id & 2147483647)::integer)`, leaseImportRun, why)
	if err != nil {
		return a, dbError(err)
	}
	a.Imports = int(tag.RowsAffected())
	tag, err = db.Pool.Exec(ctx, `UPDATE revalidation_runs SET outcome = 'abandoned', error = $2, finished_at = now()
		WHERE outcome = 'running' AND pg_try_advisory_xact_lock($1, (id & 2147483647)::integer)`, leaseRevalidationRun, why)
	if err != nil {
		return a, dbError(err)
	}
	a.Revalidations = int(tag.RowsAffected())
	return a, nil
}
