package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// importEnv is a migrated database with tenant "acme" (DDD 47) and the CLI
// pointed at it.
type importEnv struct {
	t      *testing.T
	cli    *shell
	db     *schema.DB
	tenant schema.Tenant
	dir    string
}

func newImportEnv(t *testing.T) *importEnv {
	t.Helper()
	url := schematest.URL(t)
	db, err := schema.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	tenant, err := db.CreateTenant(context.Background(), schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	return &importEnv{t: t, cli: newCLI(t, url), db: db, tenant: tenant, dir: t.TempDir()}
}

// sample copies a file of samples/ into the test's directory, so that the
// rejects file lands there.
func (e *importEnv) sample(name string) string {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "samples", name))
	if err != nil {
		e.t.Fatal(err)
	}
	return e.write(name, data)
}

func (e *importEnv) write(name string, data []byte) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *importEnv) imp(args ...string) (int, string, string) {
	e.t.Helper()
	return e.cli.run("", append([]string{"import", "--tenant", "acme"}, args...)...)
}

func (e *importEnv) mustImport(args ...string) string {
	e.t.Helper()
	code, out, errOut := e.imp(args...)
	if code != 0 {
		e.t.Fatalf("import %v: exit %d\n%s\n%s", args, code, out, errOut)
	}
	return out
}

func (e *importEnv) lastRun() schema.ImportRun {
	e.t.Helper()
	runs, err := e.db.ListImportRuns(context.Background(), e.tenant.ID, 1)
	if err != nil || len(runs) == 0 {
		e.t.Fatalf("no import run: %v", err)
	}
	return runs[0]
}

