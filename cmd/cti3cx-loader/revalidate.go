package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader/revalidate"
	"github.com/cti3cx/cti3cx/schema"
)

const revalidateHelp = `Re-normalizes every stored phone whose rules version or tenant profile
changed since it was last checked (every phone with --all), in batches that
commit one by one: API lookups are never blocked for long, and an
interrupted run (Ctrl-C, SIGTERM) keeps its finished batches; the next run
does the rest. Numbers that became valid lose their flag, numbers that
became invalid get one; each change is audited in phone_changes with actor
"revalidation". Without --tenant every tenant is revalidated in turn.

The worker (cti3cx-loader run) does the same on a schedule.`

func cmdRevalidate(ctx context.Context, app *App, args []string) error {
	var slug string
	var opts revalidate.Options
	fs := app.flagSet("revalidate", "[--tenant SLUG] [--all] [--batch-size N]", revalidateHelp)
	fs.StringVar(&slug, "tenant", "", "tenant slug (default: every tenant)")
	fs.BoolVar(&opts.All, "all", false, "re-check every phone, not only those checked under other rules or profile")
	fs.IntVar(&opts.BatchSize, "batch-size", revalidate.DefaultBatchSize, "phones per batch (one short transaction each)")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos); err != nil {
		return err
	}
	if opts.BatchSize <= 0 {
		return cli.Usagef("--batch-size: want a positive number")
	}
	opts.Logger = app.Logger()
	db, err := app.DB(ctx)
	if err != nil {
		return err
	}
	var runs []schema.RevalidationRun
	if slug != "" {
		t, err := db.TenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		run, rerr := revalidate.Tenant(ctx, db, t, opts)
		if run.ID != 0 {
			runs = append(runs, run)
		}
		err = rerr
		printRevalidationRuns(app, runs, map[int64]string{t.ID: t.Slug})
		return err
	}
	tenants, err := db.ListTenants(ctx)
	if err != nil {
		return err
	}
	slugs := map[int64]string{}
	for _, t := range tenants {
		slugs[t.ID] = t.Slug
	}
	runs, err = revalidate.All(ctx, db, opts)
	printRevalidationRuns(app, runs, slugs)
	return err
}

func printRevalidationRuns(app *App, runs []schema.RevalidationRun, slugs map[int64]string) {
	if len(runs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tRUN\tOUTCOME\tCHECKED\tCHANGED\tNEWLY_INVALID\tFIXED\tSTILL_INVALID")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\n", slugs[r.TenantID], r.ID, r.Outcome, r.Checked, r.Changed,
			r.NewlyInvalid, r.Fixed, r.StillInvalid)
	}
	tw.Flush()
}
