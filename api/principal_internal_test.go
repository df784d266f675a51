package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// A handler behind withTenant learns who called: the tenant, the token and
// its role and label (staff labels name the person in audit rows).
func TestPrincipalReachesTheHandler(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := schematest.New(t)
	tn, err := db.CreateTenant(ctx, schema.Tenant{Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	tok, secret, err := db.IssueToken(ctx, tn.ID, "Maria (atendimento)", schema.RoleStaff)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(Deps{DB: db, AuthTTL: -1, TouchInterval: -1})
	defer s.Close(ctx)

	var got Principal
	var ok bool
	h := s.withTenant(func(w http.ResponseWriter, r *http.Request, _ *tenantEntry) {
		got, ok = principalFrom(r.Context())
	}, schema.RoleStaff)
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set(HeaderTenant, "acme")
	req.Header.Set(HeaderToken, secret)
	h(httptest.NewRecorder(), req)

	want := Principal{TenantID: tn.ID, TokenID: tok.ID, Label: "Maria (atendimento)", Role: schema.RoleStaff}
	if !ok || got != want {
		t.Fatalf("principal %+v (ok %v), want %+v", got, ok, want)
	}
	if _, ok := principalFrom(ctx); ok {
		t.Fatal("a principal outside withTenant")
	}
}
