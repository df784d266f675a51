package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

// fill writes corrigir_para into an XLSX report for the rows whose
// valor_armazenado is a key of fixes, the way staff do in Excel.
func fillXLSX(t *testing.T, path string, fixes map[string]string) {
	t.Helper()
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	filled := 0
	for _, s := range x.GetSheetList()[1:] {
		rows, err := x.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows[1:] {
			if fix, ok := fixes[r[5]]; ok {
				if err := x.SetCellStr(s, "G"+itoa(i+2), fix); err != nil {
					t.Fatal(err)
				}
				filled++
			}
		}
	}
	if filled != len(fixes) {
		t.Fatalf("filled %d rows, want %d", filled, len(fixes))
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
}

// consult asks the API what consult-phone answers for number, as 3CX would.
func consult(t *testing.T, srv *httptest.Server, tenant, token, number string) api.ConsultResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/cti3cx/consult-phone/"+number, nil)
	req.Header.Set(api.HeaderTenant, tenant)
	req.Header.Set(api.HeaderToken, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out api.ConsultResponse
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func readResults(t *testing.T, path string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	var rows [][]string
	if strings.HasSuffix(path, ".xlsx") {
		x, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if rows, err = x.GetRows("Resultado"); err != nil {
			t.Fatal(err)
		}
	} else {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
		r.Comma = ';'
		if rows, err = r.ReadAll(); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows[1:] {
		for i := range r {
			r[i] = office.Restore(r[i])
		}
		out[r[7]] = r // by valor_armazenado
	}
	return out
}

func TestFixRoundTripXLSX(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, token, err := f.db.IssueToken(ctx, f.tenant.ID, "3cx", schema.RolePBX)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Deps{DB: f.db, AuthTTL: -1}))
	defer srv.Close()
	if got := consult(t, srv, "acme", token, "004733334444"); len(got.Contact) != 0 {
		t.Fatalf("before the fix consult-phone found %+v", got.Contact)
	}

	path := filepath.Join(t.TempDir(), "relatorio.xlsx")
	if _, err := report.Write(ctx, f.db, f.tenant, path, report.Options{}); err != nil {
		t.Fatal(err)
	}
	fillXLSX(t, path, map[string]string{
		"(20) 3333-4444": "(47) 3333-4444",   // good
		"3333-4444":      "3333",             // too short
		"não tem":        "(11) 98765-4321",  // good, but the source changes first
		"(47) 8765-4321": "11 3333-4444 / 5", // two numbers
	})
	// The CRM sends a new value for Ana's mobile before the fixes come back.
	if _, err := f.db.Pool.Exec(ctx, `UPDATE phones SET raw = '(11) 91234-5678', override = NULL WHERE id = $1`, f.ids["não tem"]); err != nil {
		t.Fatal(err)
	}

	// A dry run validates and writes the result, and changes nothing.
	dry, err := report.ApplyFixes(ctx, f.db, f.tenant, path, report.FixOptions{DryRun: true, Out: filepath.Join(t.TempDir(), "dry.xlsx")})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Applied != 1 || dry.Rejected != 3 || dry.Stale != 1 {
		t.Errorf("dry run = %d applied, %d rejected, %d stale; want 1, 3, 1", dry.Applied, dry.Rejected, dry.Stale)
	}
	if s := f.statusOf(t, "(20) 3333-4444"); s.Override != nil || s.Status != "invalid" {
		t.Fatalf("dry run changed the phone: %v", s)
	}

	sum, err := report.ApplyFixes(ctx, f.db, f.tenant, path, report.FixOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Applied != 1 || sum.Rejected != 3 || sum.Stale != 1 {
		t.Errorf("apply = %d applied, %d rejected, %d stale; want 1, 3, 1", sum.Applied, sum.Rejected, sum.Stale)
	}
	if want := filepath.Join(filepath.Dir(path), "relatorio.resultado.xlsx"); sum.ResultPath != want {
		t.Errorf("result path = %s, want %s", sum.ResultPath, want)
	}
	results := readResults(t, sum.ResultPath)
	checks := []struct{ value, outcome, reason string }{
		{"(20) 3333-4444", "aplicado", ""},
		{"3333-4444", "rejeitado", "número inválido"},
		{"não tem", "rejeitado", "desatualizado"},
		{"(47) 8765-4321", "rejeitado", "único número"},
	}
	for _, c := range checks {
		r := results[c.value]
		if len(r) < 11 || r[9] != c.outcome || !strings.Contains(r[10], c.reason) {
			t.Errorf("result for %q = %q, want %s (%s)", c.value, r, c.outcome, c.reason)
		}
	}

	// The fix is an override: the source's raw value stays, the fields follow the fix.
	s := f.statusOf(t, "(20) 3333-4444")
	if s.Raw != "(20) 3333-4444" || s.Override == nil || *s.Override != "(47) 3333-4444" || s.Status != "ok" || s.E164 != "+554733334444" {
		t.Errorf("fixed phone = %v override %v", s, s.Override)
	}
	var actor, before, after string
	err = f.db.Pool.QueryRow(ctx, `SELECT actor, before->>'status', after->>'e164' FROM phone_changes WHERE phone_id = $1`,
		f.ids["(20) 3333-4444"]).Scan(&actor, &before, &after)
	if err != nil || actor != "fix:relatorio.xlsx" || before != "invalid" || after != "+554733334444" {
		t.Errorf("audit = %s %s->%s (%v)", actor, before, after, err)
	}
	if s := f.statusOf(t, "3333-4444"); s.Override != nil {
		t.Errorf("rejected fix stored: %v", s)
	}

	// consult-phone answers the fixed number at once.
	got := consult(t, srv, "acme", token, "004733334444")
	if len(got.Contact) != 1 || got.Contact[0].Company == "" || got.Contact[0].BusinessPhone != "004733334444" {
		t.Errorf("consult-phone after the fix = %+v", got.Contact)
	}

	// The fixed phone leaves the next report (the changed one stays until the
	// loader reads it again); the same file again is stale.
	again, err := report.ApplyFixes(ctx, f.db, f.tenant, path, report.FixOptions{})
	if err != nil || again.Applied != 0 || again.Stale != 2 {
		t.Errorf("second apply = %+v (%v), want nothing applied and 2 stale", again, err)
	}
	next, err := report.Write(ctx, f.db, f.tenant, filepath.Join(t.TempDir(), "next.csv"), report.Options{})
	if err != nil || next.Rows != len(reported)-1 {
		t.Errorf("next report has %d rows (%v), want %d", next.Rows, err, len(reported)-1)
	}
}

// Staff may save the CSV again from Excel: Windows-1252, no BOM, ';'.
// Another tenant's ref is refused as if the phone did not exist.
func TestFixRoundTripCSV(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "relatorio.csv")
	if _, err := report.Write(ctx, f.db, f.tenant, path, report.Options{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var otherRef string
	var otherID int64
	if err := f.db.Pool.QueryRow(ctx, `SELECT p.id FROM phones p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'other'`).Scan(&otherID); err != nil {
		t.Fatal(err)
	}
	otherRef = report.Ref(otherID, "999", nil)
	for _, row := range rows[1:] {
		switch office.Restore(row[5]) {
		case "3333-4444":
			row[6] = "47 3333-4444"
		case "não tem":
			row[6] = "(47) 99988-7766"
			row[10] = otherRef // tampered: points at another tenant's phone
		}
	}
	var out bytes.Buffer
	// Excel writes "?" for what Windows-1252 lacks (the arrow of a suggestion).
	w := csv.NewWriter(encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()).Writer(&out))
	w.Comma = ';'
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	resaved := filepath.Join(dir, "devolvido.csv")
	if err := os.WriteFile(resaved, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := report.ApplyFixes(ctx, f.db, f.tenant, resaved, report.FixOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Applied != 1 || sum.Rejected != 1 {
		t.Errorf("apply = %+v, want 1 applied and 1 rejected", sum)
	}
	results := readResults(t, filepath.Join(dir, "devolvido.resultado.csv"))
	if r := results["não tem"]; len(r) < 11 || r[9] != "rejeitado" {
		t.Errorf("tampered ref: %q (cp1252 text must read back as UTF-8)", r)
	}
	if s := f.statusOf(t, "3333-4444"); s.E164 != "+554733334444" || s.Status != "ok" {
		t.Errorf("fixed phone = %v", s)
	}
	var other schema.Tenant
	if other, err = f.db.TenantBySlug(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM phones WHERE tenant_id = $1 AND override IS NOT NULL`, other.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("other tenant's phone changed: %d overrides (%v)", n, err)
	}
}

func TestFixesBadFile(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "contas.csv")
	if err := os.WriteFile(bad, []byte("id;nome\n1;x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := report.ApplyFixes(context.Background(), f.db, f.tenant, bad, report.FixOptions{})
	if err == nil || !strings.Contains(err.Error(), "contas.csv") || !strings.Contains(err.Error(), `"Corrigir para"`) {
		t.Errorf("not a report: err = %v", err)
	}
}
