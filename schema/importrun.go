package schema

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// Import run outcomes.
const (
	OutcomeRunning = "running"
	OutcomeOK      = "ok"
	OutcomeFailed  = "failed"
	OutcomeAborted = "aborted" // --max-errors exceeded: nothing written
	OutcomeDryRun  = "dry_run"
	// OutcomeAbandoned and OutcomeInterrupted (runlease.go) complete the set.
)

// ImportCounts are what an import did, row by row and phone by phone.
type ImportCounts struct {
	RowsRead      int
	Inserted      int
	Updated       int
	Unchanged     int
	Deleted       int
	Rejected      int
	Warned        int // imported rows with a warning (a non-key field left empty)
	PhonesOK      int
	PhonesFixed   int
	PhonesInvalid int
}

// ImportRun is one execution of an import, recorded before the work starts
// so that a run that dies midway still leaves a trace ("running").
type ImportRun struct {
	ID         int64
	TenantID   int64
	Kind       string // accounts or contacts
	Source     string // file name or feed URL without credentials
	SourceHash string
	Mode       string // upsert or full
	DryRun     bool
	Outcome    string
	Error      string
	ImportCounts
	StartedAt  time.Time
	FinishedAt *time.Time
}

// ImportReject is a row the import refused, kept for the run, or, with
// Imported set, a warning about a row it loaded.
type ImportReject struct {
	Line     int
	Code     string
	Message  string
	Record   string // the original row, as read
	Imported bool
}

const importRunColumns = `id, tenant_id, kind, source, source_hash, mode, dry_run, outcome, error,
	rows_read, inserted, updated, unchanged, deleted, rejected, warned, phones_ok, phones_fixed, phones_invalid,
	started_at, finished_at`

func scanImportRun(row pgx.Row) (ImportRun, error) {
	var r ImportRun
	err := row.Scan(&r.ID, &r.TenantID, &r.Kind, &r.Source, &r.SourceHash, &r.Mode, &r.DryRun, &r.Outcome, &r.Error,
		&r.RowsRead, &r.Inserted, &r.Updated, &r.Unchanged, &r.Deleted, &r.Rejected, &r.Warned,
		&r.PhonesOK, &r.PhonesFixed, &r.PhonesInvalid, &r.StartedAt, &r.FinishedAt)
	return r, err
}

// CreateImportRun records the start of a run in its own short transaction,
// so that the row survives whatever happens to the import itself, and
// leases it (see RunLease) until FinishImportRun.
func (db *DB) CreateImportRun(ctx context.Context, r ImportRun) (ImportRun, error) {
	var created ImportRun
	err := db.leaseRun(ctx, leaseImportRun, func(tx pgx.Tx) (int64, error) {
		var err error
		created, err = scanImportRun(tx.QueryRow(ctx, `
			INSERT INTO import_runs (tenant_id, kind, source, source_hash, mode, dry_run, outcome)
			VALUES ($1, $2, $3, $4, $5, $6, 'running')
			RETURNING `+importRunColumns,
			r.TenantID, r.Kind, r.Source, r.SourceHash, r.Mode, r.DryRun))
		return created.ID, err
	})
	return created, err
}

// FinishImportRun stores the run's outcome, counts and hash, and its
// rejects, in one transaction. Rejects are written with COPY.
// SetImportRunKind stores the kind the columns told, for a run recorded
// before its source was read (a feed's run is recorded before its first
// page is fetched, so that a feed failing early still leaves a run).
func (db *DB) SetImportRunKind(ctx context.Context, tenantID, runID int64, kind string) error {
	_, err := db.Pool.Exec(ctx, `UPDATE import_runs SET kind = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, runID, kind)
	return dbError(err)
}

func (db *DB) FinishImportRun(ctx context.Context, r ImportRun, rejects []ImportReject) error {
	// Finished or not, the run is this process's no longer: a run whose end
	// could not be recorded is found abandoned by the next start.
	defer db.releaseRun(leaseImportRun, r.ID)
	return db.InTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE import_runs SET source_hash = $3, outcome = $4, error = $5,
				rows_read = $6, inserted = $7, updated = $8, unchanged = $9, deleted = $10, rejected = $11,
				phones_ok = $12, phones_fixed = $13, phones_invalid = $14, warned = $15, finished_at = now()
			WHERE tenant_id = $1 AND id = $2`,
			r.TenantID, r.ID, r.SourceHash, r.Outcome, r.Error,
			r.RowsRead, r.Inserted, r.Updated, r.Unchanged, r.Deleted, r.Rejected,
			r.PhonesOK, r.PhonesFixed, r.PhonesInvalid, r.Warned)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return cti3cx.Errorf(cti3cx.ENOTFOUND, "import run %d not found", r.ID)
		}
		if len(rejects) == 0 {
			return nil
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"import_rejects"}, []string{"run_id", "line", "code", "message", "record", "imported"},
			pgx.CopyFromSlice(len(rejects), func(i int) ([]any, error) {
				j := rejects[i]
				return []any{r.ID, j.Line, j.Code, j.Message, j.Record, j.Imported}, nil
			}))
		return err
	})
}

// ImportRunByID returns one of the tenant's runs.
func (db *DB) ImportRunByID(ctx context.Context, tenantID, id int64) (ImportRun, error) {
	r, err := scanImportRun(db.Pool.QueryRow(ctx, `SELECT `+importRunColumns+` FROM import_runs WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err == pgx.ErrNoRows {
		return ImportRun{}, cti3cx.Errorf(cti3cx.ENOTFOUND, "import run %d not found", id)
	}
	return r, dbError(err)
}

// ListImportRuns returns the tenant's runs, newest first.
func (db *DB) ListImportRuns(ctx context.Context, tenantID int64, limit int) ([]ImportRun, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+importRunColumns+` FROM import_runs WHERE tenant_id = $1
		ORDER BY started_at DESC, id DESC LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, dbError(err)
	}
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ImportRun, error) { return scanImportRun(r) })
	return runs, dbError(err)
}

// ImportRejects returns a run's rejects by line. The run must be the tenant's.
func (db *DB) ImportRejects(ctx context.Context, tenantID, runID int64) ([]ImportReject, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT j.line, j.code, j.message, j.record, j.imported FROM import_rejects j
		JOIN import_runs r ON r.id = j.run_id
		WHERE r.tenant_id = $1 AND j.run_id = $2 ORDER BY j.line, j.id`, tenantID, runID)
	if err != nil {
		return nil, dbError(err)
	}
	rejects, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ImportReject, error) {
		var j ImportReject
		return j, r.Scan(&j.Line, &j.Code, &j.Message, &j.Record, &j.Imported)
	})
	return rejects, dbError(err)
}
