package office_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/office"
)

func TestMain(m *testing.M) {
	syscall.Umask(0o022) // what a login shell or a service manager gives
	os.Exit(m.Run())
}

func TestText(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, neutral, text string }{
		{"Ana Silva", "Ana Silva", "Ana Silva"},
		{"", "", ""},
		{`=HYPERLINK("http://x";"clique")`, `'=HYPERLINK("http://x";"clique")`, `'=HYPERLINK("http://x";"clique")`},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"+55 47 3333-4444", "'+55 47 3333-4444", "'+55 47 3333-4444"},
		{"-2+3", "'-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1", "'\r=1+1"},
		{"'=1+1", "''=1+1", "''=1+1"}, // the data's own apostrophe is kept
		{"'abc", "'abc", "'abc"},
		{"0512", "0512", "\t0512"},
		{"965721792947377000", "965721792947377000", "\t965721792947377000"},
		{"12/03", "12/03", "\t12/03"},
		{"(47) 3333-4444", "(47) 3333-4444", "\t(47) 3333-4444"},
		{"1042.bcdfghjklm", "1042.bcdfghjklm", "\t1042.bcdfghjklm"},
		{",5", ",5", "\t,5"},
		{"A1", "A1", "A1"},
	}
	for _, c := range cases {
		if got := office.Neutralize(c.in); got != c.neutral {
			t.Errorf("Neutralize(%q) = %q, want %q", c.in, got, c.neutral)
		}
		if got := office.Text(c.in); got != c.text {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.text)
		}
		if got := office.Restore(c.text); got != c.in {
			t.Errorf("Restore(%q) = %q, want %q", c.text, got, c.in)
		}
		if got := office.Restore(c.neutral); got != c.in {
			t.Errorf("Restore(%q) = %q, want %q", c.neutral, got, c.in)
		}
	}
}

// Whatever the CRM holds, what is written never starts a formula, a tab
// only ever precedes a number, and Restore gives the cell back.
func FuzzText(f *testing.F) {
	for _, s := range []string{"=1+1", "'=1", "''+", "\t0", "0512", "'\t0", " 1", "\t\t=", "@", "-", "(", "''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{office.Text(s), office.Neutralize(s)} {
			if out != "" && strings.ContainsRune("=+-@\r", rune(out[0])) {
				t.Fatalf("%q written as %q: a formula", s, out)
			}
			if strings.HasPrefix(out, "\t") {
				rest := strings.TrimLeft(out[1:], " ")
				if rest == "" || !strings.ContainsRune("0123456789(.,", rune(rest[0])) {
					t.Fatalf("%q written as %q: a tab before what is not a number", s, out)
				}
			}
			if got := office.Restore(out); got != s {
				t.Fatalf("Restore(%q) = %q, want %q", out, got, s)
			}
		}
	})
}

func TestWriteFileMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	if err := office.WriteFile(path, func(w io.Writer) error { _, err := w.Write([]byte("a")); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v; want 0644", fi.Mode(), err)
	}
	// A failed write leaves the old file and no temporary one.
	boom := errors.New("boom")
	if err := office.WriteFile(path, func(w io.Writer) error { w.Write([]byte("partial")); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "a" {
		t.Errorf("after a failed write: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	f, err := office.Create(filepath.Join(dir, "c.csv"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(f.Name()); fi.Mode().Perm() != 0o644 {
		t.Errorf("Create: mode %v", fi.Mode())
	}
}

func TestNewStreamDimension(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	sw, err := office.NewStream(f, "Sheet1", 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= 4; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := sw.SetRow(cell, []any{"a", "b", "c"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.xlsx")
	if err := office.SaveXLSX(f, path); err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if dim, err := g.GetSheetDimension("Sheet1"); err != nil || dim != "A1:C4" {
		t.Errorf("dimension %q, %v; want A1:C4", dim, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
}

// A sheet streamed without knowing its size is saved with its real one.
func TestSaveXLSXSized(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	if _, err := f.NewSheet("Outra aba"); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= 700; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := sw.SetRow(cell, []any{"a", r, "=não é fórmula"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.xlsx")
	if err := office.SaveXLSXSized(f, path, map[string]string{"Sheet1": office.Dimension(3, 700)}); err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if dim, _ := g.GetSheetDimension("Sheet1"); dim != "A1:C700" {
		t.Errorf("dimension %q, want A1:C700", dim)
	}
	rows, err := g.GetRows("Sheet1")
	if err != nil || len(rows) != 700 || rows[699][1] != "700" || rows[0][2] != "=não é fórmula" {
		t.Errorf("rows after the patch: %d (%v)", len(rows), err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	if err := office.SaveXLSXSized(f, path, map[string]string{"Nenhuma": "A1"}); err == nil {
		t.Error("an unknown sheet was accepted")
	}
}
