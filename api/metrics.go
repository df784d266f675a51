package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

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

func newMetrics() *metrics {
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
	m.registry.MustRegister(m.requests, m.duration, m.lookups,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, o := range []string{outcomeExact, outcomeAlternate, outcomeSuffix, outcomePlaceholder, outcomeNotFound} {
		m.lookups.WithLabelValues(o)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
