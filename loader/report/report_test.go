package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/loader/report"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// fixture is a tenant whose phones hold every case a report meets.
type fixture struct {
	db     *schema.DB
	tenant schema.Tenant
	ids    map[string]int64 // by raw value
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "", "")
	other := rt.Tenant(t, db, "other", "", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme Comércio Ltda", "Acme")
	ana := rt.Contact(t, db, tenant.ID, "C1", "Ana", "Silva", acc)
	solo := rt.Contact(t, db, tenant.ID, "C2", "João", "Souza", 0)
	if _, err := db.Pool.Exec(ctx, `UPDATE contacts SET company = 'Padaria Pão Quente' WHERE id = $1`, solo); err != nil {
		t.Fatal(err)
	}
	gone := rt.Contact(t, db, tenant.ID, "C3", "Excluído", "", 0)
	if _, err := db.Pool.Exec(ctx, `UPDATE contacts SET deleted_at = now() WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}
	otherAcc := rt.Account(t, db, other.ID, "A1", "Outra", "")
	profile := rt.Profile(t, tenant)
	cells := []rt.Phone{
		{AccountID: acc, Field: schema.FieldBusiness, Raw: "(20) 3333-4444"},                  // invalid DDD
		{AccountID: acc, Field: schema.FieldMobile, Raw: "(47) 99876-5432"},                   // ok: not reported
		{ContactID: ana, Field: schema.FieldBusiness, Raw: "3333-4444"},                       // no DDD
		{ContactID: ana, Field: schema.FieldMobile, Raw: "não tem"},                           // placeholder
		{ContactID: solo, Field: schema.FieldHome, Raw: "(47) 8765-4321"},                     // old mobile: fixed
		{ContactID: gone, Field: schema.FieldBusiness, Raw: "123"},                            // deleted record
		{ContactID: ana, Field: schema.FieldOther, Raw: "0", Override: ptr("(47) 3322-1100")}, // fixed by staff
	}
	ids := rt.Phones(t, db, tenant.ID, profile, normalize.RulesVersion, cells)
	rt.Phones(t, db, other.ID, profile, normalize.RulesVersion, []rt.Phone{{AccountID: otherAcc, Field: schema.FieldBusiness, Raw: "999"}})
	f := fixture{db: db, tenant: tenant, ids: map[string]int64{}}
	for i, c := range cells {
		f.ids[c.Raw] = ids[i]
	}
	return f
}

func ptr(s string) *string { return &s }

// reported are the raw values a report should list, by the fixture.
var reported = []string{"(20) 3333-4444", "3333-4444", "não tem", "(47) 8765-4321"}

func (f fixture) statusOf(t *testing.T, raw string) rt.Stored {
	t.Helper()
	return rt.Get(t, f.db, f.ids[raw])
}

func TestXLSXReport(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "acme.xlsx")
	sum, err := report.Write(context.Background(), f.db, f.tenant, path, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != len(reported) {
		t.Errorf("summary rows = %d, want %d", sum.Rows, len(reported))
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if sheets[0] != "Resumo" || len(sheets) < 3 {
		t.Fatalf("sheets = %q, want Resumo first and one per problem kind", sheets)
	}
	resumo, err := x.GetRows("Resumo")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(resumo, func(r []string) bool { return len(r) == 3 && r[0] == "DDD inexistente" && r[2] == "1" }) {
		t.Errorf("Resumo lacks the count of invalid_ddd: %q", resumo)
	}

	byRaw := map[string][]string{}
	for _, s := range sheets[1:] {
		rows, err := x.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], report.Columns) {
			t.Errorf("sheet %s header = %q", s, rows[0])
		}
		panes, err := x.GetPanes(s)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("sheet %s: header not frozen: %+v %v", s, panes, err)
		}
		tables, err := x.GetTables(s)
		if err != nil || len(tables) != 1 || !strings.HasPrefix(tables[0].Range, "A1:K") {
			t.Errorf("sheet %s: want one filtered table over the rows, got %+v %v", s, tables, err)
		}
		if w, _ := x.GetColWidth(s, "I"); w < 30 {
			t.Errorf("sheet %s: motivo column %v wide", s, w)
		}
		for i, r := range rows[1:] {
			typ, _ := x.GetCellType(s, "F"+itoa(i+2))
			if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
				t.Errorf("sheet %s row %d: valor_armazenado is not text (%v)", s, i+2, typ)
			}
			byRaw[r[5]] = r
		}
	}
	if len(byRaw) != len(reported) {
		t.Errorf("report rows by value: %q, want %q", keys(byRaw), reported)
	}
	row := byRaw["(20) 3333-4444"]
	want := []string{"conta", "A1", "Acme", "Acme Comércio Ltda", "telefone comercial", "(20) 3333-4444", "", "inválido",
		describe(t, f.statusOf(t, "(20) 3333-4444").Reasons), f.suggestion(t, "(20) 3333-4444")}
	if len(row) < 10 || !slices.Equal(row[:10], want) {
		t.Errorf("account row = %q, want %q", row, want)
	}
	if !strings.HasPrefix(row[10], itoa64(f.ids["(20) 3333-4444"])+".") {
		t.Errorf("ref = %q", row[10])
	}
	if r := byRaw["3333-4444"]; r[0] != "contato" || r[2] != "Ana Silva" || r[3] != "Acme" {
		t.Errorf("contact row = %q", r)
	}
	if r := byRaw["(47) 8765-4321"]; r[7] != "corrigido" || r[3] != "Padaria Pão Quente" || r[4] != "telefone residencial" {
		t.Errorf("fixed row = %q", r)
	}

	// --status and --since narrow the rows.
	sum, err = report.Write(context.Background(), f.db, f.tenant, path, report.Options{Statuses: []string{"fixed"}})
	if err != nil || sum.Rows != 1 {
		t.Errorf("fixed-only report: %d rows (%v), want 1", sum.Rows, err)
	}
	future := f.tenantNow(t).AddDate(0, 0, 1)
	sum, err = report.Write(context.Background(), f.db, f.tenant, path, report.Options{Since: &future})
	if err != nil || sum.Rows != 0 {
		t.Errorf("report since tomorrow: %d rows (%v), want 0", sum.Rows, err)
	}
	if _, err := report.Write(context.Background(), f.db, f.tenant, filepath.Join(t.TempDir(), "r.txt"), report.Options{}); err == nil {
		t.Error("a .txt report was accepted")
	}
}

func TestCSVReport(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "acme.csv")
	if _, err := report.Write(context.Background(), f.db, f.tenant, path, report.Options{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no UTF-8 BOM: % x", data[:8])
	}
	header, _, _ := strings.Cut(string(data[3:]), "\r\n")
	if header != strings.Join(report.Columns, ";") {
		t.Errorf("header = %q", header)
	}
	if n := strings.Count(string(data), "\r\n"); n != 1+len(reported) {
		t.Errorf("%d CRLF lines, want %d", n, 1+len(reported))
	}
	if !strings.Contains(string(data), "Padaria Pão Quente") {
		t.Error("UTF-8 text lost")
	}
	// An independent CSV reader sees the same table.
	r := csv.NewReader(bytes.NewReader(data[3:]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 1+len(reported) {
		t.Fatalf("encoding/csv read %d records: %v", len(recs), err)
	}
	// And so does the reader fixes apply uses.
	var values []string
	err = report.ReadRows(path, func(row report.Row) error {
		values = append(values, row.Get("valor_armazenado"))
		if row.Get("ref") == "" {
			t.Errorf("line %d: no ref", row.Line)
		}
		return nil
	})
	slices.Sort(values)
	want := slices.Clone(reported)
	slices.Sort(want)
	if err != nil || !slices.Equal(values, want) {
		t.Errorf("read back %q (%v), want %q", values, err, want)
	}
}

func describe(t *testing.T, reasons string) string {
	rs, err := normalize.ParseReasons(reasons)
	if err != nil {
		t.Fatal(err)
	}
	return rs.Describe()
}

func (f fixture) suggestion(t *testing.T, raw string) string {
	var s string
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT suggestion FROM phones WHERE id = $1`, f.ids[raw]).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
