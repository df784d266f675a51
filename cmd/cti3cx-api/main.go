// Command cti3cx-api serves 3CX's CRM lookups (consult-phone) and call
// reports (end-call) from the phone index in PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/term"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/buildinfo"
	"github.com/cti3cx/cti3cx/schema"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "cti3cx-api: %s\n", oneLine(err))
		os.Exit(exitCode(err))
	}
}

// usageError is a bad flag or environment variable: exit 2. Every other
// failure, an out-of-date schema included, is exit 1.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{cti3cx.Errorf(cti3cx.EINVALID, format, args...)}
}

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// config is read once, from flags with environment fallbacks.
type config struct {
	Addr            string
	DatabaseURL     string
	LogFormat       string
	LogLevel        string
	PoolSize        int
	RequestTimeout  time.Duration
	AuthTTL         time.Duration
	TouchInterval   time.Duration
	ShutdownTimeout time.Duration

	TLSCert, TLSKey string
	MetricsAddr     string
	MaxConns        int
	MaxConnsPerAddr int
	IdleTimeout     time.Duration
	TrustedProxies  []netip.Prefix
	Version         bool
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("cti3cx-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var envErr error
	envDur := func(name string, def time.Duration) time.Duration {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: want a duration such as 1s or 500ms", name, v)
			}
			return d
		}
		return def
	}
	envInt := func(name string, def int) int {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: want a number", name, v)
			}
			return n
		}
		return def
	}
	fs.StringVar(&c.Addr, "addr", env("CTI3CX_ADDR", ":8080"), "listen address; port 0 picks a free port (env CTI3CX_ADDR)")
	// No environment default for the URL: --help and flag errors print
	// defaults, and this one may hold a password. It is read after parsing.
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (env DATABASE_URL)")
	fs.StringVar(&c.LogFormat, "log-format", env("CTI3CX_LOG_FORMAT", "auto"), "log format: auto (text on a terminal, JSON otherwise), text or json (env CTI3CX_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("CTI3CX_LOG_LEVEL", "info"), "log level: debug (one line per request), info, warn or error (env CTI3CX_LOG_LEVEL)")
	fs.IntVar(&c.PoolSize, "pool-size", envInt("CTI3CX_POOL_SIZE", 16), "database connections at most (env CTI3CX_POOL_SIZE)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", envDur("CTI3CX_REQUEST_TIMEOUT", api.DefaultRequestTimeout), "each request's database deadline; keep it under 3CX's ~2s (env CTI3CX_REQUEST_TIMEOUT)")
	fs.DurationVar(&c.AuthTTL, "auth-ttl", envDur("CTI3CX_AUTH_TTL", api.DefaultAuthTTL), "how long tenants' tokens are trusted from memory; 0 queries every request (env CTI3CX_AUTH_TTL)")
	fs.DurationVar(&c.TouchInterval, "touch-interval", envDur("CTI3CX_TOUCH_INTERVAL", api.DefaultTouchInterval), "how often tokens' last use is written (env CTI3CX_TOUCH_INTERVAL)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", envDur("CTI3CX_SHUTDOWN_TIMEOUT", 10*time.Second), "how long SIGTERM waits for requests in flight (env CTI3CX_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("CTI3CX_TLS_CERT", ""), "serve HTTPS with this PEM certificate (chain) file; reloaded on SIGHUP (env CTI3CX_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("CTI3CX_TLS_KEY", ""), "the certificate's PEM private key file (env CTI3CX_TLS_KEY)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("CTI3CX_METRICS_ADDR", ""), "serve /metrics (and /readyz, /healthz) on this address instead of the public one, e.g. 127.0.0.1:9091 (env CTI3CX_METRICS_ADDR)")
	fs.IntVar(&c.MaxConns, "max-conns", envInt("CTI3CX_MAX_CONNS", 0), "open connections at most; at the cap the longest idle one is closed; 0 is 3/4 of the file-descriptor limit, at most 10000 (env CTI3CX_MAX_CONNS)")
	fs.IntVar(&c.MaxConnsPerAddr, "max-conns-per-addr", envInt("CTI3CX_MAX_CONNS_PER_ADDR", api.DefaultMaxConnsPerAddr), "open connections per client address at most; trusted proxies are exempt (env CTI3CX_MAX_CONNS_PER_ADDR)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", envDur("CTI3CX_IDLE_TIMEOUT", 30*time.Second), "how long a kept-alive connection may sit idle (env CTI3CX_IDLE_TIMEOUT)")
	proxies := fs.String("trusted-proxies", env("CTI3CX_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of the proxies in front (e.g. 127.0.0.1/32): their X-Forwarded-For names the client; nobody else's is believed (env CTI3CX_TRUSTED_PROXIES)")
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cti3cx-api [flags]\n\nServes GET /cti3cx/consult-phone/{phone} and PUT /cti3cx/end-call/{id} for 3CX,\nplus /healthz, /readyz, /metrics and /openapi.yaml.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usagef("%v", err)
	}
	if c.Version {
		return c, nil
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = getenv("DATABASE_URL")
	}
	var perr error
	if c.TrustedProxies, perr = parsePrefixes(*proxies); perr != nil && envErr == nil {
		envErr = fmt.Errorf("--trusted-proxies: %v", perr)
	}
	switch {
	case envErr != nil:
		return c, usagef("%v", envErr)
	case fs.NArg() > 0:
		return c, usagef("unexpected argument %q (see --help)", fs.Arg(0))
	case c.DatabaseURL == "":
		return c, usagef("no database: set DATABASE_URL or --database-url")
	case c.PoolSize < 1:
		return c, usagef("--pool-size %d: want at least 1", c.PoolSize)
	case c.RequestTimeout <= 0:
		return c, usagef("--request-timeout %v: want a positive duration", c.RequestTimeout)
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return c, usagef("--tls-cert and --tls-key go together")
	case c.MaxConns < 0 || c.MaxConnsPerAddr < 0:
		return c, usagef("--max-conns and --max-conns-per-addr: want 0 (the default) or more")
	case c.IdleTimeout <= 0:
		return c, usagef("--idle-timeout %v: want a positive duration", c.IdleTimeout)
	}
	return c, nil
}

// run is main without the process: tests call it, or build the binary and
// run it, on a random port.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.Version {
		fmt.Fprintln(stdout, buildinfo.Read().String("cti3cx-api"))
		return nil
	}
	log := newLogger(cfg, stderr)

	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	checkCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = db.CheckCurrent(checkCtx)
	cancel()
	if err != nil {
		return err
	}

	authTTL := cfg.AuthTTL
	if authTTL == 0 {
		authTTL = -1
	}
	touch := cfg.TouchInterval
	if touch == 0 {
		touch = -1
	}
	srv := api.NewServer(api.Deps{
		DB: db, Logger: log, RequestTimeout: cfg.RequestTimeout, AuthTTL: authTTL, TouchInterval: touch,
		MetricsElsewhere: cfg.MetricsAddr != "", Version: buildinfo.Read(), TrustedProxies: cfg.TrustedProxies,
	})
	return serve(ctx, cfg, log, srv, stdout)
}

