package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/schema"
)

var nextSince = regexp.MustCompile(`--since (\S+)`)

// export runs `export` into a CSV and returns its rows by external id and
// the --since it printed for next time.
func (e *importEnv) export(args ...string) (map[string]map[string]string, string) {
	e.t.Helper()
	out := filepath.Join(e.dir, "export.csv")
	code, _, errOut := e.cli.run("", append([]string{"export", "--tenant", "acme", "--kind", "contacts", "--out", out}, args...)...)
	if code != 0 {
		e.t.Fatalf("export %v: exit %d: %s", args, code, errOut)
	}
	m := nextSince.FindStringSubmatch(errOut)
	if m == nil {
		e.t.Fatalf("export printed no next --since: %s", errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "\ufeff") || !strings.Contains(string(data), "\r\n") {
		e.t.Fatalf("export is not UTF-8 with BOM and CRLF: %q", data[:min(len(data), 80)])
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		e.t.Fatal(err)
	}
	rows := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = strings.TrimPrefix(rec[i], "\t") // office.Text keeps digits as text with a tab
		}
		rows[row["external_id"]] = row
	}
	return rows, m[1]
}

func keys(m map[string]map[string]string) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return strings.Join(out, ",")
}

// export --since sees what an import, a revalidation and `fixes apply`
// changed, and only that.
func TestExportSinceSeesImportRevalidationAndFixes(t *testing.T) {
	e := newImportEnv(t)
	e.cli.ok("tenant", "set", "acme", "--ddd", "")
	in := e.write("c.csv", []byte("codigo;nome;sobrenome;celular;telefone\n"+
		"C1;Ana;Souza;12;\n"+
		"C2;Bia;Lima;(47) 98888-7777;(47) 3333-4444 / (47) 3333-5555\n"+
		"C3;Caio;=HYPERLINK(1);;3333-4444\n"))
	e.cli.ok("import", "--tenant", "acme", "--file", in)
	all, since := e.export()
	if keys(all) != "C1,C2,C3" {
		t.Fatalf("full export: %s", keys(all))
	}
	if r := all["C2"]; r["mobilephone"] != "0047988887777" || r["mobilephone_status"] != "ok" ||
		r["businessphone"] != "004733334444 / 004733335555" || r["first_name"] != "Bia" {
		t.Errorf("C2: %v", r)
	}
	if r := all["C1"]; r["mobilephone"] != "12" || r["mobilephone_status"] != "invalid" {
		t.Errorf("C1 (invalid, as stored): %v", r)
	}
	if r := all["C3"]; r["last_name"] != "'=HYPERLINK(1)" || r["businessphone_status"] != "invalid" {
		t.Errorf("C3 (formula neutralised, no DDD yet): %v", r)
	}
	if none, _ := e.export("--since", since); len(none) != 0 {
		t.Fatalf("nothing changed, yet --since exported %s", keys(none))
	}

	// An import changing C2 only.
	in = e.write("c.csv", []byte("codigo;nome;sobrenome;celular;telefone\n"+
		"C1;Ana;Souza;12;\n"+
		"C2;Bia;Lima;(47) 98888-0000;(47) 3333-4444 / (47) 3333-5555\n"+
		"C3;Caio;=HYPERLINK(1);;3333-4444\n"))
	e.cli.ok("import", "--tenant", "acme", "--file", in)
	got, since2 := e.export("--since", since)
	if keys(got) != "C2" || got["C2"]["mobilephone"] != "0047988880000" {
		t.Fatalf("after the import: %s %v", keys(got), got["C2"])
	}

	// A revalidation after the tenant gets a default DDD: C3's number is
	// now read with it.
	e.cli.ok("tenant", "set", "acme", "--ddd", "47")
	e.cli.ok("revalidate", "--tenant", "acme")
	got, since3 := e.export("--since", since2)
	if keys(got) != "C3" || got["C3"]["businessphone"] != "004733334444" || got["C3"]["businessphone_status"] != "fixed" {
		t.Fatalf("after the revalidation: %s %v", keys(got), got["C3"])
	}

	// A staff fix of C1's invalid number.
	report := filepath.Join(e.dir, "acme.xlsx")
	e.cli.ok("report", "--tenant", "acme", "--out", report, "--status", "invalid")
	x, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	filled := false
	for _, s := range x.GetSheetList()[1:] {
		rows, _ := x.GetRows(s)
		stored, fixTo := slices.Index(rows[0], "Valor no CRM"), slices.Index(rows[0], "Corrigir para")
		if stored < 0 || fixTo < 0 {
			t.Fatalf("report header %q", rows[0])
		}
		for i, r := range rows[1:] {
			if len(r) > stored && r[stored] == "12" {
				cell, _ := excelize.CoordinatesToCellName(fixTo+1, i+2)
				_ = x.SetCellStr(s, cell, "(47) 3232-1010")
				filled = true
			}
		}
	}
	if !filled {
		t.Fatal("C1's phone is not in the report")
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	x.Close()
	if out := e.cli.ok("fixes", "apply", "--tenant", "acme", "--file", report); !strings.Contains(out, "1 fix(es) applied") {
		t.Fatalf("fixes apply: %s", out)
	}
	got, _ = e.export("--since", since3)
	if keys(got) != "C1" || got["C1"]["mobilephone"] != "004732321010" || got["C1"]["mobilephone_status"] != "ok" {
		t.Fatalf("after the fix: %s %v", keys(got), got["C1"])
	}

	// NDJSON and XLSX carry the same values.
	nd := filepath.Join(e.dir, "c.ndjson")
	e.cli.ok("export", "--tenant", "acme", "--kind", "contacts", "--out", nd)
	data, err := os.ReadFile(nd)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `{"external_id":"C1","first_name":"Ana","last_name":"Souza","email":"","account_external_id":"","company":"","phones":[{"field":"mobilephone","value":"004732321010","e164":"+554732321010","extension":"","status":"ok"}]}`) {
		t.Errorf("ndjson:\n%s", data)
	}
	xp := filepath.Join(e.dir, "c.xlsx")
	e.cli.ok("export", "--tenant", "acme", "--kind", "contacts", "--out", xp)
	xf, err := excelize.OpenFile(xp)
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	rows, err := xf.GetRows("contatos")
	if err != nil || len(rows) != 4 || rows[0][0] != "external_id" || rows[3][2] != "=HYPERLINK(1)" {
		t.Fatalf("xlsx rows %q (%v)", rows, err)
	}
	if f, _ := xf.GetCellFormula("contatos", "C4"); f != "" {
		t.Errorf("a name became a formula: %q", f)
	}
	_ = schema.KindContact
}
