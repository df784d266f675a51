package schema

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// Tenant is one customer: its CRM data, tokens and phone profile.
type Tenant struct {
	ID         int64
	Slug       string
	Name       string
	DefaultDDD string // "" when the tenant has none
	DialFormat string // normalize preset name or template; "" is the default preset
	ContactURL string // template for the url field; "" leaves it empty, as the seed does
	Settings   TenantSettings
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TenantSettings are the per-tenant options kept as JSON, so that adding
// one needs no migration.
type TenantSettings struct {
	// PlaceholderUnknown makes consult-phone answer unknown callers with a
	// placeholder contact named from the number, so their calls are journaled.
	PlaceholderUnknown bool `json:"placeholder_unknown,omitempty"`
	// UnknownURL is the placeholder's url, {number} the caller's number
	// (e.g. a "new contact" form); empty leaves the url empty, since no
	// record exists to link to.
	UnknownURL string `json:"unknown_url,omitempty"`
	// Feed is the JSON feed the worker polls for this tenant, if any.
	Feed *FeedSettings `json:"feed,omitempty"`
}

// FeedSettings configure the worker's periodic import of a JSON feed.
type FeedSettings struct {
	URL      string `json:"url"`
	Kind     string `json:"kind"`                // accounts or contacts
	TokenEnv string `json:"token_env,omitempty"` // environment variable holding the bearer token
	Schedule string `json:"schedule,omitempty"`  // cron spec; the worker's default when empty
}

const tenantColumns = `id, slug, name, default_ddd, dial_format, contact_url, settings, created_at, updated_at`

func scanTenant(row pgx.Row) (Tenant, error) {
	var t Tenant
	var settings []byte
	err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.DefaultDDD, &t.DialFormat, &t.ContactURL, &settings, &t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return Tenant{}, err
	}
	if err := json.Unmarshal(settings, &t.Settings); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

// CreateTenant inserts t and returns it as stored. A taken slug is ECONFLICT.
func (db *DB) CreateTenant(ctx context.Context, t Tenant) (Tenant, error) {
	settings, err := json.Marshal(t.Settings)
	if err != nil {
		return Tenant{}, err
	}
	row := db.Pool.QueryRow(ctx, `
		INSERT INTO tenants (slug, name, default_ddd, dial_format, contact_url, settings)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+tenantColumns,
		t.Slug, t.Name, t.DefaultDDD, t.DialFormat, t.ContactURL, settings)
	created, err := scanTenant(row)
	if cti3cx.ErrorCode(dbError(err)) == cti3cx.ECONFLICT {
		return Tenant{}, cti3cx.Errorf(cti3cx.ECONFLICT, "tenant %q already exists", t.Slug)
	}
	return created, dbError(err)
}

// TenantBySlug returns the tenant, or ENOTFOUND.
func (db *DB) TenantBySlug(ctx context.Context, slug string) (Tenant, error) {
	t, err := scanTenant(db.Pool.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = $1`, slug))
	if err == pgx.ErrNoRows {
		return Tenant{}, cti3cx.Errorf(cti3cx.ENOTFOUND, "tenant %q not found", slug)
	}
	return t, dbError(err)
}

// ListTenants returns every tenant by slug.
func (db *DB) ListTenants(ctx context.Context) ([]Tenant, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY slug`)
	if err != nil {
		return nil, dbError(err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tenant, error) { return scanTenant(r) })
	return ts, dbError(err)
}

// UpdateTenant stores every field of t but its id, slug and timestamps.
func (db *DB) UpdateTenant(ctx context.Context, t Tenant) (Tenant, error) {
	settings, err := json.Marshal(t.Settings)
	if err != nil {
		return Tenant{}, err
	}
	updated, err := scanTenant(db.Pool.QueryRow(ctx, `
		UPDATE tenants SET name = $2, default_ddd = $3, dial_format = $4, contact_url = $5,
			settings = $6, updated_at = now()
		WHERE id = $1
		RETURNING `+tenantColumns,
		t.ID, t.Name, t.DefaultDDD, t.DialFormat, t.ContactURL, settings))
	if err == pgx.ErrNoRows {
		return Tenant{}, cti3cx.Errorf(cti3cx.ENOTFOUND, "tenant %q not found", t.Slug)
	}
	return updated, dbError(err)
}
