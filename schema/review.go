package schema

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	// Text, or whose number holds Digits; "" for neither. The counts
	// (ReviewGroups) leave it out.
	Text   string
	Digits string // digits only
}

// where returns the page's conditions, to follow reportFrom, for the
// filters in use only, with every argument ($1 to $3 are reportFrom's).
// Each combination of filters is its own statement, so that the generic
// plan the API's pools use (TunePool) fits it: an index walk of
// phones_review in id order. The literal status test is phones_review's
// predicate, which lets the planner use it. search adds the name, external
// id and number search (the counts leave it out, see ReviewGroups).
func (f ReviewFilter) where(tenantID int64, search bool) (string, []any) {
	args := []any{tenantID, f.Statuses, nil}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var b strings.Builder
	b.WriteString(` AND p.status <> 'ok'`)
	if f.ReasonSets != nil {
		b.WriteString(` AND p.reasons = ANY(` + arg(f.ReasonSets) + `::text[])`)
	}
	if f.Field != "" {
		b.WriteString(` AND p.field = ` + arg(f.Field))
	}
	switch f.Kind {
	case KindAccount:
		b.WriteString(` AND p.account_id IS NOT NULL`)
	case KindContact:
		b.WriteString(` AND p.contact_id IS NOT NULL`)
	}
	var alts []string
	if search && f.Text != "" {
		t := arg("%" + likeEscaper.Replace(f.Text) + "%")
		// The matching records first, once, as arrays (init plans): their
		// phones are then index scans on phones' (contact_id, …) and
		// (account_id, …) unique indexes, rather than a walk of every flagged
		// phone testing each against the matches.
		alts = append(alts, strings.NewReplacer("$t", t).Replace(`p.contact_id = ANY(ARRAY(SELECT c.id FROM contacts c
				LEFT JOIN accounts ca ON ca.id = c.account_id AND ca.tenant_id = c.tenant_id
				WHERE c.tenant_id = $1 AND (c.external_id ILIKE $t OR (c.first_name || ' ' || c.last_name) ILIKE $t
					OR ca.name ILIKE $t OR ca.trade_name ILIKE $t OR c.company ILIKE $t)))
			OR p.account_id = ANY(ARRAY(SELECT a.id FROM accounts a WHERE a.tenant_id = $1
				AND (a.external_id ILIKE $t OR a.name ILIKE $t OR a.trade_name ILIKE $t)))`))
	}
	if search && f.Digits != "" {
		d := arg("%" + likeEscaper.Replace(f.Digits) + "%")
		// translate drops the punctuation numbers are typed with, at a
		// fraction of a regular expression's cost per row.
		alts = append(alts, strings.NewReplacer("$d", d).Replace(`p.e164 LIKE $d
			OR translate(coalesce(p.override, p.raw), ' ()-./+', '') LIKE $d`))
	}
	if len(alts) > 0 {
		b.WriteString(` AND (` + strings.Join(alts, ` OR `) + `)`)
	}
	return b.String(), args
}

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
			p.e164, p.dial, p.ddd`

// ReviewRow is a ReportRow with the number as the index holds it now.
type ReviewRow struct {
	ReportRow
	E164 string
	Dial string
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ReviewGroups counts the phones the list would show, by status and stored
// reasons: the report's summary, with the page's filters but the reasons
// (the counts are what a reason filter chooses from) and the search.
func (db *DB) ReviewGroups(ctx context.Context, tenantID int64, f ReviewFilter) ([]ReportGroup, error) {
	f.ReasonSets = nil
	where, args := f.where(tenantID, false)
	rows, err := db.Pool.Query(ctx, `SELECT p.status, p.reasons, count(*)`+reportFrom+where+`
		GROUP BY 1, 2 ORDER BY 1, 2`, args...)
	if err != nil {
		return nil, dbError(err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ReportGroup])
	return groups, dbError(err)
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
	where, args := f.where(tenantID, true)
	n := len(args)
	args = append(args, pg.After, pg.Limit+1)
	order := fmt.Sprintf(` AND p.id > $%d ORDER BY p.id LIMIT $%d`, n+1, n+2)
	if pg.Before > 0 {
		args[n] = pg.Before
		order = fmt.Sprintf(` AND p.id < $%d ORDER BY p.id DESC LIMIT $%d`, n+1, n+2)
	}
	rows, err := db.Pool.Query(ctx, reviewColumns+reportFrom+where+order, args...)
	if err != nil {
		return nil, false, dbError(err)
	}
	out, err := pgx.CollectRows(rows, scanReviewRow)
	if err != nil {
		return nil, false, dbError(err)
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
		return ReviewRow{}, dbError(err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanReviewRow)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, cti3cx.Errorf(cti3cx.ENOTFOUND, "phone %d not found", phoneID)
	}
	return r, dbError(err)
}

func scanReviewRow(row pgx.CollectableRow) (ReviewRow, error) {
	var r ReviewRow
	var kind string
	err := row.Scan(&r.PhoneID, &kind, &r.ExternalID, &r.Name, &r.Company, &r.Field, &r.Position, &r.Raw,
		&r.Input, &r.Override, &r.Status, &r.Reasons, &r.Suggestion, &r.UpdatedAt, &r.E164, &r.Dial, &r.DDD)
	r.Kind = Kind(kind)
	return r, err
}
