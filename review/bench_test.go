package review_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/review"
	"github.com/cti3cx/cti3cx/schema"
)

// benchFlagged is the size the review list must stay fast at.
const benchFlagged = 100_000

// benchCells are the kinds of flagged cells, in turn: two a rule fixed, three
// invalid.
var benchCells = []func(i int) string{
	func(i int) string { return fmt.Sprintf("(47) 8%03d-%04d", i/10000, i%10000) }, // ninth digit
	func(i int) string { return fmt.Sprintf("3%03d-%04d", i/10000, i%10000) },      // default DDD
	func(i int) string { return fmt.Sprintf("(20) 3%03d-%04d", i/10000, i%10000) }, // DDD 20
	func(i int) string { return "não tem" },                                        // placeholder
	func(i int) string { return fmt.Sprintf("47 3%03d", i%1000) },                  // too short
}

// seedFlagged gives the tenant n contacts with one flagged phone each.
func seedFlagged(b *testing.B, db *schema.DB, ten schema.Tenant, n int) {
	b.Helper()
	rows, err := db.Pool.Query(context.Background(), `INSERT INTO contacts (tenant_id, external_id, first_name, last_name)
		SELECT $1, 'C-' || g, 'Cliente', 'Número ' || g FROM generate_series(1, $2) g RETURNING id`, ten.ID, n)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	phones := make([]rt.Phone, len(ids))
	for i, id := range ids {
		phones[i] = rt.Phone{ContactID: id, Field: schema.FieldMobile, Raw: benchCells[i%len(benchCells)](i)}
	}
	rt.Phones(b, db, ten.ID, rt.Profile(b, ten), normalize.RulesVersion, phones)
	for _, table := range []string{"contacts", "phones", "accounts"} {
		if _, err := db.Pool.Exec(context.Background(), "ANALYZE "+table); err != nil {
			b.Fatal(err)
		}
	}
}

// benchServer is the API over a database tuned as cti3cx-api tunes it
// (generic plans), with a tenant of benchFlagged flagged phones.
func benchServer(b *testing.B) (*httptest.Server, *schema.DB, *apitest.Tenant, string) {
	b.Helper()
	db := apitest.TunedDB(b, 0)
	ten := apitest.NewTenant(b, db, schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	staff := ten.IssueToken(b, "Maria", schema.RoleStaff)
	t0 := time.Now()
	seedFlagged(b, db, ten.Tenant, benchFlagged)
	b.Logf("seeded %d flagged phones in %v", benchFlagged, time.Since(t0).Round(time.Millisecond))
	srv := api.NewServer(api.Deps{DB: db})
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		hs.Close()
		_ = srv.Close(context.Background())
	})
	return hs, db, ten, staff
}

// quantiles reports the p50 and the given upper quantile of ds in
// milliseconds.
func quantiles(b *testing.B, ds []time.Duration, upper float64, name string) {
	slices.Sort(ds)
	at := func(q float64) float64 {
		return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(upper), name+"-ms")
	b.ReportMetric(0, "ns/op")
}

// benchSignIn signs the client in with the staff token.
func benchSignIn(b *testing.B, client *http.Client, base, staff string) {
	b.Helper()
	form, err := client.Get(base + "/revisao/entrar")
	if err != nil {
		b.Fatal(err)
	}
	form.Body.Close()
	u, _ := url.Parse(base + "/revisao/")
	csrf := ""
	for _, c := range client.Jar.Cookies(u) {
		if c.Name == "cti3cx_revisao_entrar" {
			csrf = c.Value
		}
	}
	resp, err := client.PostForm(base+"/revisao/entrar", url.Values{"csrf": {csrf}, "empresa": {"acme"}, "chave": {staff}})
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("sign in: %v %v", resp.Status, err)
	}
	resp.Body.Close()
}

