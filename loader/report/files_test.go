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
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/cti3cx/cti3cx/loader/report"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// hostile adds what goes wrong in a spreadsheet to the fixture: a formula
// as a name, an id and a value with a leading zero, an 18-digit value.
func hostile(t *testing.T, f fixture) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.db.Pool.Exec(ctx, `UPDATE accounts SET trade_name = '=HYPERLINK("http://x.invalid";"clique")', name = '=cmd|'' /C calc''!A0' WHERE tenant_id = $1 AND external_id = 'A1'`, f.tenant.ID); err != nil {
		t.Fatal(err)
	}
	acc := rt.Account(t, f.db, f.tenant.ID, "0512", "@Padaria", "-Pão-")
	ids := rt.Phones(t, f.db, f.tenant.ID, rt.Profile(t, f.tenant), normalize.RulesVersion, []rt.Phone{
		{AccountID: acc, Field: schema.FieldBusiness, Raw: "0512"},
		{AccountID: acc, Field: schema.FieldMobile, Raw: "965721792947377000"},
	})
	f.ids["0512"], f.ids["965721792947377000"] = ids[0], ids[1]
}

func TestXLSXReportForStaff(t *testing.T) {
	f := newFixture(t)
	hostile(t, f)
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	now := time.Date(2026, 12, 1, 9, 30, 0, 0, sp)
	path := filepath.Join(t.TempDir(), "acme.xlsx")
	sum, err := report.Write(context.Background(), f.db, f.tenant, path, report.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("report mode %v (%v), want 0644 under umask 022", fi.Mode(), err)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	checkSummary(t, x, f.tenant, sum)
	titles := map[string]string{}
	for _, d := range x.GetDefinedName() {
		if d.Name == "_xlnm.Print_Titles" {
			titles[d.Scope] = d.RefersTo
		}
	}
	rows := 0
	for _, s := range x.GetSheetList()[1:] {
		n := sheetRows(t, x, s)
		rows += n
		if dim, _ := x.GetSheetDimension(s); dim != "A1:K"+itoa(n+1) {
			t.Errorf("%s: dimension %q, want A1:K%d", s, dim, n+1)
		}
		if h, _ := x.GetCellValue(s, "G1"); h != "Corrigir para" {
			t.Errorf("%s: G1 = %q, want Corrigir para right after Valor no CRM", s, h)
		}
		checkPrint(t, x, s)
		if titles[s] != "'"+s+"'!$1:$1" {
			t.Errorf("%s: print titles %q, want the header row", s, titles[s])
		}
		checkValidations(t, x, s, n)
		for r := 2; r <= n+1; r++ {
			for c := 1; c <= len(report.Columns); c++ {
				cell, _ := excelize.CoordinatesToCellName(c, r)
				st := cellStyle(t, x, s, cell)
				if st.NumFmt != 49 || st.Alignment == nil || !st.Alignment.WrapText {
					t.Errorf("%s!%s: numfmt %d, alignment %+v: want text, wrapped", s, cell, st.NumFmt, st.Alignment)
				}
				if typ, _ := x.GetCellType(s, cell); typ == excelize.CellTypeFormula {
					t.Errorf("%s!%s is a formula", s, cell)
				}
				if fm, _ := x.GetCellFormula(s, cell); fm != "" {
					t.Errorf("%s!%s is a formula: %q", s, cell, fm)
				}
			}
			if st := cellStyle(t, x, s, "G"+itoa(r)); st.Fill.Color == nil || st.Fill.Color[0] != "FFF2CC" {
				t.Errorf("%s!G%d: Corrigir para not highlighted: %+v", s, r, st.Fill)
			}
			sugg, _ := x.GetCellValue(s, "J"+itoa(r))
			if h, _ := x.GetRowHeight(s, r); len(sugg) > 50 && h < 30 {
				t.Errorf("%s row %d: height %v for a %d-character suggestion: it would be cut", s, r, h, len(sugg))
			}
		}
	}
	if rows != sum.Rows {
		t.Errorf("sheets hold %d rows, summary says %d", rows, sum.Rows)
	}
	// The CRM's text is kept as it is, as text, never as a formula.
	if !findCell(t, x, `=cmd|' /C calc'!A0`) || !findCell(t, x, "0512") || !findCell(t, x, "965721792947377000") {
		t.Error("a hostile or numeric value was not kept verbatim")
	}
}

func sheetRows(t *testing.T, x *excelize.File, s string) int {
	rows, err := x.GetRows(s)
	if err != nil {
		t.Fatal(err)
	}
	return len(rows) - 1
}

func findCell(t *testing.T, x *excelize.File, v string) bool {
	for _, s := range x.GetSheetList()[1:] {
		rows, _ := x.GetRows(s, excelize.Options{RawCellValue: true})
		for _, r := range rows {
			if slices.Contains(r, v) {
				return true
			}
		}
	}
	return false
}

func cellStyle(t *testing.T, x *excelize.File, sheet, cell string) *excelize.Style {
	t.Helper()
	id, err := x.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func checkPrint(t *testing.T, x *excelize.File, s string) {
	t.Helper()
	pl, err := x.GetPageLayout(s)
	if err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 ||
		pl.FitToHeight == nil || *pl.FitToHeight != 0 {
		t.Errorf("%s: page layout %+v (%v), want landscape, one page wide", s, pl, err)
	}
	if pr, err := x.GetSheetProps(s); err != nil || pr.FitToPage == nil || !*pr.FitToPage {
		t.Errorf("%s: fit to page off (%v)", s, err)
	}
}

func checkValidations(t *testing.T, x *excelize.File, s string, n int) {
	t.Helper()
	dvs, err := x.GetDataValidations(s)
	if err != nil {
		t.Fatal(err)
	}
	bySqref := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		bySqref[dv.Sqref] = dv
	}
	fix := bySqref["G2:G"+itoa(n+1)]
	if fix == nil || !fix.ShowInputMessage || fix.Prompt == nil || !strings.Contains(*fix.Prompt, "DDD") || fix.Type != "textLength" {
		t.Errorf("%s: no input message on Corrigir para: %+v", s, dvs)
	}
	ref := bySqref["K2:K"+itoa(n+1)]
	if ref == nil || ref.Type != "custom" || ref.PromptTitle == nil || *ref.PromptTitle != "Não altere" || !ref.ShowErrorMessage {
		t.Errorf("%s: ref not guarded: %+v", s, ref)
	}
}

// The summary says which tenant and DDD, when in which zone, and its counts
// are numbers.
func checkSummary(t *testing.T, x *excelize.File, tenant schema.Tenant, sum report.Summary) {
	t.Helper()
	rows, err := x.GetRows("Resumo")
	if err != nil {
		t.Fatal(err)
	}
	text := map[string]string{}
	for i, r := range rows {
		if len(r) >= 2 {
			text[r[0]] = r[1]
		}
		if len(r) == 3 && r[2] != "" && r[2] != "Quantidade" {
			cell := "C" + itoa(i+1)
			if typ, _ := x.GetCellType("Resumo", cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("Resumo!%s (%q) is stored as %v, want a number", cell, r[2], typ)
			}
		}
		for _, c := range r {
			if strings.Contains(c, "_") {
				t.Errorf("Resumo row %d shows a code: %q", i+1, r)
			}
		}
	}
	if text["Cliente"] != tenant.Name || text["DDD padrão"] == "" || text["Gerado em"] != "01/12/2026 09:30 (America/Sao Paulo)" {
		t.Errorf("Resumo: %q", text)
	}
	total := -1
	for i, r := range rows {
		if len(r) > 0 && r[0] == "Total" {
			v, _ := x.GetCellValue("Resumo", "C"+itoa(i+1), excelize.Options{RawCellValue: true})
			total = atoi(t, v)
		}
	}
	if total != sum.Rows {
		t.Errorf("Resumo total %d, want %d", total, sum.Rows)
	}
}

// In the CSV, nothing a spreadsheet would evaluate, and every number-like
// cell protected so that it stays text.
func TestCSVReportForSpreadsheets(t *testing.T) {
	f := newFixture(t)
	hostile(t, f)
	path := filepath.Join(t.TempDir(), "acme.csv")
	if _, err := report.Write(context.Background(), f.db, f.tenant, path, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("report mode %v (%v), want 0644 under umask 022", fi.Mode(), err)
	}
	recs := readCSV(t, path)
	if !slices.Equal(recs[0], report.Columns) {
		t.Errorf("header %q", recs[0])
	}
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		for i, c := range r {
			seen[c] = true
			if c != "" && strings.ContainsRune("=+-@\r", rune(c[0])) {
				t.Errorf("column %s: %q would be evaluated", recs[0][i], c)
			}
			if strings.HasPrefix(c, "\t") && !strings.ContainsRune("0123456789(", rune(c[1])) {
				t.Errorf("column %s: %q: a tab before text", recs[0][i], c)
			}
			if c != "" && c[0] >= '0' && c[0] <= '9' {
				t.Errorf("column %s: %q would be read as a number", recs[0][i], c)
			}
		}
	}
	for _, want := range []string{`'=cmd|' /C calc'!A0`, `'=HYPERLINK("http://x.invalid";"clique")`, "'@Padaria", "'-Pão-", "\t0512", "\t965721792947377000"} {
		if !seen[want] {
			t.Errorf("no cell %q", want)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// resave writes rows back the way a spreadsheet saves a CSV: its separator
// and line end, quotes only where a field needs them (a tab is left bare,
// as Excel and LibreOffice do), and its encoding.
func resave(t *testing.T, path string, rows [][]string, sep, eol, prefix string, cp1252 bool) {
	t.Helper()
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteString(sep)
			}
			if strings.ContainsAny(c, sep+"\"\r\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString(eol)
	}
	out := []byte(b.String())
	if cp1252 {
		enc, err := charmap.Windows1252.NewEncoder().String(strings.ReplaceAll(b.String(), "→", "?"))
		if err != nil {
			t.Fatal(err)
		}
		out = []byte(enc)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The CSV report goes out, staff fill it and save it from Excel or
// LibreOffice, and fixes apply reads it back: refs, ids and values as
// written, with the neutralisation undone.
func TestFixRoundTripResavedCSV(t *testing.T) {
	saves := []struct {
		name, sep, eol, prefix string
		cp1252                 bool
	}{
		{"excel-csv-separado-por-virgulas", ";", "\r\n", "", true}, // Windows-1252, no BOM
		{"excel-csv-utf8", ";", "\r\n", "\uFEFF", false},
		{"libreoffice", ";", "\n", "", false},       // as soffice saves it after opening ours: UTF-8, no BOM, LF
		{"libreoffice-comma", ",", "\n", "", false}, // its dialog's default separator
	}
	for _, sv := range saves {
		t.Run(sv.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t)
			hostile(t, f)
			dir := t.TempDir()
			path := filepath.Join(dir, "relatorio.csv")
			if _, err := report.Write(ctx, f.db, f.tenant, path, report.Options{}); err != nil {
				t.Fatal(err)
			}
			rows := readCSV(t, path)
			for _, r := range rows[1:] {
				switch r[5] {
				case "\t(20) 3333-4444":
					r[6] = "(47) 3333-4444"
				case "\t0512":
					r[6] = "47 3222-0512"
				}
			}
			back := filepath.Join(dir, "devolvido.csv")
			resave(t, back, rows, sv.sep, sv.eol, sv.prefix, sv.cp1252)
			sum, err := report.ApplyFixes(ctx, f.db, f.tenant, back, report.FixOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Applied != 2 || sum.Rejected != 0 {
				t.Fatalf("apply = %+v, want 2 applied", sum)
			}
			byValue := map[string]report.FixResult{}
			for _, r := range sum.Results {
				byValue[r.Stored] = r
			}
			if r := byValue["0512"]; r.ID != "0512" || r.Name != "-Pão-" || r.Outcome != report.Applied {
				t.Errorf("0512 row read back as %+v", r)
			}
			if r := byValue["(20) 3333-4444"]; r.Name != `=HYPERLINK("http://x.invalid";"clique")` {
				t.Errorf("neutralised name read back as %q", r.Name)
			}
			if s := f.statusOf(t, "0512"); s.E164 != "+554732220512" {
				t.Errorf("fixed 0512 = %v", s)
			}
			// The result file is protected again.
			res := readCSV(t, filepath.Join(dir, "devolvido.resultado.csv"))
			if fi, _ := os.Stat(filepath.Join(dir, "devolvido.resultado.csv")); fi.Mode().Perm() != 0o644 {
				t.Errorf("result mode %v", fi.Mode())
			}
			for _, r := range res[1:] {
				for i, c := range r {
					if i == 1 { // Linha: a number, as a number
						atoi(t, c)
						continue
					}
					if c != "" && strings.ContainsRune("=+-@0123456789", rune(c[0])) {
						t.Errorf("result cell %q unprotected", c)
					}
				}
			}
		})
	}
}

// A report written before the headers were in Portuguese still applies.
func TestFixesReadOldHeaders(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.ids["3333-4444"]
	old := "\uFEFFtipo_registro;id_externo;nome;empresa;campo;valor_armazenado;situacao;motivo;sugestao;corrigir_para;ref\r\n" +
		"contato;C1;Ana Silva;Acme;telefone comercial;3333-4444;inválido;sem DDD;;47 3333-4444;" + report.Ref(id, "3333-4444", nil) + "\r\n"
	path := filepath.Join(t.TempDir(), "antigo.csv")
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := report.ApplyFixes(ctx, f.db, f.tenant, path, report.FixOptions{})
	if err != nil || sum.Applied != 1 {
		t.Fatalf("old report: %+v (%v)", sum, err)
	}
	if s := f.statusOf(t, "3333-4444"); s.E164 != "+554733334444" {
		t.Errorf("phone after an old report's fix: %v", s)
	}
}
