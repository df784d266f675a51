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
// to end-call: the tenant's own call number (a trigger assigns it), so that
// ids tell a tenant nothing about other tenants' calls.
func (db *DB) CreateCall(ctx context.Context, tenantID int64, c NewCall) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `
		INSERT INTO calls (tenant_id, number, e164, contact_id, account_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING call_no`,
		tenantID, c.Number, c.E164, c.ContactID, c.AccountID).Scan(&id)
	return id, dbError(err)
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
		WHERE tenant_id = $1 AND call_no = $2`,
		tenantID, id, pgDate(r.Date), pgTime(r.Start), pgTime(r.End),
		int32(r.Duration/time.Second), r.Type, r.Agent, r.Phone)
	if err != nil {
		return dbError(err)
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
	ID                int64 // the tenant's call number, as 3CX knows it
	Number            string
	E164              string
	ContactExternalID string // "" when an account or nobody answered
	ContactName       string
	AccountExternalID string
	Company           string
	CreatedAt         time.Time
	Ended             bool // end-call reported it; false is "não reportada"
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
	// ContactExternalID keeps the calls whose answer listed this contact,
	// or this account, one of its contacts; each call is shown under that
	// owner.
	ContactExternalID string
	Since             time.Time // calls created at or after; zero for all
	ReportedOnly      bool      // leave out lookups end-call never completed
	Limit             int       // 0 for no limit
}

// RecordCallOwners stores the owners an answer listed after the first (the
// first is on the call itself), so that a number several records own puts
// the call in each owner's history. owners is the answer in its order.
func (db *DB) RecordCallOwners(ctx context.Context, tenantID, callNo int64, owners []Owner) error {
	if len(owners) < 2 {
		return nil
	}
	contacts := make([]*int64, 0, len(owners)-1)
	accounts := make([]*int64, 0, len(owners)-1)
	for _, o := range owners[1:] {
		id := o.OwnerID
		if o.Kind == KindContact {
			contacts, accounts = append(contacts, &id), append(accounts, nil)
		} else {
			contacts, accounts = append(contacts, nil), append(accounts, &id)
		}
	}
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO call_owners (call_id, position, contact_id, account_id)
		SELECT k.id, o.ord, o.contact_id, o.account_id
		FROM calls k, unnest($3::bigint[], $4::bigint[]) WITH ORDINALITY AS o (contact_id, account_id, ord)
		WHERE k.tenant_id = $1 AND k.call_no = $2
		ON CONFLICT DO NOTHING`, tenantID, callNo, contacts, accounts)
	return dbError(err)
}

// listCallsSQL picks, for each call, the owner to show: the first the
// answer listed, or with a filter the first listed that matches it.
const listCallsSQL = `
	SELECT k.call_no, k.number, k.e164, coalesce(c.external_id, ''),
		trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')),
		coalesce(a.external_id, ca.external_id, ''),
		coalesce(nullif(a.trade_name, ''), nullif(a.name, ''), nullif(ca.trade_name, ''), nullif(ca.name, ''), c.company, ''),
		k.created_at, k.ended_at IS NOT NULL, k.call_date,
		extract(epoch FROM k.start_time)::bigint, extract(epoch FROM k.end_time)::bigint, k.duration_s,
		coalesce(k.call_type, ''), coalesce(k.agent, ''), coalesce(k.phone, '')
	FROM calls k
	JOIN LATERAL (
		SELECT w.contact_id, w.account_id
		FROM (SELECT 0 AS ord, k.contact_id, k.account_id
			UNION ALL
			SELECT co.position, co.contact_id, co.account_id FROM call_owners co WHERE co.call_id = k.id) w
		LEFT JOIN contacts wc ON wc.id = w.contact_id
		LEFT JOIN accounts wa ON wa.id = coalesce(w.account_id, wc.account_id)
		WHERE $3 = '' OR wc.external_id = $3 OR wa.external_id = $3
		ORDER BY w.ord
		LIMIT 1
	) own ON true
	LEFT JOIN contacts c ON c.id = own.contact_id
	LEFT JOIN accounts ca ON ca.id = c.account_id
	LEFT JOIN accounts a ON a.id = own.account_id
	WHERE k.tenant_id = $1
		AND ($2::timestamptz IS NULL OR k.created_at >= $2)
		AND (NOT $5 OR k.ended_at IS NOT NULL)
	ORDER BY k.created_at, k.id
	LIMIT $4`

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
	rows, err := db.Pool.Query(ctx, listCallsSQL, tenantID, since, f.ContactExternalID, limit, f.ReportedOnly)
	if err != nil {
		return nil, dbError(err)
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
	return calls, dbError(err)
}

// CallRetention says which calls the worker prunes; a zero age keeps them.
type CallRetention struct {
	Unreported time.Duration // lookups end-call never completed, by age
	Reported   time.Duration // journaled calls, by age
	Batch      int           // rows deleted per statement; 0 for 1000
}

// PruneCalls deletes the calls older than the retention, every tenant's,
// in batches so that no statement holds many locks or a long transaction;
// it stops between batches when ctx ends. It returns how many it deleted.
func (db *DB) PruneCalls(ctx context.Context, r CallRetention, now time.Time) (int64, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = 1000
	}
	var total int64
	for _, q := range []struct {
		age time.Duration
		sql string
	}{
		{r.Unreported, pruneUnreportedSQL},
		{r.Reported, pruneReportedSQL},
	} {
		if q.age <= 0 {
			continue
		}
		for {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			tag, err := db.Pool.Exec(ctx, q.sql, now.Add(-q.age), batch)
			if err != nil {
				return total, dbError(err)
			}
			total += tag.RowsAffected()
			if tag.RowsAffected() < int64(batch) {
				break
			}
		}
	}
	return total, nil
}

const (
	pruneUnreportedSQL = `
		DELETE FROM calls WHERE id IN (
			SELECT id FROM calls WHERE ended_at IS NULL AND created_at < $1
			ORDER BY created_at LIMIT $2)`
	pruneReportedSQL = `
		DELETE FROM calls WHERE id IN (
			SELECT id FROM calls WHERE ended_at IS NOT NULL AND created_at < $1
			LIMIT $2)`
)

func seconds(s *int64) *time.Duration {
	if s == nil {
		return nil
	}
	d := time.Duration(*s) * time.Second
	return &d
}
