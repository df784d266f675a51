package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/schema"
)

const sharedData = "../../../shared/data"

// realFile copies a file of the shared real data into the test directory,
// skipping the test where that folder is absent.
func (e *importEnv) realFile(name string) string {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedData, name))
	if os.IsNotExist(err) {
		e.t.Skipf("%s absent", sharedData)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return e.write(name, data)
}

func (e *importEnv) accountPhone(id, key string) schema.Phone {
	e.t.Helper()
	a, err := e.db.AccountByExternalID(context.Background(), e.tenant.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	ps, _ := e.db.AccountPhones(context.Background(), e.tenant.ID, a.ID)
	for _, p := range ps {
		if fmt.Sprintf("%s/%d", p.Field, p.Position) == key {
			return p
		}
	}
	e.t.Fatalf("account %s has no %s: %+v", id, key, ps)
	return schema.Phone{}
}

func TestImportRealData(t *testing.T) {
	if _, err := os.Stat(sharedData); os.IsNotExist(err) {
		t.Skipf("%s absent", sharedData)
	}
	t.Run("ANS: ISO-8859-1, title above the header, DDD column", func(t *testing.T) {
		e := newImportEnv(t)
		e.mustImport("--file", e.realFile("ans_relatorio_cadop_operadoras.csv"))
		r := e.lastRun()
		wantCounts(t, r, schema.ImportCounts{RowsRead: 1155, Inserted: 1155})
		if r.PhonesOK < 1500 || r.PhonesInvalid == 0 {
			t.Fatalf("phones: %+v", r.ImportCounts)
		}
		a, _ := e.db.AccountByExternalID(context.Background(), e.tenant.ID, "418374")
		if !strings.HasPrefix(a.Name, "CAIXA DE ASSISTÊNCIA") || a.TradeName != "E-VIDA" || a.TaxID != "11828089000103" || a.Email != "governanca@evida.org.br" {
			t.Fatalf("418374 = %+v", a)
		}
		if p := e.accountPhone("418374", "businessphone/0"); p.E164 != "+556139668300" || p.Raw != "39668300" ||
			e.count(`SELECT count(*) FROM phones WHERE id = $1 AND ddd = '61'`, p.ID) != 1 {
			t.Fatalf("DDD + Telefone: %+v", p)
		}
		if p := e.accountPhone("418374", "fax/0"); p.E164 != "+556139668302" {
			t.Fatalf("DDD + Fax: %+v", p)
		}
		// Two numbers run together are flagged, never guessed.
		if n := e.count(`SELECT count(*) FROM phones WHERE raw LIKE '%3441958734419777%' AND status = 'invalid' AND e164 = ''`); n != 1 {
			t.Fatalf("run-together numbers: %d flagged rows", n)
		}
	})
	t.Run("INEP CSV: UTF-8 with BOM, comma", func(t *testing.T) {
		e := newImportEnv(t)
		e.mustImport("--file", e.realFile("inep_catalogo_escolas_sao_paulo_sp.csv"))
		wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 2000, Inserted: 2000})
		a, _ := e.db.AccountByExternalID(context.Background(), e.tenant.ID, "35000012")
		if a.Name != "AYRES DE MOURA PROFESSOR" {
			t.Fatalf("35000012 = %+v", a)
		}
		if p := e.accountPhone("35000012", "businessphone/0"); p.E164 != "+551136251934" || p.Status != "ok" {
			t.Fatalf("phone: %+v", p)
		}
	})
	t.Run("INEP XLSX", func(t *testing.T) {
		e := newImportEnv(t)
		e.mustImport("--file", e.realFile("inep_escolas_marilia_sp.xlsx"))
		wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 143, Inserted: 143})
		if p := e.accountPhone("35004956", "businessphone/0"); p.E164 != "+551434342248" {
			t.Fatalf("phone: %+v", p)
		}
		if e.lastRun().PhonesInvalid != 0 {
			t.Fatalf("phones: %+v", e.lastRun().ImportCounts)
		}
	})
	t.Run("Outlook: Windows-1252, short row, no id column", func(t *testing.T) {
		e := newImportEnv(t)
		path := e.realFile("outlook2000_contacts_export_sample.csv")
		code, _, errOut := e.imp("--file", path)
		if code != 2 || !strings.Contains(errOut, "no id column") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Fatalf("without a mapping: exit %d, %q", code, errOut)
		}
		m := e.write("outlook.yaml", []byte("columns:\n  E-mail Address: external_id\n"))
		e.mustImport("--file", path, "--mapping", m)
		wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 1, Inserted: 1})
		c, _ := e.db.ContactByExternalID(context.Background(), e.tenant.ID, "frank.bergmann@project-open.com")
		if c.FirstName != "Frank" || c.LastName != "Bergmann" || c.Company != "Project/Open" {
			t.Fatalf("contact = %+v", c)
		}
		ps := e.contactPhones(c.ExternalID)
		if p := ps["businessphone/0"]; p.E164 != "+34933250914" || p.Type != "foreign" && p.Type != "fixed" {
			t.Fatalf("business phone: %+v", p)
		}
		if p := ps["mobilephone/0"]; p.E164 != "+34609953751" {
			t.Fatalf("mobile: %+v", ps)
		}
	})
}

