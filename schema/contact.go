package schema

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

const contactColumns = `id, tenant_id, external_id, first_name, last_name, email, account_external_id, account_id,
	company, source, deleted_at, updated_at`

func scanContact(row pgx.Row) (Contact, error) {
	var c Contact
	err := row.Scan(&c.ID, &c.TenantID, &c.ExternalID, &c.FirstName, &c.LastName, &c.Email, &c.AccountExternalID,
		&c.AccountID, &c.Company, &c.Source, &c.DeletedAt, &c.UpdatedAt)
	return c, err
}

// ContactByExternalID returns the tenant's contact with the CRM id, deleted
// or not, or ENOTFOUND.
func (db *DB) ContactByExternalID(ctx context.Context, tenantID int64, externalID string) (Contact, error) {
	c, err := scanContact(db.Pool.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE tenant_id = $1 AND external_id = $2`, tenantID, externalID))
	if err == pgx.ErrNoRows {
		return Contact{}, cti3cx.Errorf(cti3cx.ENOTFOUND, "contact %q not found", externalID)
	}
	return c, dbError(err)
}

// CountContacts counts the tenant's active (not soft-deleted) contacts.
func (db *DB) CountContacts(ctx context.Context, tenantID int64) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE tenant_id = $1 AND deleted_at IS NULL`, tenantID).Scan(&n)
	return n, dbError(err)
}

// ContactPhones returns a contact's phone index rows by field and position.
func (db *DB) ContactPhones(ctx context.Context, tenantID, contactID int64) ([]Phone, error) {
	return db.ownerPhones(ctx, tenantID, "contact_id", contactID)
}