func (e *importEnv) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (e *importEnv) contactPhones(id string) map[string]schema.Phone {
	e.t.Helper()
	c, err := e.db.ContactByExternalID(context.Background(), e.tenant.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	ps, err := e.db.ContactPhones(context.Background(), e.tenant.ID, c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]schema.Phone{}
	for _, p := range ps {
		out[fmt.Sprintf("%s/%d", p.Field, p.Position)] = p
	}
	return out
}

func wantCounts(t *testing.T, r schema.ImportRun, want schema.ImportCounts) {
	t.Helper()
	got := r.ImportCounts
	got.PhonesOK, got.PhonesFixed, got.PhonesInvalid = 0, 0, 0
	if got != want {
		t.Fatalf("run %d (%s): counts %+v, want %+v", r.ID, r.Outcome, got, want)
	}
}

func TestImportSamplesAndReimport(t *testing.T) {
	e := newImportEnv(t)
	accounts, contacts := e.sample("accounts.csv"), e.sample("contacts.csv")

	e.mustImport("--file", accounts)
	// A-500's e-mail is invalid: the row loads without it, with a warning.
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 5, Inserted: 5, Warned: 1})
	if a, err := e.db.AccountByExternalID(context.Background(), e.tenant.ID, "A-500"); err != nil || a.Email != "" || a.Name != "Comércio de Peças Joinville" {
		t.Fatalf("A-500 = %+v, %v", a, err)
	}
	acme, err := e.db.AccountByExternalID(context.Background(), e.tenant.ID, "A-100")
	if err != nil || acme.Name != "Acme Indústria Ltda" || acme.TradeName != "Acme" {
		t.Fatalf("A-100 = %+v, %v (Windows-1252 decoded?)", acme, err)
	}
	aps, _ := e.db.AccountPhones(context.Background(), e.tenant.ID, acme.ID)
	if len(aps) != 1 || aps[0].E164 != "+554733334400" || aps[0].Raw != "(47) 3333-4400" {
		t.Fatalf("A-100 phones = %+v", aps)
	}
	// The rejects file keeps the input's encoding and delimiter.
	rej, err := os.ReadFile(filepath.Join(e.dir, "accounts.rejeitados.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := charmap.Windows1252.NewDecoder().Bytes(rej)
	if !strings.HasPrefix(string(text), "Código;Razão Social;") || !strings.Contains(string(text), "A-500;") ||
		!strings.Contains(string(text), ";linha;codigo_erro;mensagem;importada") || !strings.Contains(string(text), ";6;invalid_email;") ||
		!strings.Contains(string(text), `"vendas@pecasjv"`) || !strings.Contains(string(text), ";sim\r\n") {
		t.Fatalf("accounts rejects file:\n%s", text)
	}

	out := e.mustImport("--file", contacts)
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 8, Inserted: 8, Warned: 1})
	if !strings.Contains(out, "inserted") || !strings.Contains(out, "phones invalid") {
		t.Fatalf("no summary table:\n%s", out)
	}
	maria, err := e.db.ContactByExternalID(context.Background(), e.tenant.ID, "C-1001")
	if err != nil || maria.FirstName != "Maria" || maria.LastName != "Silva" || maria.Email != "maria.silva@example.com.br" ||
		maria.AccountID == nil || *maria.AccountID != acme.ID {
		t.Fatalf("C-1001 = %+v, %v", maria, err)
	}
	ps := e.contactPhones("C-1001")
	if p := ps["mobilephone/0"]; p.E164 != "+5547999887766" || p.Status != "ok" || p.Raw != "(47) 99988-7766" ||
		p.RulesVersion == "" || p.ProfileFingerprint == "" {
		t.Fatalf("Maria's mobile = %+v", p)
	}
	if p := ps["businessphone/0"]; p.E164 != "+554733334444" || p.Extension != "21" || !strings.Contains(p.Reasons, "extension_split") {
		t.Fatalf("Maria's business phone = %+v", p)
	}
	ps = e.contactPhones("C-1004") // two numbers in one cell
	if ps["mobilephone/0"].E164 != "+5511987654321" || ps["mobilephone/1"].E164 != "+5511912345678" {
		t.Fatalf("C-1004 phones = %+v", ps)
	}
	ps = e.contactPhones("C-1002") // legacy 8-digit mobile without DDD
	if p := ps["mobilephone/0"]; p.Status != "fixed" || p.E164 != "+5547988776655" || !strings.Contains(p.Reasons, "added_ninth_digit") {
		t.Fatalf("C-1002 mobile = %+v", p)
	}
	if p := e.contactPhones("C-1005")["businessphone/0"]; p.Status != "invalid" || !strings.Contains(p.Reasons, "placeholder") {
		t.Fatalf("placeholder = %+v", p)
	}
	if p := e.contactPhones("C-1007")["businessphone/0"]; p.E164 != "+351217654321" || p.Type != "foreign" && p.Type != "fixed" {
		t.Fatalf("foreign = %+v", p)
	}
	rejects, _ := e.db.ImportRejects(context.Background(), e.tenant.ID, e.lastRun().ID)
	if len(rejects) != 1 || rejects[0].Line != 7 || rejects[0].Code != "invalid_email" || !rejects[0].Imported ||
		!strings.Contains(rejects[0].Record, "C-1006") || !strings.Contains(rejects[0].Message, `coluna "E-mail"`) {
		t.Fatalf("rejects = %+v", rejects)
	}
	rej, _ = os.ReadFile(filepath.Join(e.dir, "contacts.rejeitados.csv"))
	if !bytes.HasPrefix(rej, []byte("\xef\xbb\xbfCódigo;Nome;")) || !bytes.Contains(rej, []byte("C-1006;Pedro")) {
		t.Fatalf("contacts rejects file:\n%s", rej)
	}

	// Second run: everything unchanged, nothing written.
	before := e.count(`SELECT sum(xmin::text::bigint) FROM (SELECT xmin FROM contacts UNION ALL SELECT xmin FROM phones UNION ALL SELECT xmin FROM accounts) x`)
	e.mustImport("--file", accounts)
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 5, Unchanged: 5, Warned: 1})
	e.mustImport("--file", contacts)
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 8, Unchanged: 8, Warned: 1})
	after := e.count(`SELECT sum(xmin::text::bigint) FROM (SELECT xmin FROM contacts UNION ALL SELECT xmin FROM phones UNION ALL SELECT xmin FROM accounts) x`)
	if before != after {
		t.Fatalf("re-import rewrote rows (xmin sum %d -> %d)", before, after)
	}
}

