package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/loader/worker"
	"github.com/cti3cx/cti3cx/schema"
)

const runHelp = `Runs until SIGTERM or Ctrl-C, then waits for the running job to reach a safe
point (revalidation stops between batches, a report is written whole or not
at all). Jobs, on cron schedules (5 fields: minute hour day-of-month month
day-of-week, or @daily, @hourly, @every 30m), in --timezone:

  revalidate  every tenant's phones (as 'cti3cx-loader revalidate')
  reports     each tenant's report, REPORTS_DIR/SLUG/SLUG-YYYY-MM-DD.xlsx,
              keeping the newest --reports-keep (off without --reports-dir)
  feeds       each tenant's JSON feed (tenant setting feed; a feed with its own
              schedule runs on it), as 'cti3cx-loader import --feed'
  prune-calls calls past their retention, in batches of 1000: lookups end-call
              never completed after --unreported-retention (default 30d),
              journaled calls after --calls-retention (default 0: kept forever)

An empty schedule turns its job off. A job still running at its next tick is
not started again, and an advisory lock in PostgreSQL keeps several workers
on one database from running the same job at once: run two for redundancy.
Prometheus metrics are served on --metrics-addr at /metrics.`

func cmdRun(ctx context.Context, app *App, args []string) error {
	var cfg worker.Config
	var tz, unreported, reported string
	fs := app.flagSet("run", "[flags]", runHelp)
	fs.StringEnv(&cfg.ScheduleRevalidate, "schedule-revalidate", "CTI3CX_SCHEDULE_REVALIDATE", worker.DefaultScheduleRevalidate, "revalidation schedule")
	fs.StringEnv(&cfg.ScheduleReports, "schedule-reports", "CTI3CX_SCHEDULE_REPORTS", worker.DefaultScheduleReports, "reports schedule")
	fs.StringEnv(&cfg.ScheduleFeeds, "schedule-feeds", "CTI3CX_SCHEDULE_FEEDS", worker.DefaultScheduleFeeds, "feed polling schedule")
	fs.StringEnv(&cfg.SchedulePruneCalls, "schedule-prune-calls", "CTI3CX_SCHEDULE_PRUNE_CALLS", worker.DefaultSchedulePruneCalls, "call pruning schedule")
	fs.StringEnv(&unreported, "unreported-retention", "CTI3CX_UNREPORTED_RETENTION", "30d", "delete lookups end-call never completed after this age, e.g. 30d or 72h; 0 keeps them")
	fs.StringEnv(&reported, "calls-retention", "CTI3CX_CALLS_RETENTION", "0", "delete journaled calls after this age, e.g. 730d; 0 keeps them forever")
	fs.StringEnv(&tz, "timezone", "CTI3CX_TIMEZONE", worker.DefaultTimezone, "time zone of the schedules and report dates")
	fs.StringEnv(&cfg.ReportsDir, "reports-dir", "CTI3CX_REPORTS_DIR", "", "folder for the scheduled reports; empty turns the job off")
	fs.IntEnv(&cfg.ReportsKeep, "reports-keep", "CTI3CX_REPORTS_KEEP", worker.DefaultReportsKeep, "reports kept per tenant")
	fs.StringEnv(&cfg.ReportsFormat, "reports-format", "CTI3CX_REPORTS_FORMAT", "xlsx", "xlsx or csv")
	fs.StringEnv(&cfg.MetricsAddr, "metrics-addr", "CTI3CX_METRICS_ADDR", ":9090", `Prometheus metrics address; "" turns them off`)
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos); err != nil {
		return err
	}
	if cfg.Location, err = time.LoadLocation(tz); err != nil {
		return cli.Usagef("--timezone %q: %v", tz, err)
	}
	if cfg.ReportsKeep < 1 {
		return cli.Usagef("--reports-keep %d: want a positive number", cfg.ReportsKeep)
	}
	if cfg.CallRetention.Unreported, err = parseRetention(unreported); err != nil {
		return cli.Usagef("--unreported-retention %q: %v", unreported, err)
	}
	if cfg.CallRetention.Reported, err = parseRetention(reported); err != nil {
		return cli.Usagef("--calls-retention %q: %v", reported, err)
	}
	if cfg.ReportsFormat != "xlsx" && cfg.ReportsFormat != "csv" {
		return cli.Usagef("--reports-format %q: want xlsx or csv", cfg.ReportsFormat)
	}
	for _, s := range []struct{ flag, spec string }{
		{"--schedule-revalidate", cfg.ScheduleRevalidate}, {"--schedule-reports", cfg.ScheduleReports}, {"--schedule-feeds", cfg.ScheduleFeeds},
		{"--schedule-prune-calls", cfg.SchedulePruneCalls},
	} {
		if s.spec == "" {
			continue
		}
		if err := worker.ParseSchedule(s.spec); err != nil {
			return cli.Usagef("%s %q: %v (want 5 fields such as \"0 2 * * *\", or @daily)", s.flag, s.spec, err)
		}
	}
	log := app.Logger()
	db, err := app.DB(ctx)
	if err != nil {
		return err
	}
	if err := db.CheckCurrent(ctx); err != nil {
		return err
	}
	cfg.Import = func(ctx context.Context, t schema.Tenant, feed schema.FeedSettings) error {
		opts := loader.Options{Feed: feed.URL, Kind: feed.Kind, Logger: log.With("tenant", t.Slug, "job", "feed")}
		if feed.TokenEnv != "" {
			if opts.FeedOptions.Token = app.Getenv(feed.TokenEnv); opts.FeedOptions.Token == "" {
				return cti3cx.Errorf(cti3cx.EINVALID, "tenant %s: feed token variable %s is empty", t.Slug, feed.TokenEnv)
			}
		}
		sum, err := loader.Import(ctx, db, t, opts)
		if err == nil {
			log.Info("feed imported", "tenant", t.Slug, "run", sum.RunID, "inserted", sum.Inserted, "updated", sum.Updated,
				"unchanged", sum.Unchanged, "rejected", sum.Rejected)
		}
		return err
	}
	w, err := worker.New(db, cfg, log)
	if err != nil {
		return err
	}
	return w.Run(ctx)
}

// parseRetention reads an age as days (30d) or a Go duration (72h); 0 is
// "keep forever".
func parseRetention(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("want days such as 30d, a duration such as 72h, or 0")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want days such as 30d, a duration such as 72h, or 0")
	}
	return d, nil
}
