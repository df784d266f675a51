// Package worker is the long-lived process behind `cti3cx-loader run`: it
// revalidates every tenant's phones, writes their reports and polls their
// feeds on cron schedules.
//
// Each job runs at most once at a time in the process (a tick that finds it
// still running is skipped) and at most once at a time across every worker on
// the database (a PostgreSQL advisory lock held on a dedicated connection),
// so workers can run redundantly. A panicking job is logged and the worker
// goes on. Cancelling Run's context stops scheduling and waits for the
// running jobs, which stop at their next safe point.
package worker

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/loader/revalidate"
	"github.com/cti3cx/cti3cx/schema"
)

// Defaults of Config.
const (
	DefaultScheduleRevalidate = "0 2 * * *"
	DefaultScheduleReports    = "0 6 * * *"
	DefaultScheduleFeeds      = "*/15 * * * *"
	DefaultTimezone           = "America/Sao_Paulo"
	DefaultReportsKeep        = 14
	DefaultSchedulePruneCalls = "17 * * * *"
	// DefaultUnreportedRetention keeps lookups end-call never completed for
	// 30 days: long enough to see that journaling is broken, short enough
	// that the history does not fill with calls nobody reported.
	DefaultUnreportedRetention = 30 * 24 * time.Hour
)

// Job names, also the advisory locks' and the metrics' labels.
const (
	JobRevalidate = "revalidate"
	JobReports    = "reports"
	JobFeeds      = "feeds"
	JobPruneCalls = "prune-calls"
)

// ImportFunc imports a tenant's feed once, incrementally, as `import --feed`.
type ImportFunc func(ctx context.Context, t schema.Tenant, feed schema.FeedSettings) error

// Config is the worker's configuration. An empty schedule disables its job.
type Config struct {
	ScheduleRevalidate string
	ScheduleReports    string
	ScheduleFeeds      string
	SchedulePruneCalls string
	Location           *time.Location // time zone of the schedules and report dates; UTC when nil

	ReportsDir    string // the reports job is off without it
	ReportsKeep   int    // reports kept per tenant, the newest
	ReportsFormat string // xlsx (default) or csv

	Import ImportFunc // the feeds job is off without it

	// CallRetention is what the prune-calls job deletes; with both ages
	// zero the job is off.
	CallRetention schema.CallRetention

	Revalidate revalidate.Options

	MetricsAddr string // "" serves no metrics
}

// Worker runs the scheduled jobs.
type Worker struct {
	db      *schema.DB
	cfg     Config
	log     *slog.Logger
	cron    *cron.Cron
	metrics *metrics
	ln      net.Listener

	mu      sync.Mutex
	ctx     context.Context // Run's, handed to the jobs
	jobs    map[string]cron.Job
	feeds   map[string]feedEntry // tenant slug -> own schedule entry
	running sync.WaitGroup
}

// New checks cfg and registers the jobs; Run starts them.
func New(db *schema.DB, cfg Config, log *slog.Logger) (*Worker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.ReportsKeep <= 0 {
		cfg.ReportsKeep = DefaultReportsKeep
	}
	if cfg.Revalidate.Logger == nil {
		cfg.Revalidate.Logger = log
	}
	w := &Worker{
		db: db, cfg: cfg, log: log,
		cron:    cron.New(cron.WithLocation(cfg.Location), cron.WithLogger(cronLogger{log})),
		metrics: newMetrics(),
		ctx:     context.Background(),
		jobs:    map[string]cron.Job{},
		feeds:   map[string]feedEntry{},
	}
	add := []struct {
		name, spec, flag string
		on               bool
		fn               func(context.Context) error
	}{
		{JobRevalidate, cfg.ScheduleRevalidate, "--schedule-revalidate", true, w.revalidateAll},
		{JobReports, cfg.ScheduleReports, "--schedule-reports", cfg.ReportsDir != "", w.writeReports},
		{JobFeeds, cfg.ScheduleFeeds, "--schedule-feeds", cfg.Import != nil, w.pollFeeds},
		{JobPruneCalls, cfg.SchedulePruneCalls, "--schedule-prune-calls", cfg.CallRetention.Unreported > 0 || cfg.CallRetention.Reported > 0, w.pruneCalls},
	}
	for _, a := range add {
		if a.spec == "" || !a.on {
			continue
		}
		if err := w.Add(a.name, a.spec, a.fn); err != nil {
			return nil, cti3cx.Errorf(cti3cx.EINVALID, "%s %q: %w", a.flag, a.spec, err)
		}
	}
	if cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return nil, cti3cx.Errorf(cti3cx.EINVALID, "--metrics-addr %q: %w", cfg.MetricsAddr, err)
		}
		w.ln = ln
	}
	return w, nil
}

// ParseSchedule checks a cron spec: five fields (minute hour day month
// weekday) or a descriptor such as @daily or @every 1h.
func ParseSchedule(spec string) error {
	_, err := cron.ParseStandard(spec)
	return err
}

