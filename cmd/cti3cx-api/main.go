// Command cti3cx-api serves 3CX's CRM lookups (consult-phone) and call
// reports (end-call) from the phone index in PostgreSQL.
package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/buildinfo"
	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/schema"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.Exit("cti3cx-api", os.Stderr, err))
}

// config is read once, from flags with environment fallbacks.
type config struct {
	cli.Common
	Addr            string
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

func parseFlags(args []string, getenv func(string) string, stdout, stderr io.Writer) (config, error) {
	var c config
	var proxies string
	fs := cli.NewFlags("cti3cx-api", getenv, stdout, stderr)
	fs.StringEnv(&c.Addr, "addr", "CTI3CX_ADDR", ":8080", "listen address; port 0 picks a free port")
	c.Bind(fs)
	fs.IntEnv(&c.PoolSize, "pool-size", "CTI3CX_POOL_SIZE", 16, "database connections at most")
	fs.DurationEnv(&c.RequestTimeout, "request-timeout", "CTI3CX_REQUEST_TIMEOUT", api.DefaultRequestTimeout, "each request's database deadline; keep it under 3CX's ~2s")
	fs.DurationEnv(&c.AuthTTL, "auth-ttl", "CTI3CX_AUTH_TTL", api.DefaultAuthTTL, "how long tenants' tokens are trusted from memory; 0 queries every request")
	fs.DurationEnv(&c.TouchInterval, "touch-interval", "CTI3CX_TOUCH_INTERVAL", api.DefaultTouchInterval, "how often tokens' last use is written")
	fs.DurationEnv(&c.ShutdownTimeout, "shutdown-timeout", "CTI3CX_SHUTDOWN_TIMEOUT", 10*time.Second, "how long SIGTERM waits for requests in flight")
	fs.StringEnv(&c.TLSCert, "tls-cert", "CTI3CX_TLS_CERT", "", "serve HTTPS with this PEM certificate (chain) file; reloaded on SIGHUP")
	fs.StringEnv(&c.TLSKey, "tls-key", "CTI3CX_TLS_KEY", "", "the certificate's PEM private key file")
	fs.StringEnv(&c.MetricsAddr, "metrics-addr", "CTI3CX_METRICS_ADDR", "", "serve /metrics (and /readyz, /healthz) on this address instead of the public one, e.g. 127.0.0.1:9091")
	fs.IntEnv(&c.MaxConns, "max-conns", "CTI3CX_MAX_CONNS", 0, "open connections at most; at the cap the longest idle one is closed; 0 is 3/4 of the file-descriptor limit, at most 10000")
	fs.IntEnv(&c.MaxConnsPerAddr, "max-conns-per-addr", "CTI3CX_MAX_CONNS_PER_ADDR", api.DefaultMaxConnsPerAddr, "open connections per client address at most; trusted proxies are exempt")
	fs.DurationEnv(&c.IdleTimeout, "idle-timeout", "CTI3CX_IDLE_TIMEOUT", 30*time.Second, "how long a kept-alive connection may sit idle")
	fs.StringEnv(&proxies, "trusted-proxies", "CTI3CX_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of the proxies in front (e.g. 127.0.0.1/32): their X-Forwarded-For names the client; nobody else's is believed")
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cti3cx-api [flags]\n\nServes, for 3CX, GET /cti3cx/consult-phone/{phone} and PUT (or POST, PATCH)\n/cti3cx/end-call/{id}; for the CRM, GET /cti3cx/changes and GET /cti3cx/normalize;\nfor CRM staff, the review page at /revisao/; and /healthz, /readyz, /metrics,\n/openapi.yaml. See docs/api.md.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || c.Version {
		return c, err
	}
	var perr error
	if c.TrustedProxies, perr = parsePrefixes(proxies); perr != nil {
		return c, cli.Usagef("--trusted-proxies: %v", perr)
	}
	switch {
	case fs.NArg() > 0:
		return c, cli.Usagef("unexpected argument %q (see --help)", fs.Arg(0))
	case c.PoolSize < 1:
		return c, cli.Usagef("--pool-size %d: want at least 1", c.PoolSize)
	case c.RequestTimeout <= 0:
		return c, cli.Usagef("--request-timeout %v: want a positive duration", c.RequestTimeout)
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return c, cli.Usagef("--tls-cert and --tls-key go together")
	case c.MaxConns < 0 || c.MaxConnsPerAddr < 0:
		return c, cli.Usagef("--max-conns and --max-conns-per-addr: want 0 (the default) or more")
	case c.IdleTimeout <= 0:
		return c, cli.Usagef("--idle-timeout %v: want a positive duration", c.IdleTimeout)
	}
	return c, c.RequireDatabase()
}

// run is main without the process: tests call it, or build the binary and
// run it, on a random port.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	if cfg.Version {
		fmt.Fprintln(stdout, buildinfo.Read().String("cti3cx-api"))
		return nil
	}
	log := cfg.Logger(stderr)

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
