package loader_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/normalize"
)

func latin1(t *testing.T, s string) string {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rewriteFile(t *testing.T, name, content string, opts loader.RewriteOptions) (string, loader.RewriteSummary) {
	t.Helper()
	dir := t.TempDir()
	opts.File, opts.Out = filepath.Join(dir, name), filepath.Join(dir, "out-"+name)
	if err := os.WriteFile(opts.File, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := normalize.NewProfile("47", "")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := loader.Rewrite(context.Background(), p, opts)
	if err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	out, err := os.ReadFile(opts.Out)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), sum
}

// A Latin-1 ';' file with a title line, quoted fields (an escaped quote, a
// delimiter and a line break inside quotes), a formula-looking cell and a
// short last record: only the phone cells change, quoted where they were.
func TestRewriteLatin1SemicolonByteForByte(t *testing.T) {
	t.Parallel()
	in := latin1(t, "Relatório de contatos; gerado em 01/12/2026\r\n"+
		"\r\n"+
		"\"Código\";\"Nome\";\"Telefone\";\"Celular\";Observação\r\n"+
		"C1;\"José da Silva\";\"(47) 3333-4444 ramal 12\";;\"diz \"\"oi\"\"; tchau\"\r\n"+
		"C2;Ana;8765-4321;\"(47) 99999-8888 / (47) 3333-5555\";\"linha 1\r\nlinha 2\"\r\n"+
		"C3;\"João\";abc;\"=1+2\";\r\n"+
		"C4;Zé;\"(11) 3333-4444 / 11 2222-3333\";\r\n")
	want := latin1(t, "Relatório de contatos; gerado em 01/12/2026\r\n"+
		"\r\n"+
		"\"Código\";\"Nome\";\"Telefone\";\"Celular\";Observação\r\n"+
		"C1;\"José da Silva\";\"004733334444\";;\"diz \"\"oi\"\"; tchau\"\r\n"+
		"C2;Ana;0047987654321;\"0047999998888 / 004733335555\";\"linha 1\r\nlinha 2\"\r\n"+
		"C3;\"João\";abc;\"=1+2\";\r\n"+
		"C4;Zé;\"001133334444\";001122223333\r\n")
	got, sum := rewriteFile(t, "contatos.csv", in, loader.RewriteOptions{Kind: "contacts"})
	if got != want {
		t.Fatalf("rewritten file:\n%q\nwant:\n%q", got, want)
	}
	wantSum := loader.RewriteSummary{Rows: 4, Cells: 6, Rewritten: 4, Invalid: 2, Moved: 1, Joined: 1, ExtDrop: 1}
	sum.Source, sum.Out, sum.Format = "", "", ""
	if sum != wantSum {
		t.Errorf("summary %+v, want %+v", sum, wantSum)
	}
}

// A UTF-8 file with a BOM, ',' and CRLF, whose last record has no line
// ending: the BOM and every other byte stay.
func TestRewriteUTF8BOMCommaCRLFByteForByte(t *testing.T) {
	t.Parallel()
	in := "\ufeffcodigo,nome,sobrenome,celular,telefone residencial,e-mail\r\n" +
		"1,Márcia,\"Souza, Jr.\",\"+55 (47) 9 8888-7777\",3344-5566,m@x.com.br\r\n" +
		"2,\"Zoë\",Ñ,47988887777,\"\",\r\n" +
		"3,Li,,0800 123 4567,(47)3344-556,li@x.com"
	want := "\ufeffcodigo,nome,sobrenome,celular,telefone residencial,e-mail\r\n" +
		"1,Márcia,\"Souza, Jr.\",\"0047988887777\",004733445566,m@x.com.br\r\n" +
		"2,\"Zoë\",Ñ,0047988887777,\"\",\r\n" +
		"3,Li,,08001234567,(47)3344-556,li@x.com"
	got, sum := rewriteFile(t, "contatos.csv", in, loader.RewriteOptions{})
	if got != want {
		t.Fatalf("rewritten file:\n%q\nwant:\n%q", got, want)
	}
	if sum.Rows != 3 || sum.Rewritten != 4 || sum.Invalid != 1 {
		t.Errorf("summary %+v", sum)
	}
}

// --status-columns appends a situação and a sugestão column per phone
// column after the last one, padding short records; --only ok leaves a
// fixed number as it was.
func TestRewriteStatusColumnsAndOnlyOK(t *testing.T) {
	t.Parallel()
	in := "codigo;nome;celular;telefone\n" +
		"1;Ana;8765-4321;(47) 3333-4444\n" +
		"2;Bia;abc\n"
	got, sum := rewriteFile(t, "c.csv", in, loader.RewriteOptions{Kind: "contacts", StatusColumns: true, OnlyOK: true})
	r := csv.NewReader(strings.NewReader(got))
	r.Comma, r.FieldsPerRecord = ';', -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"codigo", "nome", "celular", "telefone", "celular situação", "celular sugestão",
		"telefone situação", "telefone sugestão"}
	if fmt.Sprint(recs[0]) != fmt.Sprint(wantHeader) {
		t.Fatalf("header %q", recs[0])
	}
	if recs[1][2] != "8765-4321" || recs[1][3] != "004733334444" || recs[1][4] != "corrigido" ||
		!strings.Contains(recs[1][5], "confirme") || recs[1][6] != "ok" {
		t.Errorf("row 1: %q", recs[1])
	}
	if len(recs[2]) != 8 || recs[2][2] != "abc" || recs[2][3] != "" || recs[2][4] != "inválido" || recs[2][5] == "" || recs[2][6] != "" {
		t.Errorf("row 2: %q", recs[2])
	}
	if sum.KeptFixed != 1 || sum.Rewritten != 1 || sum.Invalid != 1 {
		t.Errorf("summary %+v", sum)
	}
}

