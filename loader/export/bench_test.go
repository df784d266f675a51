package export_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/loader/export"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// BenchmarkExport1M: `export` of 1,000,000 contacts (one phone each) to
// CSV. Target: at least 100,000 rows/s.
//
//	go test -run '^$' -bench Export1M -benchtime 1x ./loader/export/
func BenchmarkExport1M(b *testing.B) {
	const n = 1_000_000
	db := schematest.New(b)
	ten := apitest.NewTenant(b, db, schema.Tenant{Slug: "bench", DefaultDDD: "47"})
	ten.Bulk(b, 0, n)
	out := filepath.Join(b.TempDir(), "contatos.csv")
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		sum, err := export.Write(context.Background(), db, ten.Tenant, export.Options{Kind: schema.KindContact}, f, out)
		elapsed := time.Since(start)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if sum.Records != n {
			b.Fatalf("exported %d records, want %d", sum.Records, n)
		}
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "rows/s")
		if rate < 100_000 {
			b.Errorf("%.0f rows/s, want at least 100,000", rate)
		}
	}
}