// openDB sizes the pool for the API and makes a dead server fail fast, so
// that requests answer 503 within their deadline.
func openDB(ctx context.Context, cfg config) (*schema.DB, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		// schema.Open words it without echoing the URL's password.
		_, err := schema.Open(ctx, cfg.DatabaseURL)
		return nil, err
	}
	pc.MaxConns = int32(cfg.PoolSize)
	pc.MinConns = int32(min(cfg.PoolSize, 4))
	pc.ConnConfig.ConnectTimeout = cfg.RequestTimeout
	pc.HealthCheckPeriod = 5 * time.Second
	api.TunePool(pc)
	return schema.OpenConfig(ctx, pc)
}

func newLogger(cfg config, stderr io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "auto" || format == "" {
		format = "json"
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(stderr, opts))
}

// oneLine keeps the user-facing message of an error on one line.
func oneLine(err error) string {
	msg := cti3cx.ErrorMessage(err)
	if cti3cx.ErrorCode(err) == cti3cx.EINTERNAL {
		msg = err.Error()
	}
	for i := 0; i < len(msg); i++ {
		if msg[i] == '\n' {
			return msg[:i]
		}
	}
	return msg
}

// parsePrefixes reads a comma-separated list of addresses and CIDRs; an
// address alone is its own /32 or /128.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q: want an address or a CIDR such as 127.0.0.1/32", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
