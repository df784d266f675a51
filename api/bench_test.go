package api_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/schema"
)

// The load benchmarks drive the real handler on a loopback listener with 16
// concurrent connections (3CX's MaxConcurrentRequests at its highest) and
// compare it, in the same run, with a minimal pgx handler doing the same
// point lookup and INSERT … RETURNING (or UPDATE for end-call).
//
//	go test -run '^$' -bench 'Load' -benchtime 20000x ./api/
const concurrency = 16

type benchEnv struct {
	db   *schema.DB
	ten  *apitest.Tenant
	api  string
	min  string
	n    int
	stop func()
}

func newBenchEnv(b *testing.B, phones int) *benchEnv {
	b.Helper()
	db := apitest.TunedDB(b, concurrency) // the minimal handler shares the pool, and the tuning
	ten := apitest.NewTenant(b, db, schema.Tenant{Slug: "bench", DefaultDDD: "47"})
	ten.Bulk(b, 0, phones)
	srv := api.NewServer(api.Deps{DB: db})
	e := &benchEnv{db: db, ten: ten, n: phones}
	apiSrv, apiURL := serve(b, srv)
	minSrv, minURL := serve(b, minimalHandler(db, ten.ID))
	e.api, e.min = apiURL, minURL
	e.stop = func() {
		apiSrv.Close()
		minSrv.Close()
		_ = srv.Close(context.Background())
	}
	b.Cleanup(e.stop)
	return e
}

func serve(b *testing.B, h http.Handler) (*http.Server, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.Serve(ln) }()
	return s, "http://" + ln.Addr().String()
}

// minimalHandler is the floor the API is measured against: the same point
// lookup and call insert (or update), with nothing else.
func minimalHandler(db *schema.DB, tenantID int64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /min/{phone}", func(w http.ResponseWriter, r *http.Request) {
		e164 := "+" + r.PathValue("phone")
		var contactID int64
		err := db.Pool.QueryRow(r.Context(), `SELECT contact_id FROM phones WHERE tenant_id = $1 AND e164 = $2 AND e164 <> '' LIMIT 1`, tenantID, e164).Scan(&contactID)
		if err != nil {
			http.Error(w, err.Error(), 404)
			return
		}
		var id int64
		if err := db.Pool.QueryRow(r.Context(), `INSERT INTO calls (tenant_id, number, e164, contact_id) VALUES ($1, $2, $3, $4) RETURNING call_no`,
			tenantID, r.PathValue("phone"), e164, contactID).Scan(&id); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"contact":[{"customvalue":"%d"}]}`, id)
	})
	mux.HandleFunc("PUT /min/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		tag, err := db.Pool.Exec(r.Context(), `UPDATE calls SET ended_at = now(), call_type = 'Inbound', agent = '201' WHERE tenant_id = $1 AND call_no = $2`, tenantID, r.PathValue("id"))
		if err != nil || tag.RowsAffected() == 0 {
			http.Error(w, "not found", 404)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":"ok"}`)
	})
	return mux
}

type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
	lat      []time.Duration // sorted
	elapsed  time.Duration
}

// merge adds up rounds of the same load: total requests over total time,
// percentiles over every latency.
func merge(rs ...loadResult) loadResult {
	var m loadResult
	for _, r := range rs {
		m.lat = append(m.lat, r.lat...)
		m.elapsed += r.elapsed
		m.errors += r.errors
	}
	slices.Sort(m.lat)
	m.rps = float64(len(m.lat)) / m.elapsed.Seconds()
	if len(m.lat) > 0 {
		m.p50 = m.lat[len(m.lat)/2]
		m.p99 = m.lat[len(m.lat)*99/100]
	}
	return m
}

// compare runs the minimal handler and the API in alternating rounds
// (minimal first, then the API first, ...) so that neither always meets the
// larger calls table, a checkpoint or autovacuum: the ratio is then the
// handlers', not the order's.
func compare(b *testing.B, total int, minimal, apiReq func(int) *http.Request) (minRes, apiRes loadResult) {
	const rounds = 6
	var mins, apis []loadResult
	per := max(total/rounds, 1)
	for r := range rounds {
		if r%2 == 0 {
			mins = append(mins, load(b, per, minimal))
			apis = append(apis, load(b, per, apiReq))
		} else {
			apis = append(apis, load(b, per, apiReq))
			mins = append(mins, load(b, per, minimal))
		}
	}
	return merge(mins...), merge(apis...)
}

