package revalidate_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/cti3cx/cti3cx/loader/revalidate"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// benchPhones is the number of stored phones the benchmarks revalidate:
// CTI3CX_BENCH_PHONES, a million by default.
func benchPhones(b *testing.B) int {
	n := 1_000_000
	if s := os.Getenv("CTI3CX_BENCH_PHONES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("CTI3CX_BENCH_PHONES=%q: want a positive count", s)
		}
		n = v
	}
	return n
}

// benchCell writes numbers the way CRM users type them: landlines and
// mobiles with and without DDD, punctuation, a few invalid ones.
func benchCell(i int) string {
	switch i % 8 {
	case 0:
		return fmt.Sprintf("(47) 3%03d-%04d", 200+i%700, i%10000)
	case 1:
		return fmt.Sprintf("47 9%04d-%04d", 8000+i%2000, i%10000)
	case 2:
		return fmt.Sprintf("3%03d-%04d", 200+i%700, i%10000)
	case 3:
		return fmt.Sprintf("+55 11 9%04d %04d", 7000+i%3000, i%10000)
	case 4:
		return fmt.Sprintf("0xx21 2%03d-%04d", 200+i%700, i%10000)
	case 5:
		return fmt.Sprintf("(48) 9%04d-%04d ramal %d", 9000+i%1000, i%10000, i%300)
	case 6:
		return fmt.Sprintf("%d", 1000+i%9000) // too short
	default:
		return fmt.Sprintf("041 3%03d.%04d", 200+i%700, i%10000)
	}
}

func seedBench(b *testing.B) (*schema.DB, schema.Tenant, normalize.Profile, int) {
	b.Helper()
	n := benchPhones(b)
	db := schematest.New(b)
	tenant := rt.Tenant(b, db, "bench", "47", "")
	profile := rt.Profile(b, tenant)
	accounts := rt.Accounts(b, db, tenant.ID, (n+len(schema.PhoneFields)-1)/len(schema.PhoneFields))
	rt.BulkPhones(b, db, tenant.ID, accounts, profile, "seed", n, benchCell)
	return db, tenant, profile, n
}

// BenchmarkRevalidateUnchanged: the rules version was bumped, every number
// reads the same: each row is only stamped as checked.
func BenchmarkRevalidateUnchanged(b *testing.B) {
	db, tenant, _, n := seedBench(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		run, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{RulesVersion: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		if run.Checked != n || run.Changed != 0 {
			b.Fatalf("checked %d changed %d, want %d and 0", run.Checked, run.Changed, n)
		}
	}
	b.ReportMetric(float64(n), "phones/op")
}

// BenchmarkRevalidateAllChanged: the tenant's dial format changed, every
// valid number gets a new dial string and an audit row.
func BenchmarkRevalidateAllChanged(b *testing.B) {
	db, tenant, _, n := seedBench(b)
	ctx := context.Background()
	formats := []string{"national", "default"}
	valid := rt.Count(b, db, `SELECT count(*) FROM phones WHERE status <> 'invalid'`)
	b.ResetTimer()
	for i := range b.N {
		p, err := normalize.NewProfile(tenant.DefaultDDD, formats[i%2])
		if err != nil {
			b.Fatal(err)
		}
		run, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{Profile: &p})
		if err != nil {
			b.Fatal(err)
		}
		if run.Checked != n || run.Changed != valid {
			b.Fatalf("checked %d changed %d, want %d and %d", run.Checked, run.Changed, n, valid)
		}
	}
	b.ReportMetric(float64(n), "phones/op")
}
