package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/schema"
)

// Every line of a file is imported, rejected, or named in the summary:
// --no-header, --header-row and mapping files never drop data silently.
func TestImportNeverSkipsDataLinesSilently(t *testing.T) {
	var headerless strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&headerless, "%d;Empresa %d;(47) 3422-%04d\n", 1000+i, i, i)
	}
	byPosition := "kind: accounts\ncolumns:\n  \"1\": external_id\n  \"2\": name\n  \"3\": businessphone\n"
	cases := []struct {
		name, file, mapping string
		args                []string
		want                schema.ImportCounts
		notes               []string // in the summary and on stderr
	}{
		{"--no-header reads line 1 as data", headerless.String(), byPosition, []string{"--no-header"},
			schema.ImportCounts{RowsRead: 40, Inserted: 40}, []string{"no header (--no-header)", "named 1 to 3"}},
		{"a mapping keyed on the first row keeps every later row", headerless.String(),
			"kind: accounts\ncolumns:\n  \"1001\": external_id\n  Empresa 1: name\n  (47) 3422-0001: businessphone\n", nil,
			schema.ImportCounts{RowsRead: 39, Inserted: 39}, []string{"line 1 is the header (chosen by the mapping file)", "--no-header"}},
		{"--header-row 1 on a headerless file says so", headerless.String(),
			"kind: accounts\ncolumns:\n  \"1001\": external_id\n  Empresa 1: name\n", []string{"--header-row", "1"},
			schema.ImportCounts{RowsRead: 39, Inserted: 39}, []string{"line 1 is the header (chosen by --header-row)"}},
		{"lines above the header are named", "Relação de empresas\n\nCódigo;Razão Social;Telefone\nA-1;Alfa;(47) 3422-0001\n", "", nil,
			schema.ImportCounts{RowsRead: 1, Inserted: 1}, []string{"lines 1–2 skipped before the header (line 3)"}},
		{"--header-row names what it skips", "título\nCódigo;Razão Social;Telefone\nA-1;Alfa;(47) 3422-0001\n", "", []string{"--header-row", "2"},
			schema.ImportCounts{RowsRead: 1, Inserted: 1}, []string{"line 1 skipped before the header (line 2)"}},
		{"no header found in 30 lines: the rows after the first are data", headerless.String(),
			"kind: accounts\ncolumns:\n  \"1001\": external_id\n", nil,
			schema.ImportCounts{RowsRead: 39, Inserted: 39}, []string{"line 1 is the header"}},
		{"a header and no data", "Código;Razão Social;Telefone\n", "", nil,
			schema.ImportCounts{}, []string{"no data rows"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newImportEnv(t)
			args := append([]string{"--file", e.write("f.csv", []byte(c.file))}, c.args...)
			if c.mapping != "" {
				args = append(args, "--mapping", e.write("m.yaml", []byte(c.mapping)))
			}
			code, out, errOut := e.imp(args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			wantCounts(t, e.lastRun(), c.want)
			for _, n := range c.notes {
				if !strings.Contains(out, n) || !strings.Contains(errOut, n) {
					t.Errorf("%q missing from the summary or stderr:\n--- stdout\n%s\n--- stderr\n%s", n, out, errOut)
				}
			}
		})
	}
}

func TestImportRefusesKindContradictingColumns(t *testing.T) {
	e := newImportEnv(t)
	accounts := e.write("a.csv", []byte("Código;Razão Social;Nome Fantasia;CNPJ;Telefone\nA-1;Alfa Ltda;Alfa;11222333000181;(47) 3422-0001\n"))
	contacts := e.write("c.csv", []byte("Código;Nome;Sobrenome;Celular\nC-1;Ana;Lima;(47) 99911-0001\n"))
	cases := []struct {
		name    string
		args    []string
		mapping string
		code    int
		want    string
	}{
		{"accounts file as contacts", []string{"--file", accounts, "--kind", "contacts"}, "", 2, "Razão Social, Nome Fantasia, CNPJ are accounts columns"},
		{"contacts file as accounts", []string{"--file", contacts, "--kind", "accounts"}, "", 2, "Sobrenome are contacts columns"},
		{"kind from the mapping file", []string{"--file", accounts}, "kind: contacts\ncolumns:\n  Código: external_id\n", 2, "Razão Social, Nome Fantasia, CNPJ"},
		{"mapped columns are the implementer's call", []string{"--file", accounts, "--kind", "contacts"},
			"columns:\n  Razão Social: full_name\n  Nome Fantasia: \"\"\n  CNPJ: \"\"\n", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.mapping != "" {
				args = append(args, "--mapping", e.write("m.yaml", []byte(c.mapping)))
			}
			code, out, errOut := e.imp(args...)
			if code != c.code || !strings.Contains(errOut, c.want) || (code == 2 && strings.Count(strings.TrimSpace(errOut), "\n") != 0) {
				t.Fatalf("exit %d (want %d)\n%s\n%s", code, c.code, out, errOut)
			}
		})
	}
	if n := e.count(`SELECT count(*) FROM contacts`); n != 1 {
		t.Fatalf("%d contacts, want the one mapped import", n)
	}
}
