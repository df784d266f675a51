package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// The staff round-trip through the CLI: revalidate, report, fix, runs.
func TestRevalidateReportFixCommands(t *testing.T) {
	ctx := context.Background()
	url := schematest.URL(t)
	db, err := schema.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tenant := rt.Tenant(t, db, "acme", "", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme Ltda", "Acme")
	ids := rt.Phones(t, db, tenant.ID, rt.Profile(t, tenant), "old", []rt.Phone{
		{AccountID: acc, Field: schema.FieldBusiness, Raw: "3333-4444"},
		{AccountID: acc, Field: schema.FieldMobile, Raw: "(20) 98765-4321"},
	})
	c := newCLI(t, url)

	out := c.ok("revalidate", "--tenant", "acme")
	if !strings.Contains(out, "acme") || !strings.Contains(out, "ok") {
		t.Errorf("revalidate printed %q", out)
	}
	path := filepath.Join(t.TempDir(), "acme.xlsx")
	if out := c.ok("report", "--tenant", "acme", "--out", path, "--status", "invalid"); !strings.Contains(out, "2 phone(s) to review") {
		t.Errorf("report printed %q", out)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var filled bool
	for _, s := range x.GetSheetList()[1:] {
		rows, _ := x.GetRows(s)
		for i, r := range rows[1:] {
			if r[5] == "3333-4444" {
				_ = x.SetCellStr(s, "G"+strconv.Itoa(i+2), "(47) 3333-4444")
				filled = true
			}
		}
	}
	if !filled {
		t.Fatal("row not found in the report")
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	x.Close()
	if out := c.ok("fixes", "apply", "--tenant", "acme", "--file", path, "--dry-run"); !strings.Contains(out, "1 fix(es) valid") {
		t.Errorf("dry run printed %q", out)
	}
	if out := c.ok("fixes", "apply", "--tenant", "acme", "--file", path); !strings.Contains(out, "1 fix(es) applied, 0 rejected") ||
		!strings.Contains(out, "acme.resultado.xlsx") {
		t.Errorf("fixes apply printed %q", out)
	}
	if s := rt.Get(t, db, ids[0]); s.E164 != "+554733334444" {
		t.Errorf("phone after the fix: %v", s)
	}
	out = c.ok("runs", "--tenant", "acme")
	if !strings.Contains(out, "Revalidation runs") || !strings.Contains(out, "Import runs") || strings.Count(out, "\n") < 5 {
		t.Errorf("runs printed %q", out)
	}

	for _, bad := range [][]string{
		{"report", "--tenant", "acme"},
		{"report", "--tenant", "acme", "--out", path, "--status", "broken"},
		{"report", "--tenant", "acme", "--out", path, "--since", "ontem"},
		{"fixes", "apply", "--tenant", "acme"},
		{"fixes", "undo"},
		{"runs"},
		{"run", "--timezone", "Mars/Olympus"},
		{"run", "--schedule-revalidate", "every night"},
	} {
		if code, _, _ := c.run("", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// The worker runs its scheduled revalidation and stops on cancellation
// (SIGTERM in main) with exit 0.
func TestRunWorker(t *testing.T) {
	url := schematest.URL(t)
	db, err := schema.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tenant := rt.Tenant(t, db, "acme", "47", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme", "")
	rt.Phones(t, db, tenant.ID, rt.Profile(t, tenant), "old", []rt.Phone{{AccountID: acc, Field: schema.FieldBusiness, Raw: "3333-4444"}})

	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	var out, errOut bytes.Buffer
	env := map[string]string{"DATABASE_URL": url, "CTI3CX_LOG_FORMAT": "text", "CTI3CX_SCHEDULE_REVALIDATE": "@every 1s"}
	code := run(ctx, []string{"run", "--metrics-addr", "", "--timezone", "UTC", "--reports-dir", t.TempDir()},
		func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errOut.String())
	}
	runs, err := db.RevalidationRuns(context.Background(), tenant.ID, 10)
	if err != nil || len(runs) == 0 || runs[len(runs)-1].Checked != 1 {
		t.Errorf("runs = %+v (%v)", runs, err)
	}
	if !strings.Contains(errOut.String(), "worker stopped") {
		t.Errorf("no clean stop in the log:\n%s", errOut.String())
	}
}