func TestImportChangedRowKeepsOverridesOfUnchangedCells(t *testing.T) {
	e := newImportEnv(t)
	ctx := context.Background()
	csv1 := "Código;Nome;Sobrenome;Telefone;Celular\r\nC-1;Maria;Silva;(47) 3333-4444;(47) 99988-7766\r\nC-2;João;Souza;(47) 3333-5555;\r\n"
	path := e.write("c.csv", []byte(csv1))
	e.mustImport("--file", path)
	// Staff fixed both of Maria's numbers.
	if _, err := e.db.Pool.Exec(ctx, `UPDATE phones SET override = 'fix' WHERE tenant_id = $1`, e.tenant.ID); err != nil {
		t.Fatal(err)
	}
	mobileID := e.contactPhones("C-1")["mobilephone/0"].ID
	// The source changes Maria's business phone only, and adds a whatsapp-less second cell.
	csv2 := "Código;Nome;Sobrenome;Telefone;Celular\r\nC-1;Maria;Silva;(47) 3333-4000 / (47) 3333-4001;(47) 99988-7766\r\nC-2;João;Souza;(47) 3333-5555;\r\n"
	e.write("c.csv", []byte(csv2))
	e.mustImport("--file", path)
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 2, Updated: 1, Unchanged: 1})
	ps := e.contactPhones("C-1")
	if p := ps["businessphone/0"]; p.Override != nil || p.E164 != "+554733334000" {
		t.Fatalf("changed cell: %+v (override must be cleared)", p)
	}
	if p := ps["businessphone/1"]; p.E164 != "+554733334001" {
		t.Fatalf("second number of the changed cell: %+v", p)
	}
	if p := ps["mobilephone/0"]; p.Override == nil || *p.Override != "fix" || p.ID != mobileID {
		t.Fatalf("unchanged cell: %+v (override must stay)", p)
	}
	if p := e.contactPhones("C-2")["businessphone/0"]; p.Override == nil {
		t.Fatalf("unchanged row's phone lost its override: %+v", p)
	}
	// Emptying a cell removes its phones.
	e.write("c.csv", []byte("Código;Nome;Sobrenome;Telefone;Celular\r\nC-1;Maria;Silva;;(47) 99988-7766\r\n"))
	e.mustImport("--file", path)
	if ps := e.contactPhones("C-1"); len(ps) != 1 {
		t.Fatalf("after emptying the business phone: %+v", ps)
	}
}

func TestImportDuplicateIDsKeepTheLastRow(t *testing.T) {
	e := newImportEnv(t)
	path := e.write("d.csv", []byte("Código,Nome,Sobrenome,Celular\nC-1,Old,Name,(47) 99999-0001\nC-2,Other,One,\nC-1,New,Name,(47) 99999-0002\n"))
	out := e.mustImport("--file", path)
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 3, Inserted: 2})
	c, _ := e.db.ContactByExternalID(context.Background(), e.tenant.ID, "C-1")
	if c.FirstName != "New" || e.contactPhones("C-1")["mobilephone/0"].E164 != "+5547999990002" {
		t.Fatalf("C-1 = %+v, want the last row", c)
	}
	if !strings.Contains(out, "duplicates") {
		t.Fatalf("summary: %s", out)
	}
	rejects, _ := e.db.ImportRejects(context.Background(), e.tenant.ID, e.lastRun().ID)
	if len(rejects) != 1 || rejects[0].Code != "duplicate_id" || rejects[0].Line != 2 {
		t.Fatalf("rejects = %+v", rejects)
	}
}

func TestImportXLSXSample(t *testing.T) {
	e := newImportEnv(t)
	e.mustImport("--file", e.sample("accounts.xlsx"))
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 5, Inserted: 5, Warned: 1})
	e.mustImport("--file", e.sample("contacts.xlsx"))
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 8, Inserted: 8, Warned: 1})
	if p := e.contactPhones("C-1001")["mobilephone/0"]; p.E164 != "+5547999887766" {
		t.Fatalf("Maria's mobile from XLSX = %+v", p)
	}
	f, err := excelize.OpenFile(filepath.Join(e.dir, "contacts.rejeitados.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 2 || rows[1][0] != "C-1006" || rows[1][len(rows[1])-3] != "invalid_email" || rows[1][len(rows[1])-1] != "sim" {
		t.Fatalf("XLSX rejects = %q", rows)
	}
}

