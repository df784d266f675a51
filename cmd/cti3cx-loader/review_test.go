package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// reviewAccounts are CRM rows that go wrong in a spreadsheet: formulas in
// names, ids and numbers with leading zeros or 18 digits, long names, a cell
// with several numbers.
const reviewAccounts = "Código;Razão Social;Nome Fantasia;Telefone;Celular;E-mail\r\n" +
	"A-001;\"=HYPERLINK(\"\"http://exemplo.invalid\"\";\"\"clique\"\")\";;(20) 3333-4444;;\r\n" +
	"0512;Padaria Pão Quente 0512 Ltda;Pão Quente;0512;;padaria@\r\n" +
	"965721792947377000;Transportes Açaí S.A.;Açaí Log;965721792947377000;;\r\n" +
	"A-004;-Sem nome-;;não tem;;\r\n" +
	"A-005;Loja do Zé;;;8765-4321;\r\n" +
	"A-006;@Empresa Arroba;;+55 47 3333;;\r\n" +
	"A-007;Comércio de Materiais de Construção Irmãos Albuquerque e Filhos Ltda;Albuquerque Materiais;(47) 3333-4444 / (47) 3333-5555 / 9999;(47) 99988-7766;\r\n" +
	";Sem código Ltda;;(47) 3333-1111;;\r\n"

// TestReviewFiles writes the files staff get (report XLSX and CSV, fix
// results, calls export) into $CTI3CX_REVIEW_DIR, through the CLI, for
// `make review-files` to render as pages. Without the variable it is skipped.
func TestReviewFiles(t *testing.T) {
	dir := os.Getenv("CTI3CX_REVIEW_DIR")
	if dir == "" {
		t.Skip("CTI3CX_REVIEW_DIR not set: run make review-files")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	u := schematest.URL(t)
	c := newCLI(t, u)
	c.ok("tenant", "add", "acme", "--name", "Acme Indústria", "--ddd", "47")
	src := filepath.Join(t.TempDir(), "contas.csv")
	if err := os.WriteFile(src, []byte("\uFEFF"+reviewAccounts), 0o644); err != nil {
		t.Fatal(err)
	}
	// A row without an id is rejected, one with a bad e-mail warned: both go
	// to the rejects file staff open.
	c.run("", "import", "--tenant", "acme", "--kind", "accounts", "--file", src, "--rejects", filepath.Join(dir, "contas.rejeitados.csv"))
	// Names in capitals, as CRMs hold them, and a DDD split between the DDD
	// column and the phone cell.
	dsrc := filepath.Join(t.TempDir(), "contas-ddd.csv")
	if err := os.WriteFile(dsrc, []byte("Código;Razão Social;Nome Fantasia;DDD;Telefone\r\n"+
		"A-008;UNIMED ITAJUBA COOPERATIVA DE TRABALHO MÉDICO;UNIODONTO MACEIÓ COOPERATIVA ODONTOLÓGICA;8;32291500\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("import", "--tenant", "acme", "--kind", "accounts", "--file", dsrc)
	book := excelize.NewFile()
	_ = book.SetSheetRow("Sheet1", "A1", &[]any{"Código", "Razão Social", "Telefone", "E-mail"})
	_ = book.SetSheetRow("Sheet1", "A2", &[]any{"0099", "=1+1", "(47) 3333-2222", "x@"})
	xsrc := filepath.Join(t.TempDir(), "contas.xlsx")
	if err := book.SaveAs(xsrc); err != nil {
		t.Fatal(err)
	}
	c.run("", "import", "--tenant", "acme", "--kind", "accounts", "--file", xsrc, "--rejects", filepath.Join(dir, "contas.rejeitados.xlsx"))
	xlsx := filepath.Join(dir, "relatorio.xlsx")
	c.ok("report", "--tenant", "acme", "--out", xlsx)
	c.ok("report", "--tenant", "acme", "--out", filepath.Join(dir, "relatorio.csv"))

	// Staff type two fixes into the XLSX and hand it back.
	x, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	fixes := map[string]string{"(20) 3333-4444": "(21) 3333-4444", "0512": "512"}
	for _, s := range x.GetSheetList()[1:] {
		rows, _ := x.GetRows(s)
		for i, r := range rows[1:] {
			if fix, ok := fixes[r[5]]; ok {
				cell, _ := excelize.CoordinatesToCellName(7, i+2)
				_ = x.SetCellStr(s, cell, fix)
			}
		}
	}
	filled := filepath.Join(dir, "relatorio-preenchido.xlsx")
	if err := x.SaveAs(filled); err != nil {
		t.Fatal(err)
	}
	x.Close()
	c.ok("fixes", "apply", "--tenant", "acme", "--file", filled, "--dry-run", "--out", filepath.Join(dir, "resultado.xlsx"))
	c.ok("fixes", "apply", "--tenant", "acme", "--file", filled, "--dry-run", "--out", filepath.Join(dir, "resultado.csv"))
	os.Remove(filled)

	reviewCalls(t, u)
	c.ok("calls", "--tenant", "acme", "--format", "csv", "--out", filepath.Join(dir, "chamadas.csv"))
	c.ok("calls", "--tenant", "acme", "--format", "xlsx", "--out", filepath.Join(dir, "chamadas.xlsx"))
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Logf("wrote %s into %s", strings.Join(names, ", "), dir)
}

// reviewCalls journals two calls as the API does: one answered, one missed.
func reviewCalls(t *testing.T, u string) {
	ctx := context.Background()
	db, err := schema.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ten, err := db.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []schema.CallReport{
		{Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Start: 9*time.Hour + 5*time.Minute, End: 9*time.Hour + 9*time.Minute,
			Duration: 4 * time.Minute, Type: schema.CallInbound, Agent: "201", Phone: "5547999887766"},
		{Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Start: 14 * time.Hour, End: 14 * time.Hour,
			Type: schema.CallMissed, Agent: "202", Phone: "047999887766"},
	} {
		_, id, err := db.AnswerExact(ctx, ten.ID, []string{"+5547999887766"}, call.Phone, 10)
		if err != nil || id == 0 {
			t.Fatalf("answer: %v", err)
		}
		if err := db.CompleteCall(ctx, ten.ID, id, call); err != nil {
			t.Fatal(err)
		}
	}
}
