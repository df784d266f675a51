package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Inputs past a limit stop the import with exit 2 and one line naming the
// file, the line or record and the limit; nothing is written.
func TestImportLimits(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("a", 3<<20)
	cases := []struct {
		name, file, data string
		args             []string
		want             []string
	}{
		{"csv without newline", "nonewline.csv", strings.Repeat("1234567;(47) 3333-4444;", 150_000), nil,
			[]string{"nonewline.csv: line 1: a record longer than 1 MiB", "--max-record-bytes"}},
		{"csv field over the limit", "bigfield.csv", "Código;Nome;Telefone\n1;Ana;(47) 3333-4444\n2;" + big + ";(47) 3333-4445\n3;Bia;(47) 3333-4446\n", nil,
			[]string{"bigfield.csv: line 3: a record longer than 1 MiB", "--max-record-bytes"}},
		{"csv quote never closed", "quote.csv", "Código;Nome;Telefone\n1;Ana;(47) 3333-4444\n2;\"" + strings.Repeat("a\n", 600_000), nil,
			[]string{"quote.csv: line 3: a record longer than 1 MiB"}},
		{"csv under a lowered limit", "small.csv", "Código;Nome;Telefone\n1;Ana;(47) 3333-4444\n2;" + strings.Repeat("b", 3000) + ";x\n", []string{"--max-record-bytes", "2KiB"},
			[]string{"small.csv: line 3: a record longer than 2 KiB"}},
		{"json record over the limit", "big.json", `[{"Código":"1","Nome":"Ana"},{"Código":"2","Nome":"` + big + `"}]`, nil,
			[]string{"big.json: record 2: longer than 1 MiB", "--max-record-bytes"}},
		{"ndjson record over the limit", "big.ndjson", `{"Código":"1","Nome":"Ana"}` + "\n" + `{"Código":"2","Nome":"` + big + `"}` + "\n", nil,
			[]string{"big.ndjson: record 2: longer than 1 MiB"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newImportEnv(t)
			path := e.write(c.file, []byte(c.data))
			code, out, errOut := e.imp(append([]string{"--kind", "contacts", "--file", path}, c.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s\n%s", code, out, errOut)
			}
			last := lastLine(errOut)
			for _, w := range c.want {
				if !strings.Contains(last, w) {
					t.Fatalf("error line %q, want %q", last, w)
				}
			}
			if len(last) > 400 {
				t.Fatalf("the error line is %d bytes long", len(last))
			}
			if n := e.count(`SELECT count(*) FROM contacts`) + e.count(`SELECT count(*) FROM phones`); n != 0 {
				t.Fatalf("%d rows written", n)
			}
		})
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// A rejected row is stored truncated: 10,000 rejects stay megabytes.
func TestImportRejectStoredTruncated(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	long := strings.Repeat("ç", 20_000) // 40,000 bytes: over the 4096-character cell limit
	path := e.write("long.csv", []byte("Código;Nome;Telefone\n1;"+long+";(47) 3333-4444\n2;Bia;(47) 3333-4445\n"))
	e.mustImport("--kind", "contacts", "--file", path)
	r := e.lastRun()
	rejects, err := e.db.ImportRejects(context.Background(), e.tenant.ID, r.ID)
	if err != nil || len(rejects) != 1 {
		t.Fatalf("rejects %+v %v", rejects, err)
	}
	rec := rejects[0].Record
	if len(rec) > 8<<10 || !strings.HasSuffix(rec, "…") || !strings.HasPrefix(rec, "1;ççç") {
		t.Fatalf("stored record of %d bytes (%.40q…), want it cut to 8 KiB", len(rec), rec)
	}
}

// A positional argument is not taken for the input.
func TestImportPositionalFile(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	code, _, errOut := e.imp("contacts.csv")
	if code != 2 || !strings.Contains(errOut, `unexpected argument "contacts.csv": name the input with --file contacts.csv`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// XLSX: a bomb is refused from the zip's directory (too large, or packed
// far tighter than any real sheet), a sheet of blank cells under those
// guards by the blank limits, each in bounded time, exit 2, nothing written.
func TestImportXLSXBombs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		size int64
		args []string
		want string
	}{
		{"over the unzip limit", 40 << 20, []string{"--unzip-limit", "32MiB"}, "refused: the workbook unpacks to more than 32 MiB (zip bomb?); raise the limit with --unzip-limit"},
		{"packed too tight", -80 << 20, nil, "times its packed size: a sheet of nothing (zip bomb?)"},
		{"blank cells", 30 << 20, nil, "more than 1000000 blank cells since the last row with data"},
		{"blank rows", 2 << 20, []string{"--max-blank-rows", "100"}, "row 102: more than 100 blank rows in a row"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newImportEnv(t)
			path := filepath.Join(e.dir, "bomb.xlsx")
			if c.size < 0 {
				writeTightBomb(t, path, -c.size)
			} else {
				writeBlankBomb(t, path, c.size)
			}
			start := time.Now()
			code, out, errOut := e.imp(append([]string{"--kind", "contacts", "--file", path}, c.args...)...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, want 2 with %q\n%s\n%s", code, c.want, out, errOut)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Fatalf("refused after %s", d)
			}
			if n := e.count(`SELECT count(*) FROM contacts`); n != 0 {
				t.Fatalf("%d contacts written", n)
			}
		})
	}
}

// A loader killed with -9 while excelize has a sheet unpacked leaves its
// temporary directory; the next import removes it, and leaves a live
// loader's alone.
func TestImportKilledLeavesNoTempFiles(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	tmp := t.TempDir()
	path := filepath.Join(e.dir, "big.xlsx")
	writeBigSheet(t, path, 200_000)
	bin := releaseBinary(t)
	env := append(os.Environ(), "DATABASE_URL="+e.cli.env["DATABASE_URL"], "TMPDIR="+tmp, "CTI3CX_LOG_FORMAT=json")

	killed := startLoader(t, bin, env, "import", "--tenant", "acme", "--kind", "contacts", "--file", path)
	root := filepath.Join(tmp, "cti3cx-loader")
	deadline := time.Now().Add(60 * time.Second)
	for !hasExcelizeTemp(root) {
		if time.Now().After(deadline) {
			killed.Process.Kill()
			t.Fatal("excelize never unpacked the sheet to the loader's directory")
		}
		time.Sleep(20 * time.Millisecond)
	}
	killed.Process.Kill()
	killed.Wait()
	if !hasExcelizeTemp(root) {
		t.Fatal("kill -9 left nothing behind: the test proves nothing")
	}

	small := e.write("small.csv", []byte("Código;Nome;Telefone\n1;Ana;(47) 3333-4444\n"))
	e.cli.env["TMPDIR"] = tmp
	defer delete(e.cli.env, "TMPDIR")
	next := startLoader(t, bin, env, "import", "--tenant", "acme", "--kind", "contacts", "--file", small)
	if err := next.Wait(); err != nil {
		t.Fatalf("next import: %v", err)
	}
	if hasExcelizeTemp(root) {
		t.Fatal("the killed loader's temporary files are still there after the next import")
	}
}

func hasExcelizeTemp(root string) bool {
	m, _ := filepath.Glob(filepath.Join(root, "run-*", "excelize-*"))
	return len(m) > 0
}

func writeBigSheet(t *testing.T, path string, rows int) {
	writeSheetXLSX(t, path, func(w *bufio.Writer) {
		for i := 2; i <= rows+1; i++ {
			fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>C-%d</t></is></c><c r="B%d" t="inlineStr"><is><t>Nome %d da Silva Sauro</t></is></c><c r="C%d" t="inlineStr"><is><t>(47) 3%03d-%04d</t></is></c></row>`,
				i, i, i, i, i, i, i%1000, i%10000)
		}
	})
}

// writeTightBomb writes size bytes of identical blank rows: deflate packs
// them some thousand times.
func writeTightBomb(t *testing.T, path string, size int64) {
	row := "<row>" + strings.Repeat("<c/>", 256) + "</row>"
	writeSheetXLSX(t, path, func(w *bufio.Writer) {
		for n := int64(0); n < size; n += int64(len(row)) {
			w.WriteString(row)
		}
	})
}

// --rejects is checked before anything is imported; a rejects file that
// fails after the commit does not turn the committed import into an error.
func TestImportRejectsPathChecked(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	in := e.write("c.csv", []byte("Código;Nome;Telefone\n1;Ana;(47) 3333-4444\n;SemCodigo;(47) 3333-4445\n"))
	for _, c := range []struct{ path, want string }{
		{filepath.Join(e.dir, "rej.xlsx"), "rejects are written in the input's format (csv): give a .csv or .tsv or .txt file"},
		{filepath.Join(e.dir, "no", "such", "dir", "rej.csv"), "cannot write in " + filepath.Join(e.dir, "no", "such", "dir")},
	} {
		code, _, errOut := e.imp("--kind", "contacts", "--file", in, "--rejects", c.path)
		if code != 2 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "nothing was imported") {
			t.Fatalf("--rejects %s: exit %d: %s", c.path, code, errOut)
		}
	}
	if n := e.count(`SELECT count(*) FROM contacts`) + e.count(`SELECT count(*) FROM import_runs`); n != 0 {
		t.Fatalf("%d rows written by refused imports", n)
	}
	// An XLSX rejects file is saved after the commit: a directory standing
	// where it goes makes the save fail then.
	book := filepath.Join(e.dir, "c.xlsx")
	writeSheetXLSX(t, book, func(w *bufio.Writer) {
		w.WriteString(`<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c><c r="B2" t="inlineStr"><is><t>Ana</t></is></c></row>`)
		w.WriteString(`<row r="3"><c r="B3" t="inlineStr"><is><t>SemCodigo</t></is></c></row>`)
	})
	dirAsFile := filepath.Join(e.dir, "taken.xlsx")
	if err := os.Mkdir(dirAsFile, 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := e.imp("--kind", "contacts", "--file", book, "--rejects", dirAsFile)
	if code != 0 || !strings.Contains(out, "the import committed, but the rejects file could not be written") {
		t.Fatalf("rejects file failing after the commit: exit %d\n%s\n%s", code, out, errOut)
	}
	if e.count(`SELECT count(*) FROM contacts`) != 1 || e.lastRun().Outcome != "ok" {
		t.Fatal("the committed import was not kept")
	}
}
