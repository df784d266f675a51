package schema_test

import (
	"context"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// A session lives while it is neither expired nor ended and its token is a
// live staff token; every other case is the one ErrNoSession.
func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := schematest.New(t)
	acme, err := db.CreateTenant(ctx, schema.Tenant{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	beta, err := db.CreateTenant(ctx, schema.Tenant{Slug: "beta"})
	if err != nil {
		t.Fatal(err)
	}
	staff, _, err := db.IssueToken(ctx, acme.ID, "Maria", schema.RoleStaff)
	if err != nil {
		t.Fatal(err)
	}
	pbx, _, err := db.IssueToken(ctx, acme.ID, "3cx", schema.RolePBX)
	if err != nil {
		t.Fatal(err)
	}
	s, secret, err := db.CreateSession(ctx, acme.ID, staff.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.SessionBySecret(ctx, secret)
	if err != nil || got.ID != s.ID || got.Label != "Maria" || got.Tenant.Slug != "acme" || got.CSRF == "" || got.CSRF == secret {
		t.Fatalf("live session: %+v %v", got, err)
	}
	var stored []byte
	if err := db.Pool.QueryRow(ctx, `SELECT hash FROM review_sessions WHERE id = $1`, s.ID).Scan(&stored); err != nil || string(stored) == secret {
		t.Fatalf("the secret is stored as is (%v)", err)
	}
	gone := func(what, secret string) {
		t.Helper()
		if _, err := db.SessionBySecret(ctx, secret); err != schema.ErrNoSession {
			t.Errorf("%s: %v, want ErrNoSession", what, err)
		}
	}
	gone("unknown secret", "nope")
	for name, tc := range map[string]struct{ tenant, token int64 }{
		"a pbx token":            {acme.ID, pbx.ID},
		"another tenant's token": {beta.ID, staff.ID},
	} {
		if _, _, err := db.CreateSession(ctx, tc.tenant, tc.token, time.Hour); cti3cx.ErrorCode(err) != cti3cx.EUNAUTHORIZED {
			t.Errorf("session for %s: %v", name, err)
		}
	}
	old, short, err := db.CreateSession(ctx, acme.ID, staff.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE review_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	gone("expired", short)
	_, ended, err := db.CreateSession(ctx, acme.ID, staff.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := db.SessionBySecret(ctx, ended)
	if err := db.EndSession(ctx, beta.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionBySecret(ctx, ended); err != nil {
		t.Errorf("another tenant ended the session: %v", err)
	}
	if err := db.EndSession(ctx, acme.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	gone("ended", ended)
	if err := db.RevokeToken(ctx, acme.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	gone("revoked token", secret)
}
