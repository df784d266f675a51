package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rewrite --ddd needs no database: DATABASE_URL points nowhere.
func TestRewriteWithoutDatabase(t *testing.T) {
	c := newCLI(t, "postgres://nobody@127.0.0.1:1/none")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "c.csv"), filepath.Join(dir, "c-3cx.csv")
	if err := os.WriteFile(in, []byte("codigo;nome;celular\n1;Ana;(47) 98888-7777\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout := c.ok("rewrite", "--file", in, "--out", out, "--ddd", "47", "--dial-format", "e164")
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "codigo;nome;celular\n1;Ana;+5547988887777\n" || !strings.Contains(stdout, "rewritten") {
		t.Fatalf("out %q, stdout %s", got, stdout)
	}
	if code, _, errOut := c.run("", "rewrite", "--file", in, "--out", out); code != 2 || !strings.Contains(errOut, "--ddd") {
		t.Fatalf("no profile: exit %d %s", code, errOut)
	}
	if code, _, errOut := c.run("", "rewrite", "--file", in, "--out", in, "--ddd", "47"); code != 2 || !strings.Contains(errOut, "must not be the input") {
		t.Fatalf("out = in: exit %d %s", code, errOut)
	}
	for _, tt := range []struct{ out, want string }{
		{filepath.Join(dir, "c.xlsx"), "a CSV/TSV is a CSV/TSV"},
		{filepath.Join(dir, "missing", "c.csv"), "cannot write in"},
	} {
		if code, _, errOut := c.run("", "rewrite", "--file", in, "--out", tt.out, "--ddd", "47"); code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("rewrite --out %s: exit %d %q, want 2 and %q", tt.out, code, errOut, tt.want)
		}
	}
}

// A --rewrite that cannot be written is refused before the import, so that
// exit 2 keeps meaning "nothing was written".
func TestImportRewriteCheckedFirst(t *testing.T) {
	e := newImportEnv(t)
	in := e.sample("contacts.csv")
	for _, out := range []string{filepath.Join(e.dir, "missing", "out.csv"), filepath.Join(e.dir, "out.xlsx")} {
		code, _, errOut := e.cli.run("", "import", "--tenant", "acme", "--file", in, "--rewrite", out)
		if code != 2 || !strings.Contains(errOut, "nothing was imported") {
			t.Fatalf("import --rewrite %s: exit %d %q, want 2 and nothing imported", out, code, errOut)
		}
	}
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), "SELECT count(*) FROM import_runs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d import runs recorded for refused --rewrite paths, want 0", n)
	}
}

// import --rewrite writes the same file as rewrite --tenant: one set of
// results for both.
func TestImportRewriteMatchesRewrite(t *testing.T) {
	e := newImportEnv(t)
	in := e.sample("contacts.csv")
	a, b := filepath.Join(e.dir, "a.csv"), filepath.Join(e.dir, "b.csv")
	e.cli.ok("import", "--tenant", "acme", "--file", in, "--rewrite", a, "--status-columns")
	e.cli.ok("rewrite", "--tenant", "acme", "--file", in, "--out", b, "--status-columns")
	da, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(in)
	if string(da) != string(db) || string(da) == string(orig) {
		t.Fatalf("import --rewrite and rewrite differ (or changed nothing):\n%s\n---\n%s", da, db)
	}
}
