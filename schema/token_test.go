package schema_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

func TestTokensAreStoredHashedAndRevocable(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	tenant, err := db.CreateTenant(ctx, schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	tok, secret, err := db.IssueToken(ctx, tenant.ID, "pbx", schema.RolePBX)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "c3x_") || len(secret) < 40 {
		t.Fatalf("secret %q: want a c3x_ prefixed 256-bit token", secret)
	}

	// Nothing in the table may hold the secret: only its SHA-256.
	var stored []byte
	var dump string
	if err := db.Pool.QueryRow(ctx, "SELECT hash, t::text FROM api_tokens t WHERE id = $1", tok.ID).Scan(&stored, &dump); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, schema.HashToken(secret)) {
		t.Fatalf("stored hash is not SHA-256 of the secret")
	}
	if strings.Contains(dump, secret) || strings.Contains(dump, strings.TrimPrefix(secret, "c3x_")) {
		t.Fatalf("the secret is stored in clear: %s", dump)
	}

	got, id, err := db.Authenticate(ctx, "acme", secret)
	if err != nil || got.ID != tenant.ID || id != tok.ID {
		t.Fatalf("Authenticate with a live token = %v, %d, %v", got.Slug, id, err)
	}
	if _, _, err := db.Authenticate(ctx, "acme", secret+"x"); cti3cx.ErrorCode(err) != cti3cx.EUNAUTHORIZED {
		t.Fatalf("Authenticate with a wrong token = %v, want EUNAUTHORIZED", err)
	}

	if err := db.RevokeToken(ctx, tenant.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Authenticate(ctx, "acme", secret); cti3cx.ErrorCode(err) != cti3cx.EUNAUTHORIZED {
		t.Fatalf("Authenticate with a revoked token = %v, want EUNAUTHORIZED", err)
	}
	toks, err := db.ListTokens(ctx, tenant.ID)
	if err != nil || len(toks) != 1 || toks[0].RevokedAt == nil {
		t.Fatalf("ListTokens after revoke = %+v, %v", toks, err)
	}

	used := time.Now().Truncate(time.Second)
	tok2, _, err := db.IssueToken(ctx, tenant.ID, "second", schema.RoleSync)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.TouchTokens(ctx, map[int64]time.Time{tok2.ID: used}); err != nil {
		t.Fatal(err)
	}
	toks, _ = db.ListTokens(ctx, tenant.ID)
	if toks[1].LastUsedAt == nil || !toks[1].LastUsedAt.Equal(used) {
		t.Fatalf("last used = %v, want %v", toks[1].LastUsedAt, used)
	}
	if toks[0].Role != schema.RolePBX || toks[1].Role != schema.RoleSync {
		t.Fatalf("roles = %q, %q; want pbx, sync", toks[0].Role, toks[1].Role)
	}
	creds, err := db.Credentials(ctx, "acme")
	if err != nil || len(creds.Tokens) != 1 || creds.Tokens[0].Role != schema.RoleSync || creds.Tokens[0].Label != "second" {
		t.Fatalf("Credentials = %+v, %v; want the live sync token labelled second", creds.Tokens, err)
	}
}

func TestTokenRoleDefaultsAndChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := schematest.New(t)
	tenant, err := db.CreateTenant(ctx, schema.Tenant{Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	// A token inserted as before roles existed is the PBX's.
	var role string
	err = db.Pool.QueryRow(ctx, `INSERT INTO api_tokens (tenant_id, label, hash) VALUES ($1, 'old', $2) RETURNING role`, tenant.ID, schema.HashToken("old")).Scan(&role)
	if err != nil || role != "pbx" {
		t.Fatalf("default role = %q, %v; want pbx", role, err)
	}
	if _, _, err := db.IssueToken(ctx, tenant.ID, "x", schema.Role("admin")); err == nil {
		t.Fatal("the database accepted the role admin")
	}
	for _, tt := range []struct {
		in   string
		want schema.Role
		ok   bool
	}{{"", schema.RolePBX, true}, {"pbx", schema.RolePBX, true}, {"sync", schema.RoleSync, true}, {"staff", schema.RoleStaff, true}, {"admin", "", false}, {"PBX", "", false}} {
		got, err := schema.ParseRole(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseRole(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && cti3cx.ErrorCode(err) != cti3cx.EINVALID {
			t.Errorf("ParseRole(%q) error code %s, want invalid", tt.in, cti3cx.ErrorCode(err))
		}
	}
}

func TestTenantsAreIsolated(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	a, err := db.CreateTenant(ctx, schema.Tenant{Slug: "alpha"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateTenant(ctx, schema.Tenant{Slug: "beta"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTenant(ctx, schema.Tenant{Slug: "alpha"}); cti3cx.ErrorCode(err) != cti3cx.ECONFLICT {
		t.Fatalf("duplicate slug = %v, want ECONFLICT", err)
	}
	_, secretA, _ := db.IssueToken(ctx, a.ID, "", schema.RolePBX)
	tokB, secretB, _ := db.IssueToken(ctx, b.ID, "", schema.RolePBX)

	// A token answers only for its own tenant, with the same error as an
	// unknown tenant so that callers learn nothing.
	_, _, crossErr := db.Authenticate(ctx, "beta", secretA)
	_, _, unknownErr := db.Authenticate(ctx, "gamma", secretA)
	if cti3cx.ErrorCode(crossErr) != cti3cx.EUNAUTHORIZED || crossErr.Error() != unknownErr.Error() {
		t.Fatalf("other tenant's token: %v; unknown tenant: %v", crossErr, unknownErr)
	}
	if err := db.RevokeToken(ctx, a.ID, tokB.ID); cti3cx.ErrorCode(err) != cti3cx.ENOTFOUND {
		t.Fatalf("revoking another tenant's token = %v, want ENOTFOUND", err)
	}
	if _, _, err := db.Authenticate(ctx, "beta", secretB); err != nil {
		t.Fatalf("beta's token stopped working after alpha tried to revoke it: %v", err)
	}

	// Identical external ids and numbers live side by side, one per tenant.
	for _, tid := range []int64{a.ID, b.ID} {
		var contactID int64
		err := db.Pool.QueryRow(ctx, `INSERT INTO contacts (tenant_id, external_id, first_name) VALUES ($1, 'C-1', 'same') RETURNING id`, tid).Scan(&contactID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Pool.Exec(ctx, `INSERT INTO phones (tenant_id, contact_id, field, raw, e164, status) VALUES ($1, $2, 'mobilephone', '47 99988-7766', '+5547999887766', 'ok')`, tid, contactID)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO contacts (tenant_id, external_id) VALUES ($1, 'C-1')`, a.ID); err == nil {
		t.Fatal("a second C-1 in the same tenant was accepted")
	}
	toks, err := db.ListTokens(ctx, a.ID)
	if err != nil || len(toks) != 1 || toks[0].TenantID != a.ID {
		t.Fatalf("ListTokens(alpha) = %+v, %v", toks, err)
	}
}

// Credentials is one query: a tenant with no live token is found with none,
// an unknown slug is ENOTFOUND, revoked tokens are left out.
func TestCredentialsOneQuery(t *testing.T) {
	t.Parallel()
	db := schematest.New(t)
	ctx := context.Background()
	ten, err := db.CreateTenant(ctx, schema.Tenant{Slug: "lonely", DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.Credentials(ctx, "lonely"); err != nil || c.Tenant.ID != ten.ID || len(c.Tokens) != 0 {
		t.Errorf("no tokens: %+v %v", c, err)
	}
	a, _, err := db.IssueToken(ctx, ten.ID, "pbx", schema.RolePBX)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := db.IssueToken(ctx, ten.ID, "maria", schema.RoleStaff)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, ten.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	c, err := db.Credentials(ctx, "lonely")
	if err != nil || c.Tenant.Slug != "lonely" || c.Tenant.DefaultDDD != "47" || len(c.Tokens) != 1 ||
		c.Tokens[0].ID != b.ID || c.Tokens[0].Role != schema.RoleStaff || c.Tokens[0].Label != "maria" || len(c.Tokens[0].Hash) != 32 {
		t.Errorf("one live token: %+v %v", c, err)
	}
	if _, err := db.Credentials(ctx, "nobody"); cti3cx.ErrorCode(err) != cti3cx.ENOTFOUND {
		t.Errorf("unknown slug: %v", err)
	}
}
