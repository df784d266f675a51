package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

// ReportPath is where the reports job writes a tenant's report of a day:
// DIR/SLUG/SLUG-YYYY-MM-DD.EXT, the date in the worker's time zone.
func ReportPath(dir, slug string, day time.Time, format string) string {
	return filepath.Join(dir, slug, fmt.Sprintf("%s-%s.%s", slug, day.Format(time.DateOnly), format))
}

// writeReports writes each tenant's report and prunes the old ones. A
// cancelled context stops it between tenants; a report is renamed into
// place whole, so an interrupted run leaves no half-written file.
func (w *Worker) writeReports(ctx context.Context) error {
	tenants, err := w.db.ListTenants(ctx)
	if err != nil {
		return err
	}
	format := w.cfg.ReportsFormat
	if format == "" {
		format = "xlsx"
	}
	var errs []error
	for _, t := range tenants {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := time.Now().In(w.cfg.Location)
		path := ReportPath(w.cfg.ReportsDir, t.Slug, now, format)
		if err := os.MkdirAll(filepath.Dir(path), office.DirMode); err != nil {
			errs = append(errs, err)
			continue
		}
		sum, err := report.Write(ctx, w.db, t, path, report.Options{Now: now})
		if err != nil {
			w.log.Error("report failed", "tenant", t.Slug, "err", err)
			errs = append(errs, fmt.Errorf("tenant %s: %w", t.Slug, err))
			continue
		}
		w.metrics.reportRows.WithLabelValues(t.Slug).Set(float64(sum.Rows))
		w.log.Info("report written", "tenant", t.Slug, "path", path, "rows", sum.Rows)
		if err := pruneReports(filepath.Dir(path), t.Slug, w.cfg.ReportsKeep); err != nil {
			w.log.Warn("old reports not pruned", "tenant", t.Slug, "err", err)
		}
	}
	return errors.Join(errs...)
}

// pruneReports keeps the newest keep reports of the tenant's folder; files
// that are not dated reports of the tenant are left alone.
func pruneReports(dir, slug string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	dated := regexp.MustCompile(`^` + regexp.QuoteMeta(slug) + `-\d{4}-\d{2}-\d{2}\.(xlsx|csv)$`)
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && dated.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	// The date sorts as text; newest first.
	slices.Sort(names)
	slices.Reverse(names)
	var errs []error
	for _, n := range names[min(keep, len(names)):] {
		errs = append(errs, os.Remove(filepath.Join(dir, n)))
	}
	return errors.Join(errs...)
}

// feedEntry is a tenant feed with its own schedule.
type feedEntry struct {
	spec string
	id   cron.EntryID
}

// pollFeeds imports the feeds that follow the worker's feeds schedule, and
// keeps the entries of feeds with their own schedule in step with the
// tenants' settings.
func (w *Worker) pollFeeds(ctx context.Context) error {
	tenants := w.syncFeedSchedules(ctx)
	var errs []error
	for _, t := range tenants {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if f := t.Settings.Feed; f != nil && f.URL != "" && f.Schedule == "" {
			if err := w.importFeed(ctx, t); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (w *Worker) importFeed(ctx context.Context, t schema.Tenant) error {
	err := w.cfg.Import(ctx, t, *t.Settings.Feed)
	outcome := "ok"
	switch {
	case err != nil && ctx.Err() != nil:
		outcome = "interrupted"
	case err != nil:
		outcome = "failed"
		w.log.Error("feed import failed", "tenant", t.Slug, "err", err)
		err = fmt.Errorf("tenant %s: feed: %w", t.Slug, err)
	}
	w.metrics.feedImports.WithLabelValues(t.Slug, outcome).Inc()
	return err
}

// syncFeedSchedules adds, changes or removes the cron entries of feeds with
// their own schedule, and returns the tenants it read.
func (w *Worker) syncFeedSchedules(ctx context.Context) []schema.Tenant {
	tenants, err := w.db.ListTenants(ctx)
	if err != nil {
		w.log.Error("feeds: cannot list tenants", "err", err)
		return nil
	}
	want := map[string]schema.Tenant{}
	for _, t := range tenants {
		if f := t.Settings.Feed; f != nil && f.URL != "" && f.Schedule != "" {
			want[t.Slug] = t
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for slug, e := range w.feeds {
		if t, ok := want[slug]; !ok || t.Settings.Feed.Schedule != e.spec {
			w.cron.Remove(e.id)
			delete(w.feeds, slug)
		}
	}
	for slug, t := range want {
		if _, ok := w.feeds[slug]; ok {
			continue
		}
		slug := slug
		name := "feed:" + slug
		job := w.wrap(name, func(ctx context.Context) error {
			t, err := w.db.TenantBySlug(ctx, slug)
			if err != nil || t.Settings.Feed == nil {
				return err
			}
			return w.importFeed(ctx, t)
		})
		id, err := w.cron.AddJob(t.Settings.Feed.Schedule, job)
		if err != nil {
			w.log.Error("feed schedule ignored", "tenant", slug, "schedule", t.Settings.Feed.Schedule, "err", err)
			continue
		}
		w.feeds[slug] = feedEntry{spec: t.Settings.Feed.Schedule, id: id}
		w.jobs[name] = job
	}
	return tenants
}

// pruneCalls deletes the calls past their retention, in batches: a
// cancelled context stops it between two.
func (w *Worker) pruneCalls(ctx context.Context) error {
	n, err := w.db.PruneCalls(ctx, w.cfg.CallRetention, time.Now())
	if n > 0 || err == nil {
		w.log.Info("calls pruned", "deleted", n, "unreported_retention", w.cfg.CallRetention.Unreported, "calls_retention", w.cfg.CallRetention.Reported)
	}
	return err
}
