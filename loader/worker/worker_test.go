package worker_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/loader/worker"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// syncBuffer collects logs written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func logger(t *testing.T, buf *syncBuffer) *slog.Logger {
	var w io.Writer = buf
	if buf == nil {
		return schematest.Logger(t)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// open gives each worker its own pool on the same database, as separate
// processes would have.
func open(t *testing.T, url string) *schema.DB {
	db, err := schema.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func newWorker(t *testing.T, db *schema.DB, cfg worker.Config, buf *syncBuffer) *worker.Worker {
	t.Helper()
	w, err := worker.New(db, cfg, logger(t, buf))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// noJobs turns the built-in jobs off so that a test schedules its own.
var noJobs = worker.Config{ScheduleRevalidate: "", ScheduleReports: "", ScheduleFeeds: ""}

// Two workers on one database, the same job scheduled every second and
// lasting longer than that: never two runs at once, in one worker or across
// both, and the other worker logs that it skipped.
func TestTwoWorkersNeverOverlap(t *testing.T) {
	url := schematest.URL(t)
	var active, maxActive, runs atomic.Int32
	job := func(ctx context.Context) error {
		n := active.Add(1)
		defer active.Add(-1)
		for {
			m := maxActive.Load()
			if n <= m || maxActive.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		time.Sleep(1500 * time.Millisecond)
		return nil
	}
	var logs [2]syncBuffer
	var workers [2]*worker.Worker
	for i := range workers {
		workers[i] = newWorker(t, open(t, url), noJobs, &logs[i])
		if err := workers[i].Add("probe", "@every 1s", job); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { _ = w.Run(ctx) })
	}
	time.Sleep(4500 * time.Millisecond)
	cancel()
	wg.Wait()
	if maxActive.Load() != 1 {
		t.Errorf("%d runs of the job at once, want 1", maxActive.Load())
	}
	if runs.Load() < 2 {
		t.Errorf("the job ran %d times in 4.5 s, want at least 2", runs.Load())
	}
	skipped := strings.Count(logs[0].String()+logs[1].String(), "running on another worker")
	if skipped == 0 {
		t.Errorf("no worker logged a skip:\n%s\n%s", logs[0].String(), logs[1].String())
	}
	if got := counter(t, workers[0], "probe", "skipped") + counter(t, workers[1], "probe", "skipped"); got == 0 {
		t.Error("skipped counters are 0")
	}
}

// counter reads cti3cx_worker_job_runs_total{job, outcome} of a worker.
func counter(t *testing.T, w *worker.Worker, job, outcome string) float64 {
	t.Helper()
	fams, err := w.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "cti3cx_worker_job_runs_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["job"] == job && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// The advisory lock alone, without the scheduler: a second worker asking
// while the first runs is turned away; once the first is done it may run.
func TestAdvisoryLock(t *testing.T) {
	url := schematest.URL(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	job := func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	}
	a := newWorker(t, open(t, url), noJobs, nil)
	b := newWorker(t, open(t, url), noJobs, nil)
	for _, w := range []*worker.Worker{a, b} {
		if err := w.Add("probe", "@daily", job); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { a.RunNow("probe"); close(done) }()
	<-entered
	b.RunNow("probe")
	if calls.Load() != 1 {
		t.Fatalf("second worker ran the job while the first held it (%d calls)", calls.Load())
	}
	if got := counter(t, b, "probe", "skipped"); got != 1 {
		t.Errorf("skipped counter = %v, want 1", got)
	}
	close(release)
	<-done
	b.RunNow("probe")
	if calls.Load() != 2 {
		t.Errorf("after the first finished the second did not run (%d calls)", calls.Load())
	}
}

// Cancelling Run (what SIGTERM does) waits for the running job, which stops
// at its next safe point.
func TestStopWaitsForSafePoint(t *testing.T) {
	db := schematest.New(t)
	started := make(chan struct{})
	var batches atomic.Int32
	var finished atomic.Bool
	w := newWorker(t, db, noJobs, nil)
	err := w.Add("batches", "@every 1s", func(ctx context.Context) error {
		close(started)
		defer finished.Store(true)
		for ctx.Err() == nil { // safe point between batches
			time.Sleep(200 * time.Millisecond) // a batch, never cut short
			batches.Add(1)
		}
		return ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = w.Run(ctx); close(stopped) }()
	<-started
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-stopped
	if !finished.Load() {
		t.Fatal("Run returned before the job reached its safe point")
	}
	if n := batches.Load(); n < 2 {
		t.Errorf("%d batches, want the one in flight finished too", n)
	}
	if got := counter(t, w, "batches", "interrupted"); got != 1 {
		t.Errorf("interrupted counter = %v, want 1", got)
	}
}

// A panicking job is logged, releases its lock and leaves the worker running.
func TestPanicRecovered(t *testing.T) {
	url := schematest.URL(t)
	var logs syncBuffer
	w := newWorker(t, open(t, url), noJobs, &logs)
	if err := w.Add("boom", "@daily", func(context.Context) error { panic("kaboom") }); err != nil {
		t.Fatal(err)
	}
	var ran atomic.Bool
	if err := w.Add("after", "@daily", func(context.Context) error { ran.Store(true); return nil }); err != nil {
		t.Fatal(err)
	}
	w.RunNow("boom")
	w.RunNow("after")
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), "panic") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
	if !ran.Load() {
		t.Error("the worker stopped running jobs after a panic")
	}
	if got := counter(t, w, "boom", "panic"); got != 1 {
		t.Errorf("panic counter = %v", got)
	}
	// The lock was released: another session can take it.
	other := open(t, url)
	var got bool
	if err := other.Pool.QueryRow(context.Background(), `SELECT pg_try_advisory_lock($1)`, worker.LockKey("boom")).Scan(&got); err != nil || !got {
		t.Errorf("lock still held after the panic (%v)", err)
	}
}

func TestRevalidateJobAndMetrics(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme", "")
	rt.Phones(t, db, tenant.ID, rt.Profile(t, tenant), "old", []rt.Phone{
		{AccountID: acc, Field: schema.FieldBusiness, Raw: "3333-4444"},
		{AccountID: acc, Field: schema.FieldMobile, Raw: "(47) 99876-5432"},
	})
	tenant.DefaultDDD = "47"
	if _, err := db.UpdateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, db, worker.Config{ScheduleRevalidate: "0 2 * * *", MetricsAddr: "127.0.0.1:0"}, nil)
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { _ = w.Run(runCtx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	if !w.RunNow(worker.JobRevalidate) {
		t.Fatal("no revalidate job")
	}
	runs, err := db.RevalidationRuns(ctx, tenant.ID, 5)
	if err != nil || len(runs) != 1 || runs[0].Checked != 2 || runs[0].Fixed != 1 {
		t.Fatalf("runs = %+v (%v)", runs, err)
	}
	var body string
	for range 50 { // the server starts with Run
		resp, err := http.Get("http://" + w.MetricsAddr() + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		`cti3cx_revalidation_phones_total{result="fixed",tenant="acme"} 1`,
		`cti3cx_revalidation_last_run_phones{result="checked",tenant="acme"} 2`,
		`cti3cx_worker_job_runs_total{job="revalidate",outcome="ok"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReportsJobKeepsN(t *testing.T) {
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme", "")
	rt.Phones(t, db, tenant.ID, rt.Profile(t, tenant), "v", []rt.Phone{{AccountID: acc, Field: schema.FieldBusiness, Raw: "3333-4444"}})
	dir := t.TempDir()
	folder := filepath.Join(dir, "acme")
	if err := os.MkdirAll(folder, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"acme-2020-01-01.xlsx", "acme-2020-01-02.xlsx", "acme-2020-01-03.csv", "notas.txt"} {
		if err := os.WriteFile(filepath.Join(folder, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, db, worker.Config{ScheduleReports: "@daily", ReportsDir: dir, ReportsKeep: 2, Location: loc}, nil)
	w.RunNow(worker.JobReports)
	today := worker.ReportPath(dir, "acme", time.Now().In(loc), "xlsx")
	if _, err := os.Stat(today); err != nil {
		t.Fatalf("today's report: %v", err)
	}
	entries, _ := os.ReadDir(folder)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"acme-2020-01-03.csv", filepath.Base(today), "notas.txt"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("folder = %q, want %q", names, want)
	}
}

func TestFeedsJob(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	withFeed := rt.Tenant(t, db, "feedy", "", "")
	withFeed.Settings.Feed = &schema.FeedSettings{URL: "https://crm.example/api/contacts", Kind: "contacts"}
	if _, err := db.UpdateTenant(ctx, withFeed); err != nil {
		t.Fatal(err)
	}
	own := rt.Tenant(t, db, "own", "", "")
	own.Settings.Feed = &schema.FeedSettings{URL: "https://crm.example/api/accounts", Kind: "accounts", Schedule: "@every 1s"}
	if _, err := db.UpdateTenant(ctx, own); err != nil {
		t.Fatal(err)
	}
	rt.Tenant(t, db, "nofeed", "", "")
	var mu sync.Mutex
	calls := map[string]int{}
	imp := func(ctx context.Context, t schema.Tenant, f schema.FeedSettings) error {
		mu.Lock()
		defer mu.Unlock()
		calls[t.Slug+" "+f.Kind]++
		if t.Slug == "own" {
			return errors.New("feed down")
		}
		return nil
	}
	w := newWorker(t, db, worker.Config{ScheduleFeeds: "@hourly", Import: imp}, nil)
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { _ = w.Run(runCtx); close(stopped) }()
	time.Sleep(100 * time.Millisecond)
	w.RunNow(worker.JobFeeds)
	time.Sleep(2200 * time.Millisecond)
	cancel()
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	if calls["feedy contacts"] != 1 {
		t.Errorf("feed on the worker's schedule imported %d times, want 1 (%v)", calls["feedy contacts"], calls)
	}
	if calls["own accounts"] < 1 {
		t.Errorf("feed on its own schedule never imported (%v)", calls)
	}
	if len(calls) != 2 {
		t.Errorf("imports = %v", calls)
	}
}

// A feed with its own schedule runs even with the worker's feeds schedule
// turned off.
func TestOwnFeedScheduleWithoutGlobalOne(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	own := rt.Tenant(t, db, "own", "", "")
	own.Settings.Feed = &schema.FeedSettings{URL: "https://crm.example/api/accounts", Kind: "accounts", Schedule: "@every 1s"}
	if _, err := db.UpdateTenant(ctx, own); err != nil {
		t.Fatal(err)
	}
	var imports atomic.Int32
	imp := func(context.Context, schema.Tenant, schema.FeedSettings) error {
		imports.Add(1)
		return nil
	}
	w := newWorker(t, db, worker.Config{ScheduleFeeds: "", Import: imp}, nil)
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { _ = w.Run(runCtx); close(stopped) }()
	time.Sleep(2200 * time.Millisecond)
	cancel()
	<-stopped
	if imports.Load() < 1 {
		t.Fatal("a feed with its own schedule never imported while --schedule-feeds was off")
	}
}

func TestBadSchedule(t *testing.T) {
	_, err := worker.New(schematest.New(t), worker.Config{ScheduleRevalidate: "every night"}, nil)
	if err == nil || !strings.Contains(err.Error(), "--schedule-revalidate") {
		t.Errorf("err = %v", err)
	}
}

// The prune-calls job deletes lookups end-call never completed once past
// their retention, and keeps journaled ones without a calls retention.
func TestPruneCallsJob(t *testing.T) {
	db := schematest.New(t)
	ctx := context.Background()
	ten, err := db.CreateTenant(ctx, schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 3 {
		id, err := db.CreateCall(ctx, ten.ID, schema.NewCall{Number: "4733330000"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := db.CompleteCall(ctx, ten.ID, id, schema.CallReport{Date: time.Now(), Type: schema.CallMissed}); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	// The first two are old; the third is recent.
	if _, err := db.Pool.Exec(ctx, `UPDATE calls SET created_at = now() - interval '31 days' WHERE tenant_id = $1 AND call_no = ANY($2)`, ten.ID, ids[:2]); err != nil {
		t.Fatal(err)
	}
	cfg := noJobs
	cfg.SchedulePruneCalls = "@every 1h"
	cfg.CallRetention = schema.CallRetention{Unreported: worker.DefaultUnreportedRetention}
	w := newWorker(t, db, cfg, nil)
	if !w.RunNow(worker.JobPruneCalls) {
		t.Fatal("no prune-calls job")
	}
	calls, err := db.ListCalls(ctx, ten.ID, schema.CallFilter{})
	if err != nil || len(calls) != 2 || calls[0].ID != ids[1] || calls[1].ID != ids[2] {
		t.Errorf("left %v %+v, want calls %d (journaled) and %d (recent)", err, calls, ids[1], ids[2])
	}
	cfg.CallRetention = schema.CallRetention{}
	if w := newWorker(t, db, cfg, nil); w.RunNow(worker.JobPruneCalls) {
		t.Error("prune-calls scheduled with no retention at all")
	}
}
