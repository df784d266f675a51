package schema

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// ReviewFilter narrows the review page's list: the report's selection (see
// reportFrom) and what staff filter and search on.
type ReviewFilter struct {
	Statuses []string // invalid, fixed; never ok (the list pages through flagged phones only)
	// ReasonSets, when not nil, keeps the phones whose stored reasons are
	// exactly one of these strings: a reason group of the report is the set
	// of reasons strings filed under it (see ReviewGroups).
	ReasonSets []string
	Field      string // a phone field, "" for all
	Kind       Kind   // "" for both
	// A search keeps the phones whose record's name or external id holds
	// Text, or whose number holds Digits; "" for neither.
	Text   string
	Digits string // digits only
}

// reviewWhere adds the page's filters to reportFrom: $4 reason sets, $5
// field, $6 kind, $7 text pattern, $8 digits pattern (either matching). The literal status
// test lets the planner use phones_review, whose predicate it is.
const reviewWhere = `
			AND p.status <> 'ok'
			AND ($4::text[] IS NULL OR p.reasons = ANY($4::text[]))
			AND ($5::text = '' OR p.field = $5)
			AND ($6::text = '' OR ($6 = 'account') = (p.account_id IS NOT NULL))
			AND ($7::text = '' AND $8::text = ''
				OR $7 <> '' AND (coalesce(a.external_id, c.external_id) ILIKE $7
					OR a.name ILIKE $7 OR a.trade_name ILIKE $7
					OR (c.first_name || ' ' || c.last_name) ILIKE $7 OR ca.name ILIKE $7)
				OR $8 <> '' AND (p.e164 LIKE $8
					OR regexp_replace(coalesce(p.override, p.raw), '[^0-9]+', '', 'g') LIKE $8))`

// reviewColumns are a ReportRow's, in scanReviewRow's order.
const reviewColumns = `
		SELECT p.id,
			CASE WHEN p.account_id IS NOT NULL THEN 'account' ELSE 'contact' END,
			coalesce(a.external_id, c.external_id),
			CASE WHEN a.id IS NOT NULL THEN coalesce(nullif(a.trade_name, ''), a.name)
				ELSE trim(c.first_name || ' ' || c.last_name) END,
			CASE WHEN a.id IS NOT NULL THEN a.name
				ELSE coalesce(nullif(coalesce(nullif(ca.trade_name, ''), ca.name), ''), c.company) END,
			p.field, p.position, p.raw, p.input, p.override, p.status, p.reasons, p.suggestion, p.updated_at,
			p.e164, p.dial`

// ReviewRow is a ReportRow with the number as the index holds it now.
type ReviewRow struct {
	ReportRow
	E164 string
	Dial string
}

func (f ReviewFilter) args(tenantID int64) []any {
	var sets any // a nil []string would be sent as an empty array, not NULL
	if f.ReasonSets != nil {
		sets = f.ReasonSets
	}
	text, digits := "", ""
	if f.Text != "" {
		text = "%" + likeEscaper.Replace(f.Text) + "%"
	}
	if f.Digits != "" {
		digits = "%" + likeEscaper.Replace(f.Digits) + "%"
	}
	return []any{tenantID, f.Statuses, nil, sets, f.Field, string(f.Kind), text, digits}
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ReviewGroups counts the phones the list would show, ignoring
// f.ReasonSets, by status and stored reasons: the report's summary, with the
// page's other filters applied.
func (db *DB) ReviewGroups(ctx context.Context, tenantID int64, f ReviewFilter) ([]ReportGroup, error) {
	f.ReasonSets = nil
	rows, err := db.Pool.Query(ctx, `SELECT p.status, p.reasons, count(*)`+reportFrom+reviewWhere+`
		GROUP BY 1, 2 ORDER BY 1, 2`, f.args(tenantID)...)
	if err != nil {
		return nil, wrapDBError(err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ReportGroup])
	return groups, wrapDBError(err)
}

// ReviewPage asks for one page of the list: the limit phones after the id
// After, or, when Before is set, the limit phones before that id.
type ReviewPage struct {
	After, Before int64
	Limit         int
}

// ReviewRows returns one page of the list in phone id order, and whether
// there are more phones past the page in the direction it was read
// (after After, or before Before). Keyset paging: every page is an index
// range scan on phones_review, however deep.
func (db *DB) ReviewRows(ctx context.Context, tenantID int64, f ReviewFilter, pg ReviewPage) ([]ReviewRow, bool, error) {
	if pg.Limit <= 0 || pg.Limit > 500 {
		return nil, false, cti3cx.Errorf(cti3cx.EINVALID, "page size %d: want 1 to 500", pg.Limit)
	}
	args := append(f.args(tenantID), pg.After, pg.Limit+1)
	order := `AND p.id > $9 ORDER BY p.id LIMIT $10`
	if pg.Before > 0 {
		args[8] = pg.Before
		order = `AND p.id < $9 ORDER BY p.id DESC LIMIT $10`
	}
	rows, err := db.Pool.Query(ctx, reviewColumns+reportFrom+reviewWhere+order, args...)
	if err != nil {
		return nil, false, wrapDBError(err)
	}
	out, err := pgx.CollectRows(rows, scanReviewRow)
	if err != nil {
		return nil, false, wrapDBError(err)
	}
	more := len(out) > pg.Limit
	if more {
		out = out[:pg.Limit]
	}
	if pg.Before > 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, more, nil
}

// ReviewPhone returns one of the tenant's phones as the list shows it, also
// when it has left the list (fixed by staff): ENOTFOUND for another tenant's
// phone, an unknown id, or a phone of a deleted record.
func (db *DB) ReviewPhone(ctx context.Context, tenantID, phoneID int64) (ReviewRow, error) {
	rows, err := db.Pool.Query(ctx, reviewColumns+`
		FROM phones p
		LEFT JOIN accounts a ON a.id = p.account_id AND a.tenant_id = p.tenant_id
		LEFT JOIN contacts c ON c.id = p.contact_id AND c.tenant_id = p.tenant_id
		LEFT JOIN accounts ca ON ca.id = c.account_id AND ca.tenant_id = p.tenant_id
		WHERE p.tenant_id = $1 AND p.id = $2
			AND coalesce(a.deleted_at, c.deleted_at) IS NULL
			AND (a.id IS NOT NULL OR c.id IS NOT NULL)`, tenantID, phoneID)
	if err != nil {
		return ReviewRow{}, wrapDBError(err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanReviewRow)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, cti3cx.Errorf(cti3cx.ENOTFOUND, "phone %d not found", phoneID)
	}
	return r, wrapDBError(err)
}

func scanReviewRow(row pgx.CollectableRow) (ReviewRow, error) {
	var r ReviewRow
	var kind string
	err := row.Scan(&r.PhoneID, &kind, &r.ExternalID, &r.Name, &r.Company, &r.Field, &r.Position, &r.Raw,
		&r.Input, &r.Override, &r.Status, &r.Reasons, &r.Suggestion, &r.UpdatedAt, &r.E164, &r.Dial)
	r.Kind = Kind(kind)
	return r, err
}
