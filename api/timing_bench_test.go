package api_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/schema"
)

// BenchmarkAuthTiming measures whether a prober can tell an unknown tenant
// from a known tenant with a wrong token by timing: both are 401, and their
// medians must differ by no more than the noise. Cold is without the
// credentials cache (every request queries the database), warm with it.
// Requests go through the handler in-process, alternating the two kinds (in turn first) so
// that drift (a loaded machine) hits both alike. Reported: each kind's
// median, their difference, and its standard error (from the interquartile
// ranges); within noise means |diff| < 3 standard errors.
//
//	go test -run '^$' -bench AuthTiming -benchtime 4000x ./api/
func BenchmarkAuthTiming(b *testing.B) {
	db := apitest.TunedDB(b, 0)
	acme := apitest.NewTenant(b, db, schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	for _, role := range []schema.Role{schema.RolePBX, schema.RoleSync} {
		if _, _, err := db.IssueToken(context.Background(), acme.ID, "more", role); err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range []struct {
		name string
		ttl  time.Duration
	}{{"cold", -1}, {"warm", time.Hour}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := api.NewServer(api.Deps{DB: db, AuthTTL: mode.ttl, AuthFailureBurst: math.MaxInt32})
			defer srv.Close(context.Background())
			req := func(tenant string) *http.Request {
				r := httptest.NewRequest("GET", "/cti3cx/consult-phone/5547999887766", nil)
				// Set canonicalizes as the server does with what arrives.
				r.Header.Set(api.HeaderToken, "c3x_0000000000000000000000000000000000000000000")
				r.Header.Set(api.HeaderTenant, tenant)
				return r
			}
			unknown, wrong := req("nobody"), req("acme")
			timeOne := func(r *http.Request) time.Duration {
				w := httptest.NewRecorder()
				start := time.Now()
				srv.ServeHTTP(w, r)
				d := time.Since(start)
				if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "invalid token_crm") {
					b.Fatalf("status %d %s", w.Code, w.Body)
				}
				return d
			}
			for range 50 { // warm the pool, the plan cache and the credentials cache
				timeOne(unknown)
				timeOne(wrong)
			}
			var u, k []float64
			b.ResetTimer()
			for i := range b.N {
				if i%2 == 0 {
					u = append(u, float64(timeOne(unknown)))
					k = append(k, float64(timeOne(wrong)))
				} else {
					k = append(k, float64(timeOne(wrong)))
					u = append(u, float64(timeOne(unknown)))
				}
			}
			b.StopTimer()
			mu, mk := median(u), median(k)
			se := math.Hypot(medianSE(u), medianSE(k))
			b.ReportMetric(mu, "unknown-median-ns")
			b.ReportMetric(mk, "wrongtoken-median-ns")
			b.ReportMetric(mk-mu, "diff-ns")
			b.ReportMetric(se, "diff-stderr-ns")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// medianSE is the median's standard error, from the interquartile range as
// a robust estimate of the spread: 1.253 σ / √n, σ ≈ IQR / 1.349.
func medianSE(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	iqr := s[len(s)*3/4] - s[len(s)/4]
	return 1.253 * (iqr / 1.349) / math.Sqrt(float64(len(s)))
}
