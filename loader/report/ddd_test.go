package report_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/loader/report"
)

// A phone read with the row's DDD column shows that DDD cell under its
// value, in both formats, so that staff see what a reason such as
// ddd_split speaks of; the file is still one fixes apply reads, and the
// ref still matches the stored raw value.
func TestReportShowsDDDCell(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.ids["3333-4444"]
	if _, err := f.db.Pool.Exec(ctx, `UPDATE phones SET ddd = '47' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	want := "3333-4444\ncoluna de DDD: 47"
	for _, ext := range []string{"xlsx", "csv"} {
		path := filepath.Join(t.TempDir(), "acme."+ext)
		if _, err := report.Write(ctx, f.db, f.tenant, path, report.Options{}); err != nil {
			t.Fatal(err)
		}
		var got []string
		err := report.ReadRows(path, func(r report.Row) error {
			if strings.HasPrefix(r.Get("ref"), itoa64(id)+".") {
				got = append(got, r.Get("valor_armazenado"))
			}
			if r.Get("valor_armazenado") == "(20) 3333-4444" && r.Get("ref") == "" {
				t.Errorf("%s: a row without a ref", ext)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s: Valor no CRM of the phone with a DDD cell = %q, want %q", ext, got, want)
		}
		if ext == "xlsx" {
			fillXLSX(t, path, map[string]string{want: "(47) 3333-4444"})
		}
		sum, err := report.ApplyFixes(ctx, f.db, f.tenant, path, report.FixOptions{DryRun: true, Out: filepath.Join(t.TempDir(), "r."+ext)})
		if err != nil {
			t.Fatal(err)
		}
		if ext == "xlsx" && (sum.Applied != 1 || sum.Stale != 0) {
			t.Errorf("fixes apply on the report: %+v, want the row applied, not stale", sum)
		}
	}
	// Other phones keep the value alone.
	path := filepath.Join(t.TempDir(), "acme.csv")
	if _, err := report.Write(ctx, f.db, f.tenant, path, report.Options{}); err != nil {
		t.Fatal(err)
	}
	err := report.ReadRows(path, func(r report.Row) error {
		if v := r.Get("valor_armazenado"); !strings.HasPrefix(r.Get("ref"), itoa64(id)+".") && strings.Contains(v, "DDD") {
			t.Errorf("a phone without a DDD cell shows one: %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