func TestImportMappingFileAndDryRun(t *testing.T) {
	e := newImportEnv(t)
	contacts := e.sample("contacts.csv")
	code, out, errOut := e.imp("--file", contacts, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "kind: contacts") || !strings.Contains(out, `Whatsapp: "mobilephone2"`) || !strings.Contains(out, `Empresa: "account_external_id"`) {
		t.Fatalf("dry run printed no mapping:\n%s", out)
	}
	if e.lastRun().Outcome != schema.OutcomeDryRun || e.count(`SELECT count(*) FROM contacts`) != 0 {
		t.Fatalf("dry run wrote: %+v", e.lastRun())
	}
	if e.lastRun().Inserted != 8 {
		t.Fatalf("dry run should count what it would do: %+v", e.lastRun())
	}
	// stdout is the mapping alone ("--dry-run > mapping.yaml"); the summary
	// goes to stderr.
	if strings.Contains(out, "dry run") || !strings.Contains(errOut, "import (dry run") {
		t.Fatalf("dry run: summary on stdout or missing from stderr:\n--- stdout\n%s\n--- stderr\n%s", out, errOut)
	}
	asIs := e.write("as-is.yaml", []byte(out))
	e.mustImport("--file", contacts, "--mapping", asIs)
	if _, ok := e.contactPhones("C-1008")["mobilephone2/0"]; !ok {
		t.Fatal("the dry run's mapping, used as is, did not map Whatsapp")
	}
	// The printed mapping, saved and edited, drives the next import.
	mapping := strings.Replace(out, `Whatsapp: "mobilephone2"`, `Whatsapp: ""`, 1)
	mp := e.write("m.yaml", []byte(mapping))
	e.mustImport("--file", contacts, "--mapping", mp)
	if _, ok := e.contactPhones("C-1008")["mobilephone2/0"]; ok {
		t.Fatal("the mapping file's ignored column was imported")
	}
	e.mustImport("--file", contacts, "--mapping", filepath.Join("..", "..", "samples", "mapping.yaml"))
	if _, ok := e.contactPhones("C-1008")["mobilephone2/0"]; !ok {
		t.Fatal("samples/mapping.yaml did not map Whatsapp")
	}
}

func TestImportMaxErrorsAborts(t *testing.T) {
	e := newImportEnv(t)
	path := e.write("m.csv", []byte("Código;Nome;E-mail\n1;A;a@x.com.br\n;B;b@x.com.br\n;C;c@x.com.br\n4;D;bad\n"))
	for _, limit := range []string{"1", "40%"} {
		code, _, errOut := e.imp("--file", path, "--kind", "contacts", "--max-errors", limit)
		if code != 1 || !strings.Contains(errOut, "max-errors") {
			t.Fatalf("--max-errors %s: exit %d, %s", limit, code, errOut)
		}
		if r := e.lastRun(); r.Outcome != schema.OutcomeAborted || e.count(`SELECT count(*) FROM contacts`) != 0 {
			t.Fatalf("--max-errors %s: run %+v, contacts written", limit, r)
		}
	}
	e.mustImport("--file", path, "--kind", "contacts", "--max-errors", "50%")
	// A warning (D's e-mail) is no error: it does not count toward the limit.
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 4, Inserted: 2, Rejected: 2, Warned: 1})
}

