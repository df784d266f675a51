package schema

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// tokenPrefix marks cti3cx secrets so that secret scanners and people can
// recognise a leaked one.
const tokenPrefix = "c3x_"

// Role is what a token may do. Each endpoint accepts the roles it names, so
// a leaked PBX token cannot read the customer base.
type Role string

// The roles: the PBX's (consult-phone, end-call), the CRM sync's (the changes
// feed) and CRM staff's (the review page).
const (
	RolePBX   Role = "pbx"
	RoleSync  Role = "sync"
	RoleStaff Role = "staff"
)

// ParseRole reads a role as typed on the command line; empty is pbx, the
// role every token had before roles existed.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case "":
		return RolePBX, nil
	case RolePBX, RoleSync, RoleStaff:
		return r, nil
	}
	return "", cti3cx.Errorf(cti3cx.EINVALID, "unknown role %q: want pbx, sync or staff", s)
}

// Token is an API token as stored: never the secret, only its hash.
type Token struct {
	ID         int64
	TenantID   int64
	Label      string
	Role       Role
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// HashToken is how a secret is stored and compared.
func HashToken(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// IssueToken creates a token for the tenant and returns it with its secret,
// which is shown once and never stored.
func (db *DB) IssueToken(ctx context.Context, tenantID int64, label string, role Role) (Token, string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Token{}, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	t := Token{TenantID: tenantID, Label: label, Role: role}
	err := db.Pool.QueryRow(ctx, `
		INSERT INTO api_tokens (tenant_id, label, hash, role) VALUES ($1, $2, $3, $4)
		RETURNING id, created_at`, tenantID, label, HashToken(secret), role).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return Token{}, "", dbError(err)
	}
	return t, secret, nil
}

// ListTokens returns the tenant's tokens, revoked ones included.
func (db *DB) ListTokens(ctx context.Context, tenantID int64) ([]Token, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT id, tenant_id, label, role, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, dbError(err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		err := r.Scan(&t.ID, &t.TenantID, &t.Label, &t.Role, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
		return t, err
	})
	return ts, dbError(err)
}

// RevokeToken revokes one of the tenant's tokens. A token of another tenant
// is ENOTFOUND, as is an unknown id; revoking twice is harmless.
func (db *DB) RevokeToken(ctx context.Context, tenantID, id int64) error {
	tag, err := db.Pool.Exec(ctx, `
		UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
		WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return dbError(err)
	}
	if tag.RowsAffected() == 0 {
		return cti3cx.Errorf(cti3cx.ENOTFOUND, "token %d not found", id)
	}
	return nil
}

// TenantCredentials is a tenant with the hashes of its live tokens: what
// the API keeps in memory to authenticate requests without a query each.
type TenantCredentials struct {
	Tenant Tenant
	Tokens []TokenHash
}

// TokenHash is a live token's id, stored hash, role and label (the label
// names a staff member in audit rows).
type TokenHash struct {
	ID    int64
	Hash  []byte
	Role  Role
	Label string
}

// Credentials loads the tenant and its live tokens in one query, ENOTFOUND
// for an unknown slug. So that timing does not tell an unknown tenant from
// a known one, the query answers one row either way and does the same work:
// for an unknown slug it reads a decoy tenant's tokens (the first tenant's),
// decoded like any and then blanked (id 0, a zero hash) so that they match
// nothing but still cost Match the same comparisons.
func (db *DB) Credentials(ctx context.Context, slug string) (TenantCredentials, error) {
	var ids []int64
	var hashes [][]byte
	var roles, labels []string
	t, err := scanTenant(extraScan{db.Pool.QueryRow(ctx, `
		SELECT coalesce(t.id, 0), coalesce(t.slug, $1), coalesce(t.name, ''), coalesce(t.default_ddd, ''),
			coalesce(t.dial_format, ''), coalesce(t.contact_url, ''), coalesce(t.settings, '{}'),
			coalesce(t.created_at, now()), coalesce(t.updated_at, now()),
			coalesce(k.ids, '{}'), coalesce(k.hashes, '{}'), coalesce(k.roles, '{}'), coalesce(k.labels, '{}')
		FROM (SELECT min(id) AS decoy FROM tenants) d
		LEFT JOIN tenants t ON t.slug = $1
		LEFT JOIN LATERAL (
			SELECT array_agg(id ORDER BY id) AS ids, array_agg(hash ORDER BY id) AS hashes,
				array_agg(role ORDER BY id) AS roles, array_agg(label ORDER BY id) AS labels
			FROM api_tokens
			WHERE tenant_id = coalesce(t.id, d.decoy) AND revoked_at IS NULL
		) k ON true`, slug), []any{&ids, &hashes, &roles, &labels}})
	if err != nil {
		return TenantCredentials{}, dbError(err)
	}
	creds := TenantCredentials{Tenant: t, Tokens: make([]TokenHash, len(ids))}
	for i := range ids {
		creds.Tokens[i] = TokenHash{ID: ids[i], Hash: hashes[i], Role: Role(roles[i]), Label: labels[i]}
	}
	if t.ID == 0 {
		decoys := make([]TokenHash, len(creds.Tokens))
		for i := range decoys {
			decoys[i].Hash = decoyHash
		}
		return TenantCredentials{Tokens: decoys}, cti3cx.Errorf(cti3cx.ENOTFOUND, "tenant %q not found", slug)
	}
	return creds, nil
}

// extraScan scans a row whose leading columns are read by another scanner
// (scanTenant) and whose trailing ones go to extra.
type extraScan struct {
	row   pgx.Row
	extra []any
}

func (x extraScan) Scan(dest ...any) error { return x.row.Scan(append(dest, x.extra...)...) }

// minCompares is how many hashes Match compares at least: an unknown
// tenant (no token) and a tenant with a few tokens take as long.
const minCompares = 4

var decoyHash = make([]byte, 32)

// Match returns the live token whose hash equals the secret's, comparing
// every token in constant time, and decoys up to minCompares, so that
// timing tells nothing about the tokens or the tenant's existence.
func (c TenantCredentials) Match(secret string) (TokenHash, bool) {
	h := HashToken(secret)
	var found TokenHash
	for i := range max(len(c.Tokens), minCompares) {
		if i >= len(c.Tokens) {
			subtle.ConstantTimeCompare(h, decoyHash)
			continue
		}
		if subtle.ConstantTimeCompare(h, c.Tokens[i].Hash) == 1 {
			found = c.Tokens[i]
		}
	}
	return found, found.ID != 0
}

// Authenticate returns the tenant whose live token is secret. Any failure,
// unknown tenant included, is the same EUNAUTHORIZED error, so that callers
// learn nothing about which tenants exist.
func (db *DB) Authenticate(ctx context.Context, slug, secret string) (Tenant, int64, error) {
	creds, err := db.Credentials(ctx, slug)
	if err != nil && cti3cx.ErrorCode(err) != cti3cx.ENOTFOUND {
		return Tenant{}, 0, err
	}
	tok, ok := creds.Match(secret)
	if !ok {
		return Tenant{}, 0, ErrUnauthorized
	}
	return creds.Tenant, tok.ID, nil
}

// ErrUnauthorized is the one answer to a bad token or tenant.
var ErrUnauthorized = &cti3cx.Error{Code: cti3cx.EUNAUTHORIZED, Message: "invalid token_crm or tenant"}

// TouchTokens records when tokens were last used. The API batches these off
// the request path.
func (db *DB) TouchTokens(ctx context.Context, used map[int64]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for id, at := range used {
		batch.Queue(`UPDATE api_tokens SET last_used_at = greatest(coalesce(last_used_at, $2), $2) WHERE id = $1`, id, at)
	}
	return dbError(db.Pool.SendBatch(ctx, batch).Close())
}
