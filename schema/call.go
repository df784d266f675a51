package schema

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cti3cx/cti3cx"
)

// Call types as stored, in 3CX's casing.
const (
	CallInbound     = "Inbound"
	CallOutbound    = "Outbound"
	CallMissed      = "Missed"
	CallNotanswered = "Notanswered"
)

// NewCall is what consult-phone records when it answers.
type NewCall struct {
	Number    string // as 3CX sent it
	E164      string // the number matched; "" for a placeholder answer
	ContactID *int64
	AccountID *int64
}

// CreateCall inserts a call record and returns its id, which 3CX hands back
// to end-call.
func (db *DB) CreateCall(ctx context.Context, tenantID int64, c NewCall) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `
		INSERT INTO calls (tenant_id, number, e164, contact_id, account_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		tenantID, c.Number, c.E164, c.ContactID, c.AccountID).Scan(&id)
	return id, queryError(err)
}

// CallReport is what end-call tells about a finished call.
type CallReport struct {
	Date     time.Time     // the call's local date (time of day ignored)
	Start    time.Duration // since local midnight
	End      time.Duration // since local midnight; before Start when the call crossed midnight
	Duration time.Duration
	Type     string // one of the Call* constants
	Agent    string
	Phone    string
}

// CompleteCall stores the report on the tenant's call. Reporting the same call
// again overwrites the report, so a retried PUT is harmless. A call that does
// not exist, or is another tenant's, is ENOTFOUND.
func (db *DB) CompleteCall(ctx context.Context, tenantID, id int64, r CallReport) error {
	tag, err := db.Pool.Exec(ctx, `
		UPDATE calls SET ended_at = coalesce(ended_at, now()), call_date = $3, start_time = $4,
			end_time = $5, duration_s = $6, call_type = $7, agent = $8, phone = $9
		WHERE tenant_id = $1 AND id = $2`,
		tenantID, id, pgDate(r.Date), pgTime(r.Start), pgTime(r.End),
		int32(r.Duration/time.Second), r.Type, r.Agent, r.Phone)
	if err != nil {
		return queryError(err)
	}
	if tag.RowsAffected() == 0 {
		return cti3cx.Errorf(cti3cx.ENOTFOUND, "call %d not found", id)
	}
	return nil
}

func pgTime(d time.Duration) pgtype.Time {
	return pgtype.Time{Microseconds: d.Microseconds(), Valid: true}
}

func pgDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Call is a call record as listed for staff and exports: the contacts'
// activity history.
type Call struct {
	ID                int64
	Number            string
	E164              string
	ContactExternalID string // "" when an account or nobody answered
	ContactName       string
	AccountExternalID string
	Company           string
	CreatedAt         time.Time
	Ended             bool
	Date              *time.Time
	Start             *time.Duration
	End               *time.Duration
	Duration          *time.Duration
	Type              string
	Agent             string
	Phone             string
}

// Answered tells a conversation from a missed or unanswered call; a call
// never reported is not answered.
func (c Call) Answered() bool {
	return c.Type == CallInbound || c.Type == CallOutbound
}

// CallFilter narrows ListCalls.
type CallFilter struct {
	ContactExternalID string    // a contact's calls, or an account's (its own and its contacts')
	Since             time.Time // calls created at or after; zero for all
	Limit             int       // 0 for no limit
}

// ListCalls returns the tenant's calls, oldest first.
func (db *DB) ListCalls(ctx context.Context, tenantID int64, f CallFilter) ([]Call, error) {
	var since *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT k.id, k.number, k.e164, coalesce(c.external_id, ''),
			trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')),
			coalesce(a.external_id, ca.external_id, ''),
			coalesce(nullif(a.trade_name, ''), nullif(a.name, ''), nullif(ca.trade_name, ''), nullif(ca.name, ''), c.company, ''),
			k.created_at, k.ended_at IS NOT NULL, k.call_date,
			extract(epoch FROM k.start_time)::bigint, extract(epoch FROM k.end_time)::bigint, k.duration_s,
			coalesce(k.call_type, ''), coalesce(k.agent, ''), coalesce(k.phone, '')
		FROM calls k
		LEFT JOIN contacts c ON c.id = k.contact_id
		LEFT JOIN accounts ca ON ca.id = c.account_id
		LEFT JOIN accounts a ON a.id = k.account_id
		WHERE k.tenant_id = $1
			AND ($2::timestamptz IS NULL OR k.created_at >= $2)
			AND ($3 = '' OR c.external_id = $3 OR a.external_id = $3 OR ca.external_id = $3)
		ORDER BY k.created_at, k.id
		LIMIT $4`, tenantID, since, f.ContactExternalID, limit)
	if err != nil {
		return nil, queryError(err)
	}
	calls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Call, error) {
		var c Call
		var start, end *int64
		var dur *int32
		err := r.Scan(&c.ID, &c.Number, &c.E164, &c.ContactExternalID, &c.ContactName,
			&c.AccountExternalID, &c.Company, &c.CreatedAt, &c.Ended, &c.Date,
			&start, &end, &dur, &c.Type, &c.Agent, &c.Phone)
		c.Start, c.End, c.Duration = seconds(start), seconds(end), nil
		if dur != nil {
			d := time.Duration(*dur) * time.Second
			c.Duration = &d
		}
		return c, err
	})
	return calls, queryError(err)
}

func seconds(s *int64) *time.Duration {
	if s == nil {
		return nil
	}
	d := time.Duration(*s) * time.Second
	return &d
}
