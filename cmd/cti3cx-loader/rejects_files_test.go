package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A rejects file is opened by staff: no cell of it is evaluated, and it is
// created 0644 (never executable) under umask 022.
func TestRejectsFilesNeverEvaluateAndAreReadable(t *testing.T) {
	e := newImportEnv(t)
	src := filepath.Join(e.dir, "contas.csv")
	csv := "Código;Razão Social;Telefone;E-mail\r\n" +
		"A-1;\"=HYPERLINK(\"\"http://x.invalid\"\";\"\"clique\"\")\";(47) 3333-4444;x@\r\n" +
		"A-2;Boa;(47) 3333-4445;ok@example.com\r\n" +
		"0512;Padaria;0512;padaria@\r\n"
	if err := os.WriteFile(src, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	e.imp("--file", src)
	rej := filepath.Join(e.dir, "contas.rejeitados.csv")
	data, err := os.ReadFile(rej)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"'=HYPERLINK(""http://x.invalid"";""clique"")"`) {
		t.Errorf("rejects CSV does not neutralise the formula:\n%s", data)
	}
	if fi, _ := os.Stat(rej); fi.Mode().Perm() != 0o644 {
		t.Errorf("rejects CSV mode %v, want 0644", fi.Mode())
	}
	// Ids and numbers stay text in a spreadsheet (a tab before them), linha
	// stays a number, and the rejects file imports again with the same ids.
	if !strings.Contains(string(data), "\"\t0512\";Padaria;\"\t0512\";padaria@;4;") {
		t.Errorf("rejects CSV does not keep 0512 as text:\n%s", data)
	}
	again := filepath.Join(e.dir, "de-novo.csv")
	if err := os.WriteFile(again, data, 0o644); err != nil {
		t.Fatal(err)
	}
	e.imp("--file", again)
	if a, err := e.db.AccountByExternalID(context.Background(), e.tenant.ID, "0512"); err != nil || a.Name != "Padaria" {
		t.Errorf("re-imported rejects: account 0512 = %+v (%v)", a, err)
	}

	book := excelize.NewFile()
	_ = book.SetSheetRow("Sheet1", "A1", &[]any{"Código", "Razão Social", "Telefone", "E-mail"})
	_ = book.SetSheetRow("Sheet1", "A2", &[]any{"A-3", "@SUM(1+1)", "(47) 3333-4446", "y@"})
	xsrc := filepath.Join(e.dir, "contas.xlsx")
	if err := book.SaveAs(xsrc); err != nil {
		t.Fatal(err)
	}
	e.imp("--file", xsrc)
	xrej := filepath.Join(e.dir, "contas.rejeitados.xlsx")
	if fi, err := os.Stat(xrej); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("rejects XLSX mode %v (%v), want 0644 (excelize's SaveAs makes 0755)", fi.Mode(), err)
	}
	f, err := excelize.OpenFile(xrej)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if dim, _ := f.GetSheetDimension("Sheet1"); dim != "A1:H2" {
		t.Errorf("rejects XLSX dimension %q, want A1:H2 (4 columns + linha, codigo_erro, mensagem, importada)", dim)
	}
	if v, _ := f.GetCellValue("Sheet1", "B2"); v != "@SUM(1+1)" {
		t.Errorf("B2 = %q", v)
	}
	if fm, _ := f.GetCellFormula("Sheet1", "B2"); fm != "" {
		t.Errorf("B2 is a formula: %q", fm)
	}
	id, _ := f.GetCellStyle("Sheet1", "B2")
	if st, _ := f.GetStyle(id); st == nil || st.NumFmt != 49 {
		t.Errorf("B2 style %+v, want the text format", st)
	}
}
