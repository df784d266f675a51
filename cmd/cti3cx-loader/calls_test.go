package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// Calls journaled through the real lookup and report path, then listed and
// exported in every format.
func TestCallsCommand(t *testing.T) {
	u := schematest.URL(t)
	db, err := schema.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	ctx := context.Background()
	acme := apitest.NewTenant(t, db, schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	other := apitest.NewTenant(t, db, schema.Tenant{Slug: "other", DefaultDDD: "47"})
	acc := acme.Account(t, "A-1", "Acme Ltda", "=HYPERLINK(\"x\")", "")
	maria := acme.Contact(t, "C-1001", "Maria", "Silva", "", &acc, "")
	acme.ContactPhone(t, maria, schema.FieldMobile, 0, "+5547999887766")
	joao := acme.Contact(t, "C-2", "João", "Souza", "", nil, "Souza ME")
	acme.ContactPhone(t, joao, schema.FieldMobile, 0, "+5547988887777")
	oc := other.Contact(t, "C-1001", "Other", "", "", nil, "")
	other.ContactPhone(t, oc, schema.FieldMobile, 0, "+5547999887766")

	answer := func(ten *apitest.Tenant, e164, number string) int64 {
		_, id, err := db.AnswerExact(ctx, ten.ID, []string{e164}, number, 10)
		if err != nil || id == 0 {
			t.Fatalf("answer %s: %v", number, err)
		}
		return id
	}
	answered := answer(acme, "+5547999887766", "5547999887766")
	if err := db.CompleteCall(ctx, acme.ID, answered, schema.CallReport{
		Date: time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC), Start: 23*time.Hour + 58*time.Minute, End: 2 * time.Minute,
		Duration: 4 * time.Minute, Type: schema.CallInbound, Agent: "201", Phone: "5547999887766",
	}); err != nil {
		t.Fatal(err)
	}
	missed := answer(acme, "+5547988887777", "47988887777")
	if err := db.CompleteCall(ctx, acme.ID, missed, schema.CallReport{Date: time.Now(), Type: schema.CallMissed, Agent: "202"}); err != nil {
		t.Fatal(err)
	}
	answer(other, "+5547999887766", "5547999887766")

	c := newCLI(t, u)
	table := c.ok("calls", "--tenant", "acme")
	for _, want := range []string{"contact C-1001", "Maria Silva", "5547999887766", "Inbound", "23:58:00", "00:02:00", "240", "yes", "contact C-2", "João Souza", "Missed", "no"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "Other") {
		t.Errorf("another tenant's call listed:\n%s", table)
	}

	out := c.ok("calls", "--tenant", "acme", "--contact", "C-1001", "--format", "csv-comma", "--timezone", "UTC")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(callColumns, ",") {
		t.Fatalf("csv: %q", rows)
	}
	if r := rows[1]; r[1] != "C-1001" || r[2] != "Maria Silva" || r[4] != `'=HYPERLINK("x")` || r[8] != "2024-05-31" || r[11] != "240" || r[12] != "yes" ||
		!strings.HasSuffix(r[13], "Z") {
		t.Errorf("csv row: %q", r)
	}
	// For staff: ';', a BOM, Portuguese, the record time in the tenant's zone.
	out = c.ok("calls", "--tenant", "acme", "--contact", "C-1001", "--format", "csv")
	if !strings.HasPrefix(out, "\uFEFFChamada;ID do contato;Contato;") || !strings.Contains(out, "\r\n") {
		t.Fatalf("csv for staff: %q", out)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	cr.Comma = ';'
	if rows, err = cr.ReadAll(); err != nil || len(rows) != 2 {
		t.Fatalf("csv for staff: %q %v", rows, err)
	}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	var created time.Time
	if err := db.Pool.QueryRow(ctx, `SELECT created_at FROM calls WHERE id = $1`, answered).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if r := rows[1]; r[4] != `'=HYPERLINK("x")` || r[5] != "\t5547999887766" || r[6] != "recebida" || r[8] != "\t31/05/2024" ||
		r[11] != "240" || r[12] != "sim" || r[13] != "\t"+created.In(sp).Format("02/01/2006 15:04:05") {
		t.Errorf("csv row for staff: %q", r)
	}
	out = c.ok("calls", "--tenant", "acme", "--format", "ndjson")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("ndjson: %q", out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["contact_id"] != "C-1001" || first["answered"] != true || first["duration_s"] != float64(240) || first["type"] != "Inbound" {
		t.Errorf("ndjson: %v", first)
	}

	path := filepath.Join(t.TempDir(), "calls.xlsx")
	c.ok("calls", "--tenant", "acme", "--format", "xlsx", "--out", path)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, err := f.GetRows("Chamadas")
	if err != nil || len(sheet) != 3 || sheet[1][2] != "Maria Silva" || sheet[2][6] != "perdida" || sheet[1][8] != "31/05/2024" {
		t.Errorf("xlsx: %v %q", err, sheet)
	}
	if dim, _ := f.GetSheetDimension("Chamadas"); dim != "A1:O3" {
		t.Errorf("xlsx dimension %q, want A1:O3", dim)
	}
	if panes, err := f.GetPanes("Chamadas"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("xlsx header not frozen: %+v %v", panes, err)
	}
	if tables, _ := f.GetTables("Chamadas"); len(tables) != 1 || tables[0].Range != "A1:O3" {
		t.Errorf("xlsx filter: %+v", tables)
	}
	if w, _ := f.GetColWidth("Chamadas", "C"); w < 20 {
		t.Errorf("xlsx contact column %v wide", w)
	}
	for cell, want := range map[string]excelize.CellType{"A2": excelize.CellTypeNumber, "L2": excelize.CellTypeNumber,
		"E2": excelize.CellTypeInlineString, "F2": excelize.CellTypeInlineString} {
		typ, _ := f.GetCellType("Chamadas", cell)
		if typ == excelize.CellTypeUnset { // no t attribute: a number
			typ = excelize.CellTypeNumber
		}
		if typ != want && !(want == excelize.CellTypeInlineString && typ == excelize.CellTypeSharedString) {
			t.Errorf("xlsx %s type %v, want %v", cell, typ, want)
		}
	}
	if v, _ := f.GetCellValue("Chamadas", "E2", excelize.Options{RawCellValue: true}); v != `=HYPERLINK("x")` {
		t.Errorf("xlsx company %q", v)
	}
	if formula, _ := f.GetCellFormula("Chamadas", "E2"); formula != "" {
		t.Errorf("xlsx company is a formula: %q", formula)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("xlsx mode %v %v, want 0644", fi.Mode(), err)
	}

	// A lookup never reported, on a number Maria and Pedro share: in both
	// histories, "não reportada", hidden by --reported-only.
	pedro := acme.Contact(t, "C-1005", "Pedro", "Reis", "", nil, "")
	acme.ContactPhone(t, pedro, schema.FieldMobile, 0, "+5547999887766")
	owners, shared, err := db.AnswerExact(ctx, acme.ID, []string{"+5547999887766"}, "47999887766", 10)
	if err != nil || len(owners) != 2 {
		t.Fatalf("shared answer: %v %+v", err, owners)
	}
	if err := db.RecordCallOwners(ctx, acme.ID, shared, owners); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"C-1001", "C-1005"} {
		out := c.ok("calls", "--tenant", "acme", "--contact", who)
		if !strings.Contains(out, "contact "+who) || !strings.Contains(out, "não reportada") || !strings.Contains(out, "47999887766") {
			t.Errorf("%s's history lacks the shared, unreported call:\n%s", who, out)
		}
		if out := c.ok("calls", "--tenant", "acme", "--contact", who, "--reported-only"); strings.Contains(out, "não reportada") {
			t.Errorf("--reported-only lists an unreported call:\n%s", out)
		}
	}
	out = c.ok("calls", "--tenant", "acme", "--contact", "C-1005", "--format", "csv-comma")
	if rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); len(rows) != 2 || rows[1][1] != "C-1005" || rows[1][14] != "no" || rows[1][6] != "" {
		t.Errorf("csv of an unreported call: %q", rows)
	}

	if out := c.ok("calls", "--tenant", "acme", "--since", "2999-01-01"); !strings.Contains(out, "(no calls)") {
		t.Errorf("--since in the future: %s", out)
	}
	for _, args := range [][]string{
		{"calls"},
		{"calls", "--tenant", "acme", "--format", "pdf"},
		{"calls", "--tenant", "acme", "--since", "yesterday"},
		{"calls", "--tenant", "acme", "--format", "xlsx"},
	} {
		if code, _, errOut := c.run("", args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, want 2 with a message", args, code)
		}
	}
	if code, _, errOut := c.run("", "calls", "--tenant", "nobody"); code != 1 || !strings.Contains(errOut, "nobody") {
		t.Errorf("unknown tenant: exit %d %s", code, errOut)
	}
}

// A caller found as an account (a company's own number) is named by the
// account's id in the table, as the exports' account_id names it.
func TestCallsTableRecord(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	calls := []schema.Call{
		{ID: 1, AccountExternalID: "A-1", Company: "Acme Ltda", Number: "4733334444", CreatedAt: time.Now()},
		{ID: 2, ContactExternalID: "C-1", ContactName: "Maria Silva", AccountExternalID: "A-1", Company: "Acme Ltda", Number: "47999887766", CreatedAt: time.Now()},
		{ID: 3, Number: "4733335555", CreatedAt: time.Now()},
	}
	if err := writeCallsTable(&b, calls); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(strings.Fields(lines[0])[1], "RECORD") {
		t.Fatalf("table:\n%s", b.String())
	}
	for i, want := range [][]string{{"1", "account", "A-1", "-", "Acme", "Ltda", "4733334444"},
		{"2", "contact", "C-1", "Maria", "Silva", "Acme", "Ltda", "47999887766"}, {"3", "-", "-", "-", "4733335555"}} {
		if got := strings.Fields(lines[i+1]); len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("row %d = %q, want it to start %q", i+1, got, want)
		}
	}
}
