package schema

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReportRow is one phone that needs a human, with the record it belongs to.
type ReportRow struct {
	PhoneID    int64
	Kind       Kind
	ExternalID string
	Name       string // the contact's full name, or the account's trade name
	Company    string // the account's legal name, or the contact's company
	Field      string
	Position   int
	Raw        string
	DDD        string // the CRM's DDD cell the phone was read with, "" when none
	Input      string
	Override   *string
	Status     string
	Reasons    string
	Suggestion string
	UpdatedAt  time.Time
}

// ReportFilter selects the rows of a report.
type ReportFilter struct {
	Statuses []string   // e.g. invalid, fixed
	Since    *time.Time // only phones changed at or after it
}

// reportFrom selects the phones of a report: $1 tenant, $2 statuses, $3
// changed since. Deleted records are left out, and so are phones a staff fix
// made valid: they were handled already.
const reportFrom = `
		FROM phones p
		LEFT JOIN accounts a ON a.id = p.account_id AND a.tenant_id = p.tenant_id
		LEFT JOIN contacts c ON c.id = p.contact_id AND c.tenant_id = p.tenant_id
		LEFT JOIN accounts ca ON ca.id = c.account_id AND ca.tenant_id = p.tenant_id
		WHERE p.tenant_id = $1 AND p.status = ANY($2::text[])
			AND ($3::timestamptz IS NULL OR p.updated_at >= $3)
			AND (p.override IS NULL OR p.status = 'invalid')
			AND coalesce(a.deleted_at, c.deleted_at) IS NULL
			AND (a.id IS NOT NULL OR c.id IS NOT NULL)`

// ReportGroup counts a report's phones of one status and set of reasons.
type ReportGroup struct {
	Status  string
	Reasons string
	Count   int
}

// ReportSummary counts the phones ReportRows would list, by status and
// reasons, so that a report's summary can come before its rows.
func (db *DB) ReportSummary(ctx context.Context, tenantID int64, f ReportFilter) ([]ReportGroup, error) {
	return reportSummary(ctx, db.Pool, tenantID, f)
}

// querier is what the report queries need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func reportSummary(ctx context.Context, q querier, tenantID int64, f ReportFilter) ([]ReportGroup, error) {
	rows, err := q.Query(ctx, `SELECT p.status, p.reasons, count(*)`+reportFrom+`
		GROUP BY 1, 2 ORDER BY 1, 2`, tenantID, f.Statuses, f.Since)
	if err != nil {
		return nil, dbError(err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ReportGroup])
	return groups, dbError(err)
}

// ReportRows calls fn for each of the tenant's phones in one of the statuses,
// ordered by record, streaming so that a large report never sits in memory.
func (db *DB) ReportRows(ctx context.Context, tenantID int64, f ReportFilter, fn func(ReportRow) error) error {
	return reportRows(ctx, db.Pool, tenantID, f, fn)
}

// ReportSnapshot counts the report's phones, calls summary with the counts,
// then streams the same phones to row: both read one snapshot (a read-only,
// repeatable-read transaction), so the rows are exactly the ones counted,
// whatever imports or fixes run meanwhile. A writer that must size its
// sheets before the rows (an XLSX stream) relies on it.
func (db *DB) ReportSnapshot(ctx context.Context, tenantID int64, f ReportFilter,
	summary func([]ReportGroup) error, row func(ReportRow) error) error {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return dbError(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only: nothing to undo
	groups, err := reportSummary(ctx, tx, tenantID, f)
	if err != nil {
		return err
	}
	if err := summary(groups); err != nil {
		return err
	}
	return reportRows(ctx, tx, tenantID, f, row)
}

func reportRows(ctx context.Context, q querier, tenantID int64, f ReportFilter, fn func(ReportRow) error) error {
	rows, err := q.Query(ctx, `
		SELECT p.id,
			CASE WHEN p.account_id IS NOT NULL THEN 'account' ELSE 'contact' END,
			coalesce(a.external_id, c.external_id),
			CASE WHEN a.id IS NOT NULL THEN coalesce(nullif(a.trade_name, ''), a.name)
				ELSE trim(c.first_name || ' ' || c.last_name) END,
			CASE WHEN a.id IS NOT NULL THEN a.name
				ELSE coalesce(nullif(coalesce(nullif(ca.trade_name, ''), ca.name), ''), c.company) END,
			p.field, p.position, p.raw, p.input, p.override, p.status, p.reasons, p.suggestion, p.updated_at,
			p.ddd
		`+reportFrom+`
		ORDER BY 2, 3, p.field, p.position`,
		tenantID, f.Statuses, f.Since)
	if err != nil {
		return dbError(err)
	}
	var r ReportRow
	var kind string
	_, err = pgx.ForEachRow(rows, []any{&r.PhoneID, &kind, &r.ExternalID, &r.Name, &r.Company, &r.Field,
		&r.Position, &r.Raw, &r.Input, &r.Override, &r.Status, &r.Reasons, &r.Suggestion, &r.UpdatedAt, &r.DDD}, func() error {
		r.Kind = Kind(kind)
		return fn(r)
	})
	return dbError(err)
}
