package worker

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cti3cx/cti3cx/schema"
)

// metrics are the worker's own registry, so that several workers in one
// process (the tests) do not collide.
type metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	running     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec

	revalidated *prometheus.CounterVec
	lastRun     *prometheus.GaugeVec
	lastRunTime *prometheus.GaugeVec

	reportRows  *prometheus.GaugeVec
	feedImports *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cti3cx_worker_job_runs_total",
			Help: "Job runs by outcome: ok, failed, interrupted, panic, skipped (held by another worker).",
		}, []string{"job", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cti3cx_worker_job_duration_seconds",
			Help:    "Duration of the job runs that started.",
			Buckets: prometheus.ExponentialBuckets(0.1, 4, 9),
		}, []string{"job"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cti3cx_worker_job_running",
			Help: "1 while the job runs in this worker.",
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cti3cx_worker_job_last_success_timestamp_seconds",
			Help: "When the job last finished without error.",
		}, []string{"job"}),
		revalidated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cti3cx_revalidation_phones_total",
			Help: "Phones revalidated, by result: checked, changed, newly_invalid, fixed, still_invalid.",
		}, []string{"tenant", "result"}),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cti3cx_revalidation_last_run_phones",
			Help: "The counts of the tenant's last revalidation run, by result.",
		}, []string{"tenant", "result"}),
		lastRunTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cti3cx_revalidation_last_run_timestamp_seconds",
			Help: "When the tenant's last revalidation run finished.",
		}, []string{"tenant"}),
		reportRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cti3cx_report_rows",
			Help: "Rows of the tenant's last scheduled report: phones that need a human.",
		}, []string{"tenant"}),
		feedImports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cti3cx_feed_imports_total",
			Help: "Feed polls by tenant and outcome.",
		}, []string{"tenant", "outcome"}),
	}
	m.reg.MustRegister(m.runs, m.duration, m.running, m.lastSuccess, m.revalidated, m.lastRun, m.lastRunTime,
		m.reportRows, m.feedImports, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeRevalidation(tenant string, r schema.RevalidationRun) {
	for _, c := range []struct {
		result string
		n      int
	}{
		{"checked", r.Checked}, {"changed", r.Changed}, {"newly_invalid", r.NewlyInvalid},
		{"fixed", r.Fixed}, {"still_invalid", r.StillInvalid},
	} {
		m.revalidated.WithLabelValues(tenant, c.result).Add(float64(c.n))
		m.lastRun.WithLabelValues(tenant, c.result).Set(float64(c.n))
	}
	if r.FinishedAt != nil {
		m.lastRunTime.WithLabelValues(tenant).Set(float64(r.FinishedAt.Unix()))
	}
}