// Every rewritten phone cell normalizes again to ok with the same E.164 as
// the original cell's first number, and every other cell reads the same
// with encoding/csv, on a generated file of many shapes.
func TestRewriteIdempotentAndOtherCellsUntouched(t *testing.T) {
	t.Parallel()
	shapes := []string{"(47) 3333-4444", "47 98765-4321", "8765-4321", "3333 4444 r. 22", "+55 11 2222-3333",
		"011 98765 4321", "0800 701 0101", "(47) 3333-4444 / 9876-5432", "nenhum", "", "0xx47 3333-4444",
		"(48) 9999-888", "+1 212 555 0100", "5547333344445"}
	var b strings.Builder
	b.WriteString("codigo;nome;telefone;celular;fax;outro telefone\n")
	for i := range 300 {
		fmt.Fprintf(&b, "%d;\"Nome; %d\";%s;\"%s\";;%s\n", i, i, shapes[i%len(shapes)], shapes[(i*7)%len(shapes)], shapes[(i*3)%len(shapes)])
	}
	in := b.String()
	got, _ := rewriteFile(t, "gen.csv", in, loader.RewriteOptions{Kind: "contacts"})
	read := func(s string) [][]string {
		r := csv.NewReader(strings.NewReader(s))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = ';', -1, true
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	inRecs, outRecs := read(in), read(got)
	if len(inRecs) != len(outRecs) {
		t.Fatalf("%d records in, %d out", len(inRecs), len(outRecs))
	}
	p, _ := normalize.NewProfile("47", "")
	phoneCols := map[int]bool{2: true, 3: true, 4: true, 5: true}
	for i := 1; i < len(inRecs); i++ {
		var inNums, outNums []string
		for j := range inRecs[i] {
			if !phoneCols[j] {
				if inRecs[i][j] != outRecs[i][j] {
					t.Fatalf("line %d column %d: %q became %q", i+1, j+1, inRecs[i][j], outRecs[i][j])
				}
				continue
			}
			ins, outs := p.Normalize(inRecs[i][j]), p.Normalize(outRecs[i][j])
			for _, r := range ins {
				inNums = append(inNums, r.E164)
			}
			for _, r := range outs {
				outNums = append(outNums, r.E164)
			}
			if outRecs[i][j] == inRecs[i][j] {
				continue
			}
			for _, r := range outs {
				if r.Status != normalize.StatusOK || r.Extension != "" {
					t.Errorf("line %d: rewritten %q normalizes to %s %+v", i+1, outRecs[i][j], r.Status, r)
				}
			}
			if inRecs[i][j] != "" && (len(ins) == 0 || outs[0].E164 != ins[0].E164) {
				t.Errorf("line %d: %q -> %q changed the number", i+1, inRecs[i][j], outRecs[i][j])
			}
		}
		if fmt.Sprint(sorted(inNums)) != fmt.Sprint(sorted(outNums)) {
			t.Errorf("line %d: numbers %v became %v", i+1, inNums, outNums)
		}
	}
	// And the rewrite of the rewrite changes nothing.
	again, sum := rewriteFile(t, "gen.csv", got, loader.RewriteOptions{Kind: "contacts"})
	if again != got {
		t.Errorf("a second rewrite changed the file (%+v)", sum)
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

var _ = io.EOF
var _ = bytes.Equal
