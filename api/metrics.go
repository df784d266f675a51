package api

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cti3cx/cti3cx/buildinfo"
)

// BuildInfo is what the cti3cx_build_info gauge says about the binary.
type BuildInfo = buildinfo.Info

// Lookup outcomes, the only values of the lookups metric's label.
const (
	outcomeExact       = "exact"       // the number's first reading
	outcomeAlternate   = "alternate"   // another plausible reading (8-digit mobile, default DDD)
	outcomeSuffix      = "suffix"      // 3CX's last N digits
	outcomePlaceholder = "placeholder" // unknown, answered with a placeholder
	outcomeNotFound    = "not_found"
)

// metrics live in the server's own registry: two servers in one process
// (tests) do not collide, and nothing global leaks in. Labels are route
// patterns, statuses and outcomes: never a number or a token.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lookups  *prometheus.CounterVec
}

func newMetrics(bi BuildInfo) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cti3cx_http_requests_total",
			Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cti3cx_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2},
		}, []string{"route"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cti3cx_lookups_total",
			Help: "consult-phone lookups by outcome: exact, alternate, suffix, placeholder, not_found.",
		}, []string{"outcome"}),
	}
	if bi.Version == "" {
		bi = buildinfo.Read()
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "cti3cx_build_info",
		Help: "Always 1; the labels say which build runs (from the binary's VCS stamp).",
		ConstLabels: prometheus.Labels{
			"version": bi.Version, "revision": bi.Revision, "vcs_time": bi.Time,
			"modified": strconv.FormatBool(bi.Modified), "goversion": bi.GoVersion,
		},
	})
	build.Set(1)
	m.registry.MustRegister(m.requests, m.duration, m.lookups, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, o := range []string{outcomeExact, outcomeAlternate, outcomeSuffix, outcomePlaceholder, outcomeNotFound} {
		m.lookups.WithLabelValues(o)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