// benchPages are the list pages a benchmark loads in turn: first pages,
// reason, status and field filters, deep pages both ways.
func benchPages(maxID int64) []func(r *rand.Rand) string {
	return []func(r *rand.Rand) string{
		func(*rand.Rand) string { return "/revisao/" },
		func(*rand.Rand) string { return "/revisao/?motivo=added_ninth_digit" },
		func(*rand.Rand) string { return "/revisao/?situacao=invalid&motivo=invalid_ddd" },
		func(r *rand.Rand) string { return fmt.Sprintf("/revisao/?depois=%d", r.Int64N(maxID)) },
		func(r *rand.Rand) string {
			return fmt.Sprintf("/revisao/?motivo=placeholder&antes=%d", r.Int64N(maxID))
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("/revisao/?campo=mobilephone&depois=%d", r.Int64N(maxID))
		},
	}
}

// benchSearches are searches by external id, name and number.
func benchSearches(int64) []func(r *rand.Rand) string {
	return []func(r *rand.Rand) string{
		func(r *rand.Rand) string { return fmt.Sprintf("/revisao/?busca=C-%d", r.IntN(benchFlagged)) },
		func(r *rand.Rand) string {
			return fmt.Sprintf("/revisao/?busca=N%%C3%%BAmero+%d", r.IntN(benchFlagged))
		},
		func(r *rand.Rand) string { return fmt.Sprintf("/revisao/?busca=8%03d", r.IntN(1000)) },
	}
}

// benchList loads list pages and reports p50 and p95.
func benchList(b *testing.B, client *http.Client, base string, maxID int64, which func(int64) []func(*rand.Rand) string) {
	pages := which(maxID)
	r := rand.New(rand.NewPCG(1, 2))
	var ds []time.Duration
	for i := 0; b.Loop(); i++ {
		path := pages[i%len(pages)](r)
		t0 := time.Now()
		resp, err := client.Get(base + path)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ds = append(ds, time.Since(t0))
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "telefone(s)") {
			b.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
	}
	quantiles(b, ds, 0.95, "p95")
}

// BenchmarkReview measures the review list's page load on a tenant with
// 100,000 flagged phones (sign-in done: the session check, the counts per
// reason, one page of 50, rendered), over first pages, filters and deep
// pages: "list" as served (counts cached per filter for DefaultCountsTTL),
// "list-cold" with the counts computed for every page, "search" by external
// id, name and number (each a scan of the tenant's records); and the
// validation endpoint. Target: list p95 under 200 ms.
//
//	go test -run='^$' -bench=BenchmarkReview -benchtime=200x ./review/
func BenchmarkReview(b *testing.B) {
	hs, db, ten, staff := benchServer(b)
	jar, _ := cookiejar.New(nil)
	client := hs.Client()
	client.Jar = jar
	benchSignIn(b, client, hs.URL, staff) // the session is the database's: the cold server takes it too
	cold := review.New(review.Deps{DB: db, CountsTTL: time.Nanosecond})
	mux := http.NewServeMux()
	cold.Register(func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, h) })
	coldSrv := httptest.NewServer(mux)
	b.Cleanup(coldSrv.Close)

	var maxID int64
	if err := db.Pool.QueryRow(context.Background(), `SELECT max(id) FROM phones WHERE tenant_id = $1`, ten.ID).Scan(&maxID); err != nil {
		b.Fatal(err)
	}
	b.Run("list", func(b *testing.B) { benchList(b, client, hs.URL, maxID, benchPages) })
	b.Run("list-cold", func(b *testing.B) { benchList(b, client, coldSrv.URL, maxID, benchPages) })
	b.Run("search", func(b *testing.B) { benchList(b, client, hs.URL, maxID, benchSearches) })
	b.Run("normalize", func(b *testing.B) {
		inputs := []string{"(47) 9988-7766", "47 3333 4444", "+55 11 98765-4321", "(20) 3333-4444", "não tem", "0800 123 4567"}
		var ds []time.Duration
		for i := 0; b.Loop(); i++ {
			req, _ := http.NewRequest("GET", hs.URL+"/cti3cx/normalize?number="+url.QueryEscape(inputs[i%len(inputs)]), nil)
			req.Header[api.HeaderToken] = []string{ten.Token}
			req.Header[api.HeaderTenant] = []string{"acme"}
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("normalize: %v %v", resp, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ds = append(ds, time.Since(t0))
		}
		quantiles(b, ds, 0.99, "p99")
	})
}
