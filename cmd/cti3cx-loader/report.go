package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/loader/worker"
)

const reportHelp = `Writes one row per phone that needs a human, headed in Portuguese: record
kind, external id, name, company, field, the value as stored, an empty
"Corrigir para" column for staff to fill, status, the reason in plain
Portuguese, the suggested fix, and ref (do not edit: it ties the row to the
phone for 'fixes apply').

.xlsx: a Resumo sheet (tenant, DDD, date in --timezone, counts), then one
sheet per problem kind with a frozen header, filters, wrapped text, every
cell as text, printing landscape one page wide. .csv: UTF-8 with BOM, ';'
and CRLF, as Excel in Brazil expects; cells that would start a formula get
a leading apostrophe, cells a spreadsheet would read as a number a leading
tab (see docs/revalidation.md).`

func cmdReport(ctx context.Context, app *App, args []string) error {
	var slug, out, statuses, since, tz string
	fs := app.flagSet("report", "--tenant SLUG --out FILE.xlsx|FILE.csv [--status invalid,fixed] [--since DATE] [--timezone ZONE]", reportHelp)
	fs.StringVar(&slug, "tenant", "", "tenant slug (required)")
	fs.StringVar(&out, "out", "", "report file, .xlsx or .csv (required)")
	fs.StringVar(&statuses, "status", strings.Join(report.DefaultStatuses, ","), "statuses to list: invalid, fixed, ok, comma-separated")
	fs.StringVar(&since, "since", "", "only phones changed since DATE (YYYY-MM-DD, or RFC 3339)")
	fs.StringEnv(&tz, "timezone", "CTI3CX_TIMEZONE", worker.DefaultTimezone, "time zone of the report's dates, as the worker's")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos); err != nil {
		return err
	}
	if slug == "" || out == "" {
		return cli.Usagef("report: --tenant and --out are required")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return cli.Usagef("--timezone %q: %v", tz, err)
	}
	opts := report.Options{Now: time.Now().In(loc)}
	for _, s := range strings.Split(statuses, ",") {
		if s = strings.TrimSpace(s); s != "" {
			opts.Statuses = append(opts.Statuses, s)
		}
	}
	if since != "" {
		t, err := parseSince(since)
		if err != nil {
			return err
		}
		opts.Since = &t
	}
	db, tenant, err := app.Tenant(ctx, slug)
	if err != nil {
		return err
	}
	sum, err := report.Write(ctx, db, tenant, out, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "%s: %d phone(s) to review (%d invalid, %d fixed)\n", out, sum.Rows, sum.ByStatus["invalid"], sum.ByStatus["fixed"])
	return nil
}

// parseSince reads a date (midnight, local time) or an RFC 3339 instant.
func parseSince(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, cli.Usagef("--since %q: want a date such as 2026-03-01", s)
}
