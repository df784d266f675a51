package schema

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// importLockClass is the first key of the advisory locks that serialise
// the imports of one tenant and kind (two 32-bit keys: a key space apart
// from the single 64-bit keys of migrations and the worker).
const importLockClass int32 = 0x63746969

// importLockKey is the second key: the tenant and the kind. Tenant ids past
// 2^30 wrap, which can only make two tenants wait for each other.
func importLockKey(tenantID int64, kind string) int32 {
	k := tenantID * 2
	if kind == ImportContacts {
		k++
	}
	return int32(k)
}

// TryLock takes the transaction-level lock of the importer's tenant and
// kind if it is free, and tells whether it did. The lock is released at
// commit or rollback, so a crashed import never holds it.
func (im Importer) TryLock(ctx context.Context, tx pgx.Tx) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, $2)`, importLockClass, importLockKey(im.TenantID, im.Kind)).Scan(&ok)
	return ok, dbError(err)
}

// Lock waits for the lock of the importer's tenant and kind (or for ctx).
func (im Importer) Lock(ctx context.Context, tx pgx.Tx) error {
	return lockImports(ctx, tx, im.TenantID, im.Kind)
}

func lockImports(ctx context.Context, tx pgx.Tx, tenantID int64, kind string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, importLockClass, importLockKey(tenantID, kind))
	return dbError(err)
}

// RunningImport returns the tenant's latest other run of kind still
// marked running, to name the import another one waits for.
func (db *DB) RunningImport(ctx context.Context, tenantID int64, kind string, exceptID int64) (ImportRun, bool, error) {
	r, err := scanImportRun(db.Pool.QueryRow(ctx, `SELECT `+importRunColumns+` FROM import_runs
		WHERE tenant_id = $1 AND kind = $2 AND outcome = 'running' AND id <> $3
		ORDER BY started_at DESC, id DESC LIMIT 1`, tenantID, kind, exceptID))
	if err == pgx.ErrNoRows {
		return ImportRun{}, false, nil
	}
	return r, err == nil, dbError(err)
}