// zipBomb writes an XLSX whose sheet unpacks to 2.1 GB of zeros. The
// deflate stream is one compressed megabyte of zeros repeated: each chunk
// ends with a sync flush and refers to nothing before it, so chunks chain.
func zipBomb(t *testing.T, path string) {
	const chunks = 2100
	zeros := make([]byte, 1<<20)
	var chunk, tail bytes.Buffer
	fw, _ := flate.NewWriter(&chunk, flate.BestCompression)
	fw.Write(zeros)
	fw.Flush()
	end, _ := flate.NewWriter(&tail, flate.BestCompression)
	end.Close()
	crc := uint32(0)
	for range chunks {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<?xml version=\"1.0\"?>"))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(chunk.Len()*chunks + tail.Len()), UncompressedSize64: chunks << 20})
	if err != nil {
		t.Fatal(err)
	}
	for range chunks {
		w.Write(chunk.Bytes())
	}
	w.Write(tail.Bytes())
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImportBadInput(t *testing.T) {
	e := newImportEnv(t)
	emptySheet := filepath.Join(e.dir, "empty.xlsx")
	f := excelize.NewFile()
	if err := f.SaveAs(emptySheet); err != nil {
		t.Fatal(err)
	}
	bomb := filepath.Join(e.dir, "bomb.xlsx")
	zipBomb(t, bomb)
	cases := []struct {
		name, file, want string
		extra            []string
	}{
		{"missing file", filepath.Join(e.dir, "nope.csv"), "no such file", nil},
		{"binary file", e.write("bin.csv", []byte("\x00\x01\x02garbage\x00\xff\xfe\x00")), "binary file", nil},
		{"XLSX that is a CSV", e.write("fake.xlsx", []byte("Código;Nome\n1;A\n")), "rename it to .csv", nil},
		{"zip bomb", bomb, "zip bomb", nil},
		{"empty sheet", emptySheet, "is empty", nil},
		{"empty file", e.write("empty.csv", nil), "empty", nil},
		{"header with no known column", e.write("x.csv", []byte("foo;bar;baz\n1;2;3\n")), "no recognizable column", nil},
		{"no known column with --kind", e.write("y.csv", []byte("foo;bar;baz\n1;2;3\n")), "no recognizable column", []string{"--kind", "accounts"}},
		{"unknown encoding", e.write("enc.csv", []byte("C\xf3digo;Nome;Sobrenome\n1;\x81\x8d;x\n")), "unknown encoding", nil},
		{"unknown --encoding", e.write("enc2.csv", []byte("Código;Nome;Sobrenome\n1;A;B\n")), "unknown encoding", []string{"--encoding", "klingon"}},
		{"old xls", e.write("old.xls", []byte("\xd0\xcf\x11\xe0")), ".xls is not supported", nil},
		{"invalid JSON", e.write("bad.json", []byte(`[{"id":1},`)), "invalid JSON", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := e.imp(append([]string{"--file", c.file}, c.extra...)...)
			line := strings.TrimSpace(errOut)
			if code != 2 || !strings.Contains(line, c.want) || !strings.Contains(line, filepath.Base(c.file)) || strings.Contains(line, "\n") {
				t.Fatalf("exit %d, stderr %q (want one line naming the file and %q)\n%s", code, errOut, c.want, out)
			}
		})
	}
	if n := e.count(`SELECT count(*) FROM import_runs`) + e.count(`SELECT count(*) FROM accounts`) + e.count(`SELECT count(*) FROM contacts`); n != 0 {
		t.Fatalf("bad input wrote %d rows", n)
	}
}

