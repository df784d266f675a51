package schema

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// Session is a staff member signed in to the review page with a staff
// token. It belongs to the token's tenant and names the token's label, which
// audit rows record as the actor.
type Session struct {
	ID        int64
	TokenID   int64
	Label     string
	CSRF      string
	ExpiresAt time.Time
	Tenant    Tenant
}

// ErrNoSession is the one answer to a missing, unknown, expired, ended or
// revoked session: the page signs the browser in again.
var ErrNoSession = &cti3cx.Error{Code: cti3cx.EUNAUTHORIZED, Message: "not signed in"}

func randomSecret() (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// CreateSession opens a session for the tenant's live staff token, valid
// for ttl, and returns it with the secret the cookie carries (stored only as
// its hash). It also removes sessions that ended or expired a day ago or
// more, so that the table holds about a day of sign-ins.
func (db *DB) CreateSession(ctx context.Context, tenantID, tokenID int64, ttl time.Duration) (Session, string, error) {
	secret, err := randomSecret()
	if err != nil {
		return Session{}, "", err
	}
	csrf, err := randomSecret()
	if err != nil {
		return Session{}, "", err
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM review_sessions
		WHERE expires_at < now() - interval '1 day' OR ended_at < now() - interval '1 day'`); err != nil {
		return Session{}, "", dbError(err)
	}
	var id int64
	err = db.Pool.QueryRow(ctx, `
		INSERT INTO review_sessions (tenant_id, token_id, hash, csrf, expires_at)
		SELECT t.tenant_id, t.id, $3, $4, now() + $5::interval
		FROM api_tokens t
		WHERE t.tenant_id = $1 AND t.id = $2 AND t.revoked_at IS NULL AND t.role = 'staff'
		RETURNING id`, tenantID, tokenID, HashToken(secret), csrf, ttl).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, "", ErrNoSession
	}
	if err != nil {
		return Session{}, "", dbError(err)
	}
	s, err := db.SessionBySecret(ctx, secret)
	return s, secret, err
}

// SessionBySecret returns the live session whose cookie secret this is:
// not expired, not ended, its token neither revoked nor of another role.
// Anything else is ErrNoSession. It is checked on every request, so that
// revoking the token ends the session at once.
func (db *DB) SessionBySecret(ctx context.Context, secret string) (Session, error) {
	var s Session
	var settings []byte
	t := &s.Tenant
	err := db.Pool.QueryRow(ctx, `
		SELECT s.id, s.token_id, k.label, s.csrf, s.expires_at,
			tn.id, tn.slug, tn.name, tn.default_ddd, tn.dial_format, tn.contact_url, tn.settings,
			tn.created_at, tn.updated_at
		FROM review_sessions s
		JOIN api_tokens k ON k.id = s.token_id AND k.tenant_id = s.tenant_id
		JOIN tenants tn ON tn.id = s.tenant_id
		WHERE s.hash = $1 AND s.ended_at IS NULL AND s.expires_at > now()
			AND k.revoked_at IS NULL AND k.role = 'staff'`, HashToken(secret)).
		Scan(&s.ID, &s.TokenID, &s.Label, &s.CSRF, &s.ExpiresAt,
			&t.ID, &t.Slug, &t.Name, &t.DefaultDDD, &t.DialFormat, &t.ContactURL, &settings, &t.CreatedAt, &t.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, dbError(err)
	}
	if err := json.Unmarshal(settings, &t.Settings); err != nil {
		return Session{}, err
	}
	return s, nil
}

// EndSession signs a session out; ending it twice is harmless.
func (db *DB) EndSession(ctx context.Context, tenantID, id int64) error {
	_, err := db.Pool.Exec(ctx, `UPDATE review_sessions SET ended_at = coalesce(ended_at, now())
		WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return dbError(err)
}
