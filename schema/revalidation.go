package schema

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// RevalidationRun is one pass of revalidation over a tenant's phones.
type RevalidationRun struct {
	ID           int64
	TenantID     int64
	RulesVersion string
	Outcome      string // running, ok, failed, interrupted, abandoned
	Error        string
	Checked      int
	Changed      int
	NewlyInvalid int
	Fixed        int // were invalid, now valid
	StillInvalid int
	StartedAt    time.Time
	FinishedAt   *time.Time
}

const revalidationRunColumns = `id, tenant_id, rules_version, outcome, error, checked, changed,
	newly_invalid, fixed, still_invalid, started_at, finished_at`

func scanRevalidationRun(row pgx.Row) (RevalidationRun, error) {
	var r RevalidationRun
	err := row.Scan(&r.ID, &r.TenantID, &r.RulesVersion, &r.Outcome, &r.Error, &r.Checked, &r.Changed,
		&r.NewlyInvalid, &r.Fixed, &r.StillInvalid, &r.StartedAt, &r.FinishedAt)
	return r, err
}

// StartRevalidationRun records that a run began and leases it (see
// RunLease) until FinishRevalidationRun.
func (db *DB) StartRevalidationRun(ctx context.Context, tenantID int64, rulesVersion string) (RevalidationRun, error) {
	var r RevalidationRun
	err := db.leaseRun(ctx, leaseRevalidationRun, func(tx pgx.Tx) (int64, error) {
		var err error
		r, err = scanRevalidationRun(tx.QueryRow(ctx, `
			INSERT INTO revalidation_runs (tenant_id, rules_version) VALUES ($1, $2)
			RETURNING `+revalidationRunColumns, tenantID, rulesVersion))
		return r.ID, err
	})
	return r, err
}

// FinishRevalidationRun stores the run's counts and outcome. It runs even when
// the caller's context is cancelled, so an interrupted run is recorded as such.
func (db *DB) FinishRevalidationRun(ctx context.Context, r RevalidationRun) (RevalidationRun, error) {
	defer db.releaseRun(leaseRevalidationRun, r.ID)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	out, err := scanRevalidationRun(db.Pool.QueryRow(ctx, `
		UPDATE revalidation_runs SET outcome = $3, error = $4, checked = $5, changed = $6,
			newly_invalid = $7, fixed = $8, still_invalid = $9, finished_at = now()
		WHERE tenant_id = $1 AND id = $2
		RETURNING `+revalidationRunColumns,
		r.TenantID, r.ID, r.Outcome, r.Error, r.Checked, r.Changed, r.NewlyInvalid, r.Fixed, r.StillInvalid))
	return out, dbError(err)
}

// RevalidationRuns returns the tenant's latest runs, newest first.
func (db *DB) RevalidationRuns(ctx context.Context, tenantID int64, limit int) ([]RevalidationRun, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+revalidationRunColumns+` FROM revalidation_runs
		WHERE tenant_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, dbError(err)
	}
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RevalidationRun, error) { return scanRevalidationRun(r) })
	return runs, dbError(err)
}

// PhoneCheck is what revalidation reads of a phone: the value to normalize
// again and the fields that value produced last time.
type PhoneCheck struct {
	ID       int64
	Position int
	Raw      string
	DDD      string // the cell of its row's DDD column; "" when none
	Override *string
	Normalized
}

// Normalized holds the fields derived by normalizing a phone's value.
type Normalized struct {
	Input      string `json:"input"`
	E164       string `json:"e164"`
	Dial       string `json:"dial"`
	Type       string `json:"type"`
	Extension  string `json:"extension"`
	Status     string `json:"status"`
	Reasons    string `json:"reasons"`
	Suggestion string `json:"suggestion"`
}

// PhonesToRevalidate returns the next batch of the tenant's phones, in id
// order after afterID, that were last checked under another rules version or
// profile, or (all) not yet checked since checkedBefore. Keyset pagination on
// id keeps every batch an index range scan however far the run has come.
func (db *DB) PhonesToRevalidate(ctx context.Context, tenantID, afterID int64, rulesVersion, fingerprint string,
	all bool, checkedBefore time.Time, limit int) ([]PhoneCheck, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT id, position, raw, ddd, override, input, e164, dial, type, extension, status, reasons, suggestion
		FROM phones
		WHERE tenant_id = $1 AND id > $2
			AND (rules_version <> $3 OR profile_fingerprint <> $4 OR ($5 AND checked_at < $6))
		ORDER BY id
		LIMIT $7`, tenantID, afterID, rulesVersion, fingerprint, all, checkedBefore, limit)
	if err != nil {
		return nil, dbError(err)
	}
	batch := make([]PhoneCheck, 0, limit)
	var p PhoneCheck
	_, err = pgx.ForEachRow(rows, []any{&p.ID, &p.Position, &p.Raw, &p.DDD, &p.Override, &p.Input, &p.E164, &p.Dial,
		&p.Type, &p.Extension, &p.Status, &p.Reasons, &p.Suggestion}, func() error {
		batch = append(batch, p)
		return nil
	})
	return batch, dbError(err)
}

