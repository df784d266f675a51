package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/schema"
)

// serve runs the public listener (and the metrics one, if asked) until ctx
// ends, then drains requests in flight.
func serve(ctx context.Context, cfg config, log *slog.Logger, srv *api.Server, stdout io.Writer) error {
	var certs *certReloader
	if cfg.TLSCert != "" {
		var err error
		if certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey); err != nil {
			return cli.Usagef("%v", err)
		}
	}
	raw, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return cti3cx.Errorf(cti3cx.EUNAVAILABLE, "listen on %s: %v", cfg.Addr, err)
	}
	limited := srv.LimitListener(raw, api.ConnLimits{Max: cfg.MaxConns, PerAddr: cfg.MaxConnsPerAddr, Trusted: cfg.TrustedProxies})
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 2 * time.Second,
		ReadTimeout:       5 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnState:         limited.ConnState,
	}
	var ln net.Listener = limited
	scheme := "http"
	if certs != nil {
		httpSrv.TLSConfig = certs.tlsConfig()
		ln = tls.NewListener(limited, httpSrv.TLSConfig)
		scheme = "https"
		stopHUP := reloadOnHUP(certs, log)
		defer stopHUP()
	}
	metricsSrv, err := serveMetrics(cfg, log, srv, stdout)
	if err != nil {
		_ = raw.Close()
		return err
	}
	addr := raw.Addr().String()
	log.Info("listening", "addr", addr, "tls", certs != nil, "schema", schema.LatestVersion(), "pool_size", cfg.PoolSize)
	fmt.Fprintf(stdout, "cti3cx-api listening on %s://%s\n", scheme, addr)

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	select {
	case err := <-serveErr:
		_ = srv.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests in flight", "timeout", cfg.ShutdownTimeout)
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancelDrain()
	shutdownErr := httpSrv.Shutdown(drainCtx)
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(drainCtx)
	}
	if err := srv.Close(drainCtx); err != nil {
		log.Warn("record tokens' last use", "err", err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	log.Info("stopped")
	return nil
}

// serveMetrics starts the metrics listener when --metrics-addr is set.
func serveMetrics(cfg config, log *slog.Logger, srv *api.Server, stdout io.Writer) (*http.Server, error) {
	if cfg.MetricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, cti3cx.Errorf(cti3cx.EUNAVAILABLE, "listen on --metrics-addr %s: %v", cfg.MetricsAddr, err)
	}
	ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: cfg.IdleTimeout}
	go func() {
		if err := ms.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "cti3cx-api metrics on http://%s/metrics\n", ln.Addr())
	return ms, nil
}

// reloadOnHUP reloads the certificate on each SIGHUP: connections open keep
// going, new handshakes get the new certificate; a bad file keeps the old.
func reloadOnHUP(certs *certReloader, log *slog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
				if err := certs.reload(); err != nil {
					log.Error("TLS certificate not reloaded: keeping the current one", "err", err)
					continue
				}
				log.Info("TLS certificate reloaded", "cert", certs.certFile)
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}
