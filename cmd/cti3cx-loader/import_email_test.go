package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/schema"
)

// An e-mail cell never costs the row: placeholders are empty, the first
// valid address of several is kept, an invalid one is left out with a
// warning that names the line, the column, the value and what was done.
func TestImportEmailCellsNeverRejectTheRow(t *testing.T) {
	e := newImportEnv(t)
	cases := []struct {
		id, cell, want, code string
	}{
		{"M-1", "-", "", ""},
		{"M-2", "não tem", "", ""},
		{"M-3", "Informação não cadastrada.", "", ""},
		{"M-4", "n/a", "", ""},
		{"M-5", "a@museu.org.br; b@museu.org.br", "a@museu.org.br", "several_emails"},
		{"M-6", "a@museu.org.br / b@museu.org.br", "a@museu.org.br", "several_emails"},
		{"M-7", "contato(arroba)museu.org.br", "", "invalid_email"},
		{"M-8", "museu@", "", "invalid_email"},
		{"M-9", "ok@museu.org.br", "ok@museu.org.br", ""},
	}
	var b strings.Builder
	b.WriteString("Código;Razão Social;E-mail;Telefone\n")
	for i, c := range cases {
		b.WriteString(c.id + ";Museu " + c.id + ";\"" + c.cell + "\";(47) 3422-55" + string(rune('1'+i)) + "0\n")
	}
	path := e.write("museus.csv", []byte(b.String()))
	out := e.mustImport("--file", path)
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 9, Inserted: 9, Warned: 4})
	if !strings.Contains(out, "warned") {
		t.Fatalf("summary has no warned count:\n%s", out)
	}
	rejects, err := e.db.ImportRejects(context.Background(), e.tenant.ID, e.lastRun().ID)
	if err != nil {
		t.Fatal(err)
	}
	byLine := map[int]schema.ImportReject{}
	for _, r := range rejects {
		byLine[r.Line] = r
	}
	for i, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			a, err := e.db.AccountByExternalID(context.Background(), e.tenant.ID, c.id)
			if err != nil || a.Email != c.want {
				t.Fatalf("%s: %+v, %v; want e-mail %q", c.id, a, err, c.want)
			}
			if p := e.accountPhone(c.id, "businessphone/0"); p.Status != "ok" {
				t.Fatalf("%s's phone: %+v", c.id, p)
			}
			w, ok := byLine[i+2]
			if c.code == "" {
				if ok {
					t.Fatalf("line %d: unexpected warning %+v", i+2, w)
				}
				return
			}
			if !ok || w.Code != c.code || !w.Imported || !strings.Contains(w.Message, `coluna "E-mail"`) || !strings.Contains(w.Message, c.cell) {
				t.Fatalf("line %d: warning %+v, want %s naming the column and %q", i+2, w, c.code, c.cell)
			}
		})
	}
	// The rejects file lists the warnings, marked as imported.
	rej, err := os.ReadFile(filepath.Join(e.dir, "museus.rejeitados.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(rej)
	if !strings.Contains(text, "M-7;Museu M-7;contato(arroba)museu.org.br;\"\t(47) 3422-5570\";8;invalid_email;") ||
		!strings.Contains(text, "importada") || strings.Count(text, ";sim\r\n") != 4 {
		t.Fatalf("rejects file:\n%s", text)
	}
}

// Bytes invalid in UTF-8 cost the row only in its id: any other cell is
// left empty with a warning, and the row and its phones load.
func TestImportInvalidTextInNonKeyCell(t *testing.T) {
	e := newImportEnv(t)
	path := e.write("utf8.csv", []byte("Código;Razão Social;Telefone\nA-1;Caf\xe9 Ltda;(47) 3422-0001\nA-\xe92;Outra;(47) 3422-0002\nA-3;Boa;(47) 3422-0003\n"))
	e.mustImport("--file", path, "--encoding", "utf-8")
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 3, Inserted: 2, Rejected: 1, Warned: 1})
	a, err := e.db.AccountByExternalID(context.Background(), e.tenant.ID, "A-1")
	if err != nil || a.Name != "" || e.accountPhone("A-1", "businessphone/0").E164 != "+554734220001" {
		t.Fatalf("A-1 = %+v, %v", a, err)
	}
	rejects, _ := e.db.ImportRejects(context.Background(), e.tenant.ID, e.lastRun().ID)
	codes := map[string]bool{}
	for _, r := range rejects {
		codes[fmt.Sprintf("%d:%s:%v", r.Line, r.Code, r.Imported)] = true
	}
	if !codes["2:invalid_text:true"] || !codes["3:invalid_encoding:false"] || len(rejects) != 2 {
		t.Fatalf("rejects = %+v", rejects)
	}
}