// PhoneUpdate is a re-normalized phone whose fields changed.
type PhoneUpdate struct {
	ID int64
	// Raw and Override are the values that were normalized: a row the loader
	// rewrote meanwhile is left alone, the loader having normalized it anew.
	Raw      string
	Override *string
	Normalized
	Before, After []byte // JSON for the audit row
}

// SaveRevalidatedBatch writes one batch of revalidation in one short
// transaction: the changed rows get their new fields and an audit row each,
// every checked row gets the rules version, profile and checked_at stamp. It
// returns how many changed rows were written.
func (db *DB) SaveRevalidatedBatch(ctx context.Context, tenantID int64, rulesVersion, fingerprint, actor string,
	checked []int64, changed []PhoneUpdate, counts *BatchCounts) (int, error) {
	var n int
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if len(changed) > 0 {
			var err error
			if n, err = updateChangedPhones(ctx, tx, tenantID, rulesVersion, fingerprint, actor, changed); err != nil {
				return err
			}
		}
		// Unchanged rows only need the stamp; rules_version, profile_fingerprint
		// and checked_at are in no index, so PostgreSQL can update them in place
		// (HOT) where the page has room.
		_, err := tx.Exec(ctx, `
			UPDATE phones SET rules_version = $3, profile_fingerprint = $4, checked_at = now()
			WHERE tenant_id = $1 AND id = ANY($2::bigint[])`, tenantID, checked, rulesVersion, fingerprint)
		if err != nil || counts == nil {
			return err
		}
		// The run's counts are committed with the batch they count, so a
		// run that dies accounts for every phone it changed.
		_, err = tx.Exec(ctx, `UPDATE revalidation_runs SET checked = checked + $3, changed = changed + $4,
			newly_invalid = newly_invalid + $5, fixed = fixed + $6, still_invalid = still_invalid + $7
			WHERE tenant_id = $1 AND id = $2`, tenantID, counts.RunID, counts.Checked, n, counts.NewlyInvalid, counts.Fixed, counts.StillInvalid)
		return err
	})
	if counts != nil {
		counts.Changed = n
	}
	return n, err
}

// BatchCounts are one batch's additions to its run's counts; Changed is
// filled in by SaveRevalidatedBatch.
type BatchCounts struct {
	RunID                                               int64
	Checked, Changed, NewlyInvalid, Fixed, StillInvalid int
}

func updateChangedPhones(ctx context.Context, tx pgx.Tx, tenantID int64, rulesVersion, fingerprint, actor string,
	changed []PhoneUpdate) (int, error) {
	n := len(changed)
	ids := make([]int64, n)
	raws := make([]string, n)
	overrides := make([]*string, n)
	cols := make([][]string, 8)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	before := make([]string, n)
	after := make([]string, n)
	for i, c := range changed {
		ids[i], raws[i], overrides[i] = c.ID, c.Raw, c.Override
		for j, v := range []string{c.Input, c.E164, c.Dial, c.Type, c.Extension, c.Status, c.Reasons, c.Suggestion} {
			cols[j][i] = v
		}
		before[i], after[i] = string(c.Before), string(c.After)
	}
	tag, err := tx.Exec(ctx, `
		WITH u AS (
			SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
				$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
				AS u(id, raw, override, input, e164, dial, type, extension, status, reasons, suggestion, before, after)
		), updated AS (
			UPDATE phones p SET input = u.input, e164 = u.e164, dial = u.dial, type = u.type,
				extension = u.extension, status = u.status, reasons = u.reasons, suggestion = u.suggestion,
				rules_version = $15, profile_fingerprint = $16, checked_at = now(), updated_at = now()
			FROM u
			WHERE p.tenant_id = $1 AND p.id = u.id AND p.raw = u.raw
				AND p.override IS NOT DISTINCT FROM u.override
			RETURNING p.id
		)
		INSERT INTO phone_changes (tenant_id, phone_id, actor, before, after)
		SELECT $1, u.id, $17, u.before::jsonb, u.after::jsonb FROM u JOIN updated USING (id)`,
		tenantID, ids, raws, overrides, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7],
		before, after, rulesVersion, fingerprint, actor)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
