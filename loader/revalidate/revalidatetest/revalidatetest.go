// Package revalidatetest seeds accounts, contacts and phones with plain SQL
// and COPY, the way the loader stores them, for the tests and benchmarks of
// revalidation, reports and fixes.
package revalidatetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Tenant creates a tenant with the given DDD and dial format.
func Tenant(tb testing.TB, db *schema.DB, slug, ddd, dialFormat string) schema.Tenant {
	tb.Helper()
	t, err := db.CreateTenant(context.Background(), schema.Tenant{Slug: slug, Name: slug, DefaultDDD: ddd, DialFormat: dialFormat})
	if err != nil {
		tb.Fatalf("create tenant: %v", err)
	}
	return t
}

// Profile is the tenant's normalize profile.
func Profile(tb testing.TB, t schema.Tenant) normalize.Profile {
	tb.Helper()
	p, err := normalize.NewProfile(t.DefaultDDD, t.DialFormat)
	if err != nil {
		tb.Fatalf("profile: %v", err)
	}
	return p
}

// Account inserts an account and returns its id.
func Account(tb testing.TB, db *schema.DB, tenantID int64, externalID, name, tradeName string) int64 {
	tb.Helper()
	var id int64
	err := db.Pool.QueryRow(context.Background(), `INSERT INTO accounts (tenant_id, external_id, name, trade_name)
		VALUES ($1, $2, $3, $4) RETURNING id`, tenantID, externalID, name, tradeName).Scan(&id)
	if err != nil {
		tb.Fatalf("insert account: %v", err)
	}
	return id
}

// Contact inserts a contact, linked to accountID when it is not 0.
func Contact(tb testing.TB, db *schema.DB, tenantID int64, externalID, first, last string, accountID int64) int64 {
	tb.Helper()
	var acc *int64
	if accountID != 0 {
		acc = &accountID
	}
	var id int64
	err := db.Pool.QueryRow(context.Background(), `INSERT INTO contacts (tenant_id, external_id, first_name, last_name, account_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, tenantID, externalID, first, last, acc).Scan(&id)
	if err != nil {
		tb.Fatalf("insert contact: %v", err)
	}
	return id
}

// Phone is a cell to store: the owner, the field and the cell as received.
type Phone struct {
	AccountID int64 // exactly one of AccountID and ContactID
	ContactID int64
	Field     string
	Raw       string
	Override  *string
}

// Phones normalizes each cell with profile and stores one row per number
// found, stamped with rulesVersion, through COPY. It returns the ids of the
// rows in insertion order.
func Phones(tb testing.TB, db *schema.DB, tenantID int64, profile normalize.Profile, rulesVersion string, cells []Phone) []int64 {
	tb.Helper()
	ctx := context.Background()
	var rows [][]any
	fp := profile.Fingerprint()
	var results []normalize.Result
	for _, c := range cells {
		value := c.Raw
		if c.Override != nil {
			value = *c.Override
		}
		results = profile.AppendNormalize(results[:0], value)
		if c.Override != nil && len(results) > 1 {
			results = results[:1]
		}
		for pos, r := range results {
			var acc, con *int64
			if c.AccountID != 0 {
				acc = &c.AccountID
			} else {
				con = &c.ContactID
			}
			rows = append(rows, []any{tenantID, acc, con, c.Field, int16(pos), c.Raw, r.Input, c.Override,
				r.E164, r.Dial, string(r.Type), r.Extension, string(r.Status), r.Reasons.String(), r.Suggestion,
				rulesVersion, fp})
		}
	}
	var first int64
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM phones`).Scan(&first); err != nil {
		tb.Fatalf("phones: %v", err)
	}
	n, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"phones"}, []string{"tenant_id", "account_id", "contact_id", "field",
		"position", "raw", "input", "override", "e164", "dial", "type", "extension", "status", "reasons",
		"suggestion", "rules_version", "profile_fingerprint"}, pgx.CopyFromRows(rows))
	if err != nil {
		tb.Fatalf("copy phones: %v", err)
	}
	rs, err := db.Pool.Query(ctx, `SELECT id FROM phones WHERE tenant_id = $1 AND id > $2 ORDER BY id`, tenantID, first)
	if err != nil {
		tb.Fatalf("phones: %v", err)
	}
	ids, err := pgx.CollectRows(rs, pgx.RowTo[int64])
	if err != nil || int64(len(ids)) != n {
		tb.Fatalf("phones: %d ids for %d rows: %v", len(ids), n, err)
	}
	return ids
}

