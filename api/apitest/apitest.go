// Package apitest seeds test databases for the API's tests and benchmarks
// with plain SQL: accounts, contacts and phone-index rows as the loader
// stores them (e164, dial in the tenant's format, status).
package apitest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Tenant is a seeded tenant and a live token's secret.
type Tenant struct {
	schema.Tenant
	Token   string
	TokenID int64
	db      *schema.DB
	profile normalize.Profile
}

// NewTenant creates a tenant (DDD and dial format from t) with one pbx token.
func NewTenant(tb testing.TB, db *schema.DB, t schema.Tenant) *Tenant {
	tb.Helper()
	ctx := context.Background()
	created, err := db.CreateTenant(ctx, t)
	if err != nil {
		tb.Fatalf("apitest: create tenant %s: %v", t.Slug, err)
	}
	tok, secret, err := db.IssueToken(ctx, created.ID, "test", schema.RolePBX)
	if err != nil {
		tb.Fatalf("apitest: issue token: %v", err)
	}
	p, err := normalize.NewProfile(created.DefaultDDD, created.DialFormat)
	if err != nil {
		tb.Fatalf("apitest: profile: %v", err)
	}
	return &Tenant{Tenant: created, Token: secret, TokenID: tok.ID, db: db, profile: p}
}

// IssueToken issues another token of the tenant with the given role and
// returns its secret.
func (t *Tenant) IssueToken(tb testing.TB, label string, role schema.Role) string {
	tb.Helper()
	_, secret, err := t.db.IssueToken(context.Background(), t.ID, label, role)
	if err != nil {
		tb.Fatalf("apitest: issue %s token: %v", role, err)
	}
	return secret
}

func (t *Tenant) id(tb testing.TB, sql string, args ...any) int64 {
	tb.Helper()
	var id int64
	if err := t.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		tb.Fatalf("apitest: %v", err)
	}
	return id
}

// Account inserts an account and returns its id.
func (t *Tenant) Account(tb testing.TB, externalID, name, tradeName, email string) int64 {
	tb.Helper()
	return t.id(tb, `INSERT INTO accounts (tenant_id, external_id, name, trade_name, email)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, t.ID, externalID, name, tradeName, email)
}

// Contact inserts a contact, linked to accountID when not nil.
func (t *Tenant) Contact(tb testing.TB, externalID, first, last, email string, accountID *int64, company string) int64 {
	tb.Helper()
	accExt := ""
	if accountID != nil {
		accExt = fmt.Sprint(*accountID)
	}
	return t.id(tb, `INSERT INTO contacts (tenant_id, external_id, first_name, last_name, email, account_id, account_external_id, company)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, t.ID, externalID, first, last, email, accountID, accExt, company)
}

// ContactPhone indexes a valid number (E.164) in a contact's field.
func (t *Tenant) ContactPhone(tb testing.TB, contactID int64, field string, position int, e164 string) int64 {
	tb.Helper()
	return t.phone(tb, &contactID, nil, field, position, e164)
}

// AccountPhone indexes a valid number (E.164) in an account's field.
func (t *Tenant) AccountPhone(tb testing.TB, accountID int64, field string, position int, e164 string) int64 {
	tb.Helper()
	return t.phone(tb, nil, &accountID, field, position, e164)
}

func (t *Tenant) phone(tb testing.TB, contactID, accountID *int64, field string, position int, e164 string) int64 {
	tb.Helper()
	return t.id(tb, `INSERT INTO phones (tenant_id, contact_id, account_id, field, position, raw, input, e164, dial, type, status, profile_fingerprint)
		VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7, 'mobile', 'ok', $8) RETURNING id`,
		t.ID, contactID, accountID, field, position, e164, t.profile.DialString(e164), t.profile.Fingerprint())
}

// SoftDelete marks a contact deleted, as an import in sync mode does.
func (t *Tenant) SoftDelete(tb testing.TB, contactID int64) {
	tb.Helper()
	if _, err := t.db.Pool.Exec(context.Background(), `UPDATE contacts SET deleted_at = now() WHERE tenant_id = $1 AND id = $2`, t.ID, contactID); err != nil {
		tb.Fatal(err)
	}
}

// Bulk adds n contacts, each with one mobile, numbered from start, with
// CopyFrom: the size a benchmark needs in seconds. Contact i is "B-<i>" and
// its number BulkNumber(i).
func (t *Tenant) Bulk(tb testing.TB, start, n int) {
	tb.Helper()
	ctx := context.Background()
	err := t.db.InTx(ctx, func(tx pgx.Tx) error {
		rows := make([][]any, 0, n)
		for i := start; i < start+n; i++ {
			rows = append(rows, []any{t.ID, fmt.Sprintf("B-%d", i), "Bulk", fmt.Sprint(i)})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"tenant_id", "external_id", "first_name", "last_name"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO phones (tenant_id, contact_id, field, raw, input, e164, dial, type, status)
			SELECT $1, c.id, 'mobilephone', '', '', e.e164, '', 'mobile', 'ok'
			FROM contacts c, LATERAL (SELECT '+55479' || lpad(substr(c.external_id, 3), 8, '0') AS e164) e
			WHERE c.tenant_id = $1 AND c.external_id LIKE 'B-%' AND substr(c.external_id, 3)::bigint >= $2 AND substr(c.external_id, 3)::bigint < $3`,
			t.ID, start, start+n)
		return err
	})
	if err != nil {
		tb.Fatalf("apitest: bulk: %v", err)
	}
	for _, table := range []string{"contacts", "phones"} {
		if _, err := t.db.Pool.Exec(ctx, "ANALYZE "+table); err != nil {
			tb.Fatal(err)
		}
	}
}

// BulkNumber is the E.164 of Bulk's contact i.
func BulkNumber(i int) string {
	return fmt.Sprintf("+55479%08d", i)
}
