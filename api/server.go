// Package api serves 3CX's server-side CRM integration: consult-phone (who is
// calling) and end-call (how the call went), byte-compatible with the seed
// contract, plus health, readiness, metrics and the OpenAPI description.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cti3cx/cti3cx/review"
	"github.com/cti3cx/cti3cx/schema"
)

// Defaults for Deps' zero values.
const (
	DefaultRequestTimeout = time.Second
	DefaultAuthTTL        = 2 * time.Second
	DefaultTouchInterval  = 30 * time.Second
	DefaultMaxBodyBytes   = 16 << 10
)

// Deps is what the server needs; zero durations take the defaults above.
type Deps struct {
	DB     *schema.DB
	Logger *slog.Logger

	// RequestTimeout is each request's database deadline: well under the
	// ~2 s 3CX waits, so that a slow database answers 503 while 3CX still
	// listens.
	RequestTimeout time.Duration
	// AuthTTL is how long a tenant's credentials are trusted from memory; a
	// negative value disables the cache (every request queries).
	AuthTTL time.Duration
	// TouchInterval is how often tokens' last use is written; negative
	// writes it only at Close.
	TouchInterval time.Duration
	MaxBodyBytes  int64
	// BodyTimeout bounds how long a request body may take to arrive (408
	// after it); the database deadline starts once the body is read.
	BodyTimeout time.Duration
	// MetricsElsewhere drops /metrics from the public handler: it is served
	// on its own listener through MetricsHandler.
	MetricsElsewhere bool
	// Version labels the cti3cx_build_info gauge; see BuildInfo.
	Version BuildInfo
	// TrustedProxies are the proxies whose X-Forwarded-For names the client
	// (see clientAddr); nobody else's is believed.
	TrustedProxies []netip.Prefix
	// AuthFailureBurst failed authentications are allowed per client
	// address, one more every AuthFailureRefill; then 429.
	AuthFailureBurst  int
	AuthFailureRefill time.Duration
	// SessionTTL is how long a review page sign-in lasts (review.DefaultSessionTTL when zero).
	SessionTTL time.Duration
}

// Server is the API's http.Handler. Close it to flush what it keeps in
// memory (tokens' last use).
type Server struct {
	db      *schema.DB
	log     *slog.Logger
	timeout time.Duration
	maxBody int64

	bodyTimeout      time.Duration
	metricsElsewhere bool
	trustedProxies   []netip.Prefix
	failures         *failureLimiter
	warnedToken      atomic.Bool

	auth    *authCache
	review  *review.Handler
	metrics *metrics
	handler http.Handler

	stopTouch chan struct{}
	touchDone chan struct{}
}

// NewServer returns the API with every route wired (see routes.go).
func NewServer(deps Deps) *Server {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		db:      deps.DB,
		log:     deps.Logger,
		timeout: orDuration(deps.RequestTimeout, DefaultRequestTimeout),
		maxBody: deps.MaxBodyBytes,
		metrics: newMetrics(deps.Version),

		bodyTimeout:      orDuration(deps.BodyTimeout, DefaultBodyTimeout),
		metricsElsewhere: deps.MetricsElsewhere,
		trustedProxies:   deps.TrustedProxies,
		failures:         newFailureLimiter(orInt(deps.AuthFailureBurst, DefaultAuthFailureBurst), orDuration(deps.AuthFailureRefill, DefaultAuthFailureRefill)),
		stopTouch:        make(chan struct{}),
		touchDone:        make(chan struct{}),
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	ttl := orDuration(deps.AuthTTL, DefaultAuthTTL)
	if deps.AuthTTL < 0 {
		ttl = 0
	}
	s.auth = newAuthCache(deps.DB, ttl)
	s.review = review.New(review.Deps{DB: deps.DB, Logger: deps.Logger, SessionTTL: deps.SessionTTL,
		ClientAddr: func(r *http.Request) string { return s.clientAddr(r).String() }})
	s.handler = s.routes()
	go s.touchLoop(orDuration(deps.TouchInterval, DefaultTouchInterval))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Close flushes tokens' last use to the database. Call it after the HTTP
// server has drained, before closing the database.
func (s *Server) Close(ctx context.Context) error {
	select {
	case <-s.stopTouch:
	default:
		close(s.stopTouch)
	}
	<-s.touchDone
	return s.flushTouches(ctx)
}

func (s *Server) touchLoop(every time.Duration) {
	defer close(s.touchDone)
	if every < 0 {
		<-s.stopTouch
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.stopTouch:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := s.flushTouches(ctx); err != nil {
				s.log.Warn("record tokens' last use", "err", err)
			}
			cancel()
		}
	}
}

func (s *Server) flushTouches(ctx context.Context) error {
	used := s.auth.takeUsed()
	if len(used) == 0 {
		return nil
	}
	if err := s.db.TouchTokens(ctx, used); err != nil {
		s.auth.giveBackUsed(used)
		return err
	}
	return nil
}

func orInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// TunePool adapts a pool configuration to the API's queries: a few short
// index lookups run thousands of times a second, whose planning would cost
// more than their execution. Generic plans are planned once per connection;
// the lookups are written so that their generic plans use the indexes
// (schema's lookup tests check the suffix one).
func TunePool(cfg *pgxpool.Config) {
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
}
