package report_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/loader/revalidate"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// Through the loader itself: import, a profile change, revalidation, the
// report, a staff fix and a new import of the same file, which keeps it.
func TestEndToEndThroughImport(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "", "")
	dir := t.TempDir()
	src := filepath.Join(dir, "contas.csv")
	csv := "external_id;name;telefone;celular\r\nA1;Acme Ltda;3333-4444;(20) 98765-4321\r\nA2;Beta SA;(47) 3222-1111;\r\n"
	if err := os.WriteFile(src, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loader.Import(ctx, db, tenant, loader.Options{File: src, Kind: "accounts", Logger: schematest.Logger(t)}); err != nil {
		t.Fatal(err)
	}
	invalid := rt.Count(t, db, `SELECT count(*) FROM phones WHERE tenant_id = $1 AND status = 'invalid'`, tenant.ID)
	if invalid != 2 {
		t.Fatalf("%d invalid phones after import, want 2", invalid)
	}
	tenant.DefaultDDD = "47"
	tenant, _ = db.UpdateTenant(ctx, tenant)
	run, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{})
	if err != nil || run.Checked != 3 || run.Fixed != 1 || run.StillInvalid != 1 {
		t.Fatalf("revalidation = %+v (%v), want 3 checked, 1 fixed, 1 still invalid", run, err)
	}
	path := filepath.Join(dir, "relatorio.xlsx")
	sum, err := report.Write(ctx, db, tenant, path, report.Options{Statuses: []string{"invalid"}})
	if err != nil || sum.Rows != 1 {
		t.Fatalf("report rows = %d (%v), want 1", sum.Rows, err)
	}
	fillXLSX(t, path, map[string]string{"(20) 98765-4321": "(21) 98765-4321"})
	fixes, err := report.ApplyFixes(ctx, db, tenant, path, report.FixOptions{})
	if err != nil || fixes.Applied != 1 {
		t.Fatalf("fixes = %+v (%v)", fixes, err)
	}
	if got := owner(t, db, tenant.ID, "+5521987654321"); got != "A1" {
		t.Fatalf("phone index after the fix: %q owns the number, want A1", got)
	}
	// The same source again: raw unchanged, so the override stays.
	if _, err := loader.Import(ctx, db, tenant, loader.Options{File: src, Kind: "accounts", Logger: schematest.Logger(t)}); err != nil {
		t.Fatal(err)
	}
	if got := owner(t, db, tenant.ID, "+5521987654321"); got != "A1" {
		t.Errorf("a re-import of the same file dropped the fix (owner %q)", got)
	}
}

// owner answers from the phone index as consult-phone does: by (tenant, E.164).
func owner(t *testing.T, db *schema.DB, tenantID int64, e164 string) string {
	t.Helper()
	var ids []string
	rows, err := db.Pool.Query(context.Background(), `SELECT a.external_id FROM phones p JOIN accounts a ON a.id = p.account_id
		WHERE p.tenant_id = $1 AND p.e164 = $2`, tenantID, e164)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, ",")
}