func TestImportFeeds(t *testing.T) {
	e := newImportEnv(t)
	var fails atomic.Int32
	fails.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/contacts":
			if fails.Add(-1) >= 0 { // the first request fails: retried
				http.Error(w, "busy", http.StatusBadGateway)
				return
			}
			fmt.Fprint(w, `{"data":[{"codigo":"F-1","nome":"Ana Maria Souza","celular":"(47) 99999-0001"},
				{"codigo":"F-2","nome":"Bruno","email":"b@","celular":5.5119E+12}],"next":"/contacts/2"}`)
		case "/contacts/2":
			w.Header().Set("Link", `</contacts/3>; rel="next"`)
			fmt.Fprint(w, `[{"codigo":"F-3","nome":"Caio","telefone":["(47) 3333-0001","(47) 3333-0002"]}]`)
		case "/contacts/3":
			fmt.Fprint(w, "{\"codigo\":\"F-4\",\"nome\":\"Duda\",\"celular\":\"5.511987654321E+12\"}\n{\"codigo\":\"F-5\",\"nome\":\"Eva\"}\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	e.cli.env["FEED_TOKEN"] = "s3cret"
	code, out, errOut := e.imp("--feed", srv.URL+"/contacts", "--kind", "contacts", "--feed-token-env", "FEED_TOKEN")
	if code != 0 {
		t.Fatalf("feed: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "s3cret") {
		t.Fatal("the token was printed")
	}
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 5, Inserted: 5, Warned: 1})
	c, _ := e.db.ContactByExternalID(context.Background(), e.tenant.ID, "F-1")
	if c.FirstName != "Ana" || c.LastName != "Maria Souza" {
		t.Fatalf("full name split: %+v", c)
	}
	if ps := e.contactPhones("F-3"); ps["businessphone/1"].E164 != "+554733330002" {
		t.Fatalf("array of numbers: %+v", ps)
	}
	if p := e.contactPhones("F-4")["mobilephone/0"]; p.Status != "invalid" || !strings.Contains(p.Reasons, "precision_lost") {
		t.Fatalf("scientific notation: %+v", p)
	}
	rejects, _ := e.db.ImportRejects(context.Background(), e.tenant.ID, e.lastRun().ID)
	if len(rejects) != 1 || rejects[0].Code != "invalid_email" || !rejects[0].Imported || !strings.Contains(rejects[0].Record, `"F-2"`) {
		t.Fatalf("rejects = %+v", rejects)
	}
	// A wrong token is bad input: exit 2, nothing written.
	e.cli.env["FEED_TOKEN"] = "wrong"
	code, _, errOut = e.imp("--feed", srv.URL+"/contacts/3", "--kind", "contacts", "--feed-token-env", "FEED_TOKEN")
	if code != 2 || !strings.Contains(errOut, "401") {
		t.Fatalf("wrong token: exit %d %s", code, errOut)
	}

	// NDJSON file: rejects go to an NDJSON file next to it.
	nd := e.write("c.ndjson", []byte("{\"codigo\":\"N-1\",\"nome\":\"A\",\"email\":\"x@\"}\n{\"codigo\":\"N-2\",\"nome\":\"B\"}\n"))
	e.mustImport("--feed", nd, "--kind", "contacts")
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 2, Inserted: 2, Warned: 1})
	rej, err := os.ReadFile(filepath.Join(e.dir, "c.rejeitados.ndjson"))
	if err != nil || !strings.Contains(string(rej), `"codigo":"N-1"`) || !strings.Contains(string(rej), `"codigo_erro":"invalid_email"`) ||
		!strings.Contains(string(rej), `"importada":true`) {
		t.Fatalf("NDJSON rejects: %s %v", rej, err)
	}
	// stdin.
	code, out, errOut = e.cli.run(`[{"codigo":"S-1","nome":"Stdin"}]`, "import", "--tenant", "acme", "--kind", "contacts", "--feed", "-")
	if code != 0 || e.count(`SELECT count(*) FROM contacts WHERE external_id = 'S-1'`) != 1 {
		t.Fatalf("stdin feed: exit %d %s %s", code, out, errOut)
	}
}