func TestImportFullModeSoftDeletes(t *testing.T) {
	e := newImportEnv(t)
	var b strings.Builder
	b.WriteString("Código;Nome;Sobrenome;Celular\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "C-%d;N%d;S;(47) 99999-%04d\n", i, i, i)
	}
	path := e.write("all.csv", []byte(b.String()))
	e.mustImport("--file", path)
	// 7 of 10 absent: refused without --force.
	few := e.write("few.csv", []byte("Código;Nome;Sobrenome;Celular\nC-1;N1;S;(47) 99999-0001\nC-2;N2;S;\nC-3;N3;S;x\n"))
	code, _, errOut := e.imp("--file", few, "--mode", "full")
	if code != 1 || !strings.Contains(errOut, "--force") || e.count(`SELECT count(*) FROM contacts WHERE deleted_at IS NULL`) != 10 {
		t.Fatalf("full mode past the safe share: exit %d %s", code, errOut)
	}
	// 2 of 10 absent: fine; a rejected row's record is not deleted.
	most := e.write("most.csv", []byte(strings.Replace(strings.Replace(b.String(), "C-9;", "X;", 1), "C-10;N10;S;", "C-10;N10;S;;bad-extra-field;", 1)))
	e.mustImport("--file", most, "--mode", "full")
	r := e.lastRun()
	if r.Deleted != 1 || r.Rejected != 1 || e.count(`SELECT count(*) FROM contacts WHERE deleted_at IS NOT NULL AND external_id = 'C-9'`) != 1 {
		t.Fatalf("full mode: %+v", r)
	}
	e.mustImport("--file", few, "--mode", "full", "--force")
	if e.count(`SELECT count(*) FROM contacts WHERE deleted_at IS NULL`) != 3 {
		t.Fatalf("--force did not delete")
	}
	// A deleted record that comes back is restored.
	e.mustImport("--file", path)
	if e.count(`SELECT count(*) FROM contacts WHERE deleted_at IS NULL`) != 10 {
		t.Fatal("records were not restored")
	}
}

func TestImportInterruptedLeavesNothingThenCompletes(t *testing.T) {
	e := newImportEnv(t)
	var b strings.Builder
	b.WriteString("Código;Nome;Sobrenome;Celular\n")
	for i := 1; i <= 20000; i++ {
		fmt.Fprintf(&b, "C-%d;N%d;S;(47) 9%04d-%04d\n", i, i, i, i)
	}
	full := b.String()
	half := full[:len(full)/2]
	half = half[:strings.LastIndexByte(half, '\n')+1]

	// Stream half the file through stdin, then kill the import while COPY
	// waits for the rest.
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out, errOut bytes.Buffer
	go func() {
		done <- run(ctx, []string{"import", "--tenant", "acme", "--kind", "contacts", "--file", "-"},
			func(k string) string { return e.cli.env[k] }, pr, &out, &errOut)
	}()
	if _, err := io.WriteString(pw, half); err != nil {
		t.Fatal(err)
	}
	// Wait until the run is recorded and rows are flowing.
	for e.count(`SELECT count(*) FROM import_runs`) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	pw.CloseWithError(errors.New("killed"))
	code := <-done
	if code == 0 {
		t.Fatalf("interrupted import exited 0:\n%s", out.String())
	}
	if n := e.count(`SELECT count(*) FROM contacts`) + e.count(`SELECT count(*) FROM phones`); n != 0 {
		t.Fatalf("%d rows visible after the interrupted import", n)
	}
	if !strings.Contains(errOut.String(), "import interrupted by signal; nothing was written") || strings.Contains(errOut.String(), "context canceled") {
		t.Fatalf("interrupted import says:\n%s", errOut.String())
	}
	if r := e.lastRun(); r.Outcome != schema.OutcomeInterrupted || r.Error != "interrupted by signal" {
		t.Fatalf("interrupted run: %+v", r)
	}
	path := e.write("all.csv", []byte(full))
	e.mustImport("--file", path)
	wantCounts(t, e.lastRun(), schema.ImportCounts{RowsRead: 20000, Inserted: 20000})
}

// A feed failing on its first page exits non-zero and leaves a failed run.
func TestImportFeedFailingFirstPage(t *testing.T) {
	e := newImportEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	code, out, errOut := e.imp("--feed", srv.URL+"/contacts", "--feed-retries", "1")
	if code == 0 || !strings.Contains(errOut, "500") {
		t.Fatalf("feed answering 500: exit %d\n%s\n%s", code, out, errOut)
	}
	r := e.lastRun()
	if r.Outcome != schema.OutcomeFailed || !strings.Contains(r.Error, "500") || r.Source != srv.URL+"/contacts" {
		t.Fatalf("run %+v: want failed with the HTTP error", r)
	}
	if !strings.Contains(out, "failed") {
		t.Errorf("no summary of the failed run:\n%s", out)
	}
}