// Add schedules fn as the job name. The job is wrapped like every other:
// recovered, never overlapping, locked across workers.
func (w *Worker) Add(name, spec string, fn func(context.Context) error) error {
	job := w.wrap(name, fn)
	if _, err := w.cron.AddJob(spec, job); err != nil {
		return err
	}
	w.mu.Lock()
	w.jobs[name] = job
	w.mu.Unlock()
	return nil
}

// RunNow runs a registered job at once, in the caller's goroutine, through
// the same guards as a scheduled run. It reports whether the job exists.
func (w *Worker) RunNow(name string) bool {
	w.mu.Lock()
	job := w.jobs[name]
	w.mu.Unlock()
	if job == nil {
		return false
	}
	job.Run()
	return true
}

// MetricsAddr is the address the metrics are served on, "" when off.
func (w *Worker) MetricsAddr() string {
	if w.ln == nil {
		return ""
	}
	return w.ln.Addr().String()
}

// Registry holds the worker's metrics.
func (w *Worker) Registry() *prometheus.Registry { return w.metrics.reg }

// Run starts the schedules and blocks until ctx is cancelled, then waits for
// the running jobs to reach a safe point and return.
func (w *Worker) Run(ctx context.Context) error {
	w.mu.Lock()
	w.ctx = ctx
	w.mu.Unlock()
	var srv *http.Server
	if w.ln != nil {
		srv = &http.Server{Handler: promhttp.HandlerFor(w.metrics.reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(w.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				w.log.Error("metrics server stopped", "err", err)
			}
		}()
	}
	// Feeds with their own schedule run on it even when the worker's
	// feeds schedule is off; that schedule's ticks pick up later changes.
	if w.cfg.Import != nil {
		w.syncFeedSchedules(ctx)
	}
	w.cron.Start()
	w.log.Info("worker started", "timezone", w.cfg.Location.String(), "jobs", w.jobNames(), "metrics", w.MetricsAddr())
	<-ctx.Done()
	w.log.Info("worker stopping: waiting for running jobs")
	<-w.cron.Stop().Done()
	w.running.Wait()
	if srv != nil {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}
	w.log.Info("worker stopped")
	return nil
}

func (w *Worker) jobNames() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	names := make([]string, 0, len(w.jobs))
	for n := range w.jobs {
		names = append(names, n)
	}
	return names
}

func (w *Worker) jobContext() context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ctx
}

// wrap guards a job: cron.Recover logs a panic and keeps the worker alive,
// SkipIfStillRunning drops a tick that finds the job still running, and the
// advisory lock keeps other workers out.
func (w *Worker) wrap(name string, fn func(context.Context) error) cron.Job {
	logger := cronLogger{w.log.With("job", name)}
	return cron.NewChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)).
		Then(cron.FuncJob(func() { w.runLocked(name, fn) }))
}

// LockKey is the advisory lock key of a job.
func LockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("cti3cx-job:" + name))
	return int64(h.Sum64())
}

func (w *Worker) runLocked(name string, fn func(context.Context) error) {
	ctx := w.jobContext()
	if ctx.Err() != nil {
		return
	}
	w.running.Add(1)
	defer w.running.Done()
	log := w.log.With("job", name)
	lock, held, err := w.db.TryJobLock(ctx, LockKey(name))
	switch {
	case err != nil:
		log.Error("job not started: advisory lock", "err", err)
		w.metrics.runs.WithLabelValues(name, "failed").Inc()
		return
	case !held:
		log.Info("job skipped: running on another worker")
		w.metrics.runs.WithLabelValues(name, "skipped").Inc()
		return
	}
	defer lock.Release(ctx)

	start := time.Now()
	w.metrics.running.WithLabelValues(name).Set(1)
	defer w.metrics.running.WithLabelValues(name).Set(0)
	outcome := "panic"
	defer func() {
		w.metrics.runs.WithLabelValues(name, outcome).Inc()
		w.metrics.duration.WithLabelValues(name).Observe(time.Since(start).Seconds())
	}()
	log.Info("job started")
	err = fn(ctx)
	switch {
	case err == nil:
		outcome = "ok"
		w.metrics.lastSuccess.WithLabelValues(name).SetToCurrentTime()
		log.Info("job finished", "duration", time.Since(start).Round(time.Millisecond))
	case ctx.Err() != nil:
		outcome = "interrupted"
		log.Info("job interrupted at a safe point", "duration", time.Since(start).Round(time.Millisecond))
	default:
		outcome = "failed"
		log.Error("job failed", "err", err, "duration", time.Since(start).Round(time.Millisecond))
	}
}

// cronLogger routes cron's logs (skipped ticks, recovered panics) to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// revalidateAll revalidates each tenant in turn; one tenant's failure does
// not stop the others.
func (w *Worker) revalidateAll(ctx context.Context) error {
	tenants, err := w.db.ListTenants(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tenants {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		run, err := revalidate.Tenant(ctx, w.db, t, w.cfg.Revalidate)
		if run.ID != 0 {
			w.metrics.observeRevalidation(t.Slug, run)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Error("revalidation failed", "tenant", t.Slug, "err", err)
			errs = append(errs, fmt.Errorf("tenant %s: %w", t.Slug, err))
		}
	}
	return errors.Join(errs...)
}