// Accounts inserts n accounts named acc-0… in one statement and returns
// their ids, for benchmarks.
func Accounts(tb testing.TB, db *schema.DB, tenantID int64, n int) []int64 {
	tb.Helper()
	rs, err := db.Pool.Query(context.Background(), `INSERT INTO accounts (tenant_id, external_id, name)
		SELECT $1, 'acc-' || g, 'Empresa ' || g FROM generate_series(0, $2 - 1) g RETURNING id`, tenantID, n)
	if err != nil {
		tb.Fatalf("insert accounts: %v", err)
	}
	ids, err := pgx.CollectRows(rs, pgx.RowTo[int64])
	if err != nil {
		tb.Fatalf("insert accounts: %v", err)
	}
	return ids
}

// Stored is a phone row as the tests check it.
type Stored struct {
	ID                 int64
	Raw                string
	Override           *string
	E164, Dial, Status string
	Reasons            string
	RulesVersion       string
	ProfileFingerprint string
}

// Get reads a phone row.
func Get(tb testing.TB, db *schema.DB, id int64) Stored {
	tb.Helper()
	var s Stored
	err := db.Pool.QueryRow(context.Background(), `SELECT id, raw, override, e164, dial, status, reasons,
		rules_version, profile_fingerprint FROM phones WHERE id = $1`, id).
		Scan(&s.ID, &s.Raw, &s.Override, &s.E164, &s.Dial, &s.Status, &s.Reasons, &s.RulesVersion, &s.ProfileFingerprint)
	if err != nil {
		tb.Fatalf("phone %d: %v", id, err)
	}
	return s
}

// Count runs a count query.
func Count(tb testing.TB, db *schema.DB, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}

// Field spreads seeds over the phone fields.
func Field(i int) string { return schema.PhoneFields[i%len(schema.PhoneFields)] }

func (s Stored) String() string {
	return fmt.Sprintf("phone %d raw=%q status=%s e164=%s reasons=%s", s.ID, s.Raw, s.Status, s.E164, s.Reasons)
}

// BulkPhones stores n phones spread over the given accounts (seven fields
// each), the cells produced by cell(i) and normalized with profile, through
// one streaming COPY: for benchmarks of a million rows.
func BulkPhones(tb testing.TB, db *schema.DB, tenantID int64, accounts []int64, profile normalize.Profile,
	rulesVersion string, n int, cell func(i int) string) {
	tb.Helper()
	fp := profile.Fingerprint()
	var results []normalize.Result
	i := 0
	row := make([]any, 17)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for i < n {
			raw := cell(i)
			acc := accounts[i/len(schema.PhoneFields)]
			field := Field(i)
			i++
			results = profile.AppendNormalize(results[:0], raw)
			if len(results) == 0 {
				continue
			}
			r := results[0]
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = tenantID, acc, nil, field, int16(0), raw, r.Input, nil
			row[8], row[9], row[10], row[11], row[12] = r.E164, r.Dial, string(r.Type), r.Extension, string(r.Status)
			row[13], row[14], row[15], row[16] = r.Reasons.String(), r.Suggestion, rulesVersion, fp
			return row, nil
		}
		return nil, nil
	})
	_, err := db.Pool.CopyFrom(context.Background(), pgx.Identifier{"phones"}, []string{"tenant_id", "account_id",
		"contact_id", "field", "position", "raw", "input", "override", "e164", "dial", "type", "extension", "status",
		"reasons", "suggestion", "rules_version", "profile_fingerprint"}, src)
	if err != nil {
		tb.Fatalf("copy phones: %v", err)
	}
	if _, err := db.Pool.Exec(context.Background(), `VACUUM ANALYZE phones`); err != nil {
		tb.Fatalf("vacuum: %v", err)
	}
}
