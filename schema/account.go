package schema

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

const accountColumns = `id, tenant_id, external_id, name, trade_name, tax_id, email, source, deleted_at, updated_at`

func scanAccount(row pgx.Row) (Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.TenantID, &a.ExternalID, &a.Name, &a.TradeName, &a.TaxID, &a.Email, &a.Source, &a.DeletedAt, &a.UpdatedAt)
	return a, err
}

// AccountByExternalID returns the tenant's account with the CRM id, deleted
// or not, or ENOTFOUND.
func (db *DB) AccountByExternalID(ctx context.Context, tenantID int64, externalID string) (Account, error) {
	a, err := scanAccount(db.Pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE tenant_id = $1 AND external_id = $2`, tenantID, externalID))
	if err == pgx.ErrNoRows {
		return Account{}, cti3cx.Errorf(cti3cx.ENOTFOUND, "account %q not found", externalID)
	}
	return a, dbError(err)
}

// CountAccounts counts the tenant's active (not soft-deleted) accounts.
func (db *DB) CountAccounts(ctx context.Context, tenantID int64) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE tenant_id = $1 AND deleted_at IS NULL`, tenantID).Scan(&n)
	return n, dbError(err)
}

// AccountPhones returns an account's phone index rows by field and position.
func (db *DB) AccountPhones(ctx context.Context, tenantID, accountID int64) ([]Phone, error) {
	return db.ownerPhones(ctx, tenantID, "account_id", accountID)
}

const phoneColumns = `id, tenant_id, account_id, contact_id, field, position, raw, input, override, e164, dial, type,
	extension, status, reasons, suggestion, rules_version, profile_fingerprint, checked_at, updated_at`

func (db *DB) ownerPhones(ctx context.Context, tenantID int64, ownerCol string, id int64) ([]Phone, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+phoneColumns+` FROM phones WHERE tenant_id = $1 AND `+ownerCol+` = $2
		ORDER BY array_position($3::text[], field), position`, tenantID, id, PhoneFields)
	if err != nil {
		return nil, dbError(err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Phone, error) {
		var p Phone
		err := r.Scan(&p.ID, &p.TenantID, &p.AccountID, &p.ContactID, &p.Field, &p.Position, &p.Raw, &p.Input, &p.Override,
			&p.E164, &p.Dial, &p.Type, &p.Extension, &p.Status, &p.Reasons, &p.Suggestion, &p.RulesVersion,
			&p.ProfileFingerprint, &p.CheckedAt, &p.UpdatedAt)
		return p, err
	})
	return ps, dbError(err)
}