// load sends total requests from 16 workers, each on its own keep-alive
// connection, and measures throughput and latency.
func load(b *testing.B, total int, mkReq func(i int) *http.Request) loadResult {
	b.Helper()
	var next atomic.Int64
	var errs atomic.Int64
	lat := make([][]time.Duration, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				req := mkReq(i)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[w] = append(lat[w], time.Since(t0))
				if resp.StatusCode != 200 {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := loadResult{rps: float64(total) / elapsed.Seconds(), errors: errs.Load(), lat: all, elapsed: elapsed}
	if len(all) > 0 {
		r.p50 = all[len(all)/2]
		r.p99 = all[len(all)*99/100]
	}
	if r.errors > 0 {
		b.Errorf("%d of %d requests failed", r.errors, total)
	}
	return r
}

func (e *benchEnv) consultReq(base string, minimal bool, rng *rand.Rand, mu *sync.Mutex) func(int) *http.Request {
	return func(int) *http.Request {
		mu.Lock()
		i := rng.IntN(e.n)
		mu.Unlock()
		number := strings.TrimPrefix(apitest.BulkNumber(i), "+")
		if minimal {
			req, _ := http.NewRequest("GET", base+"/min/"+number, nil)
			return req
		}
		req, _ := http.NewRequest("GET", base+"/cti3cx/consult-phone/"+number, nil)
		req.Header["token_crm"] = []string{e.ten.Token}
		req.Header["tenant"] = []string{e.ten.Slug}
		req.Header.Set("Content-Type", "application/json")
		return req
	}
}

func report(b *testing.B, name string, r loadResult) {
	b.ReportMetric(r.rps, name+"_req/s")
	b.ReportMetric(float64(r.p99.Microseconds())/1000, name+"_p99_ms")
}

func benchPhones() int {
	if n, err := strconv.Atoi(os.Getenv("CTI3CX_BENCH_PHONES")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// BenchmarkLoadConsultPhone: the API against the minimal handler; ratio is
// the API's share of the minimal handler's throughput (target ≥ 0.8), with
// p99 ≤ 20 ms.
func BenchmarkLoadConsultPhone(b *testing.B) {
	e := newBenchEnv(b, benchPhones())
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	warm := max(b.N/10, 200)
	load(b, warm, e.consultReq(e.min, true, rng, &mu))
	load(b, warm, e.consultReq(e.api, false, rng, &mu))
	b.ResetTimer()
	minimal, apiRes := compare(b, b.N, e.consultReq(e.min, true, rng, &mu), e.consultReq(e.api, false, rng, &mu))
	b.StopTimer()
	report(b, "api", apiRes)
	report(b, "minimal", minimal)
	b.ReportMetric(apiRes.rps/minimal.rps, "ratio")
}

// BenchmarkLoadEndCall: end-call against a minimal UPDATE handler, on calls
// made beforehand.
func BenchmarkLoadEndCall(b *testing.B) {
	e := newBenchEnv(b, 1000)
	ctx := context.Background()
	var first int64
	if err := e.db.Pool.QueryRow(ctx, `
		INSERT INTO calls (tenant_id, number) SELECT $1, '5547999887766' FROM generate_series(1, $2)
		RETURNING call_no`, e.ten.ID, 2*b.N+400).Scan(&first); err != nil {
		b.Fatal(err)
	}
	var ids []int64
	rows, err := e.db.Pool.Query(ctx, `SELECT call_no FROM calls WHERE tenant_id = $1 ORDER BY call_no`, e.ten.ID)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	body := `{"data":"2024-05-31","hora_inicio":"14:03:10","hora_fim":"14:07:55","telefone":"5547999887766","calltype":"Inbound","agent":"201"}`
	// Each handler ends its own half of the calls, in order, so that every
	// PUT of the measured runs updates a call for the first time.
	var nextMin, nextAPI atomic.Int64
	nextMin.Store(400)
	nextAPI.Store(int64(400 + b.N))
	mk := func(base string, minimal bool) func(int) *http.Request {
		return func(int) *http.Request {
			next := &nextAPI
			if minimal {
				next = &nextMin
			}
			id := strconv.FormatInt(ids[int(next.Add(1)-1)%len(ids)], 10)
			if minimal {
				req, _ := http.NewRequest("PUT", base+"/min/"+id, strings.NewReader(body))
				return req
			}
			req, _ := http.NewRequest("PUT", base+"/cti3cx/end-call/"+id, strings.NewReader(body))
			req.Header["token_crm"] = []string{e.ten.Token}
			req.Header["tenant"] = []string{e.ten.Slug}
			req.Header.Set("Content-Type", "application/json")
			return req
		}
	}
	warmMin, warmAPI := mk(e.min, true), mk(e.api, false)
	nextMin.Store(0)
	load(b, 200, warmMin)
	nextAPI.Store(200)
	load(b, 200, warmAPI)
	nextMin.Store(400)
	nextAPI.Store(int64(400 + b.N))
	b.ResetTimer()
	minimal, apiRes := compare(b, b.N, mk(e.min, true), mk(e.api, false))
	b.StopTimer()
	report(b, "api", apiRes)
	report(b, "minimal", minimal)
	b.ReportMetric(apiRes.rps/minimal.rps, "ratio")
}

// BenchmarkLoadConsultPhoneScale: the same load on N phones, then on 10×N
// in the same tenant; latency_ratio (p50 at 10×N over p50 at N) must stay
// under 2 for an O(log n) lookup.
func BenchmarkLoadConsultPhoneScale(b *testing.B) {
	n := benchPhones()
	e := newBenchEnv(b, n)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(3, 4))
	load(b, max(b.N/10, 200), e.consultReq(e.api, false, rng, &mu))
	b.ResetTimer()
	small := load(b, b.N, e.consultReq(e.api, false, rng, &mu))
	b.StopTimer()
	e.ten.Bulk(b, n, 9*n)
	e.n = 10 * n
	load(b, max(b.N/10, 200), e.consultReq(e.api, false, rng, &mu))
	b.StartTimer()
	large := load(b, b.N, e.consultReq(e.api, false, rng, &mu))
	b.StopTimer()
	b.ReportMetric(float64(small.p50.Microseconds())/1000, "N_p50_ms")
	b.ReportMetric(float64(large.p50.Microseconds())/1000, "10N_p50_ms")
	b.ReportMetric(small.rps, "N_req/s")
	b.ReportMetric(large.rps, "10N_req/s")
	b.ReportMetric(float64(large.p50)/float64(small.p50), "latency_ratio")
	b.Logf("phones: N=%d, 10N=%d", n, 10*n)
}
