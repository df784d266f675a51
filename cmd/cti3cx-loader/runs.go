package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
)

func cmdRuns(ctx context.Context, app *App, args []string) error {
	var slug string
	var limit int
	fs := app.flagSet("runs", "--tenant SLUG [--limit N]", "Lists the tenant's latest revalidation runs and import runs, newest first.")
	fs.StringVar(&slug, "tenant", "", "tenant slug (required)")
	fs.IntVar(&limit, "limit", 20, "runs of each kind to list")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos); err != nil {
		return err
	}
	if slug == "" {
		return cli.Usagef("runs: --tenant is required")
	}
	if limit <= 0 {
		return cli.Usagef("--limit: want a positive number")
	}
	db, tenant, err := app.Tenant(ctx, slug)
	if err != nil {
		return err
	}
	revs, err := db.RevalidationRuns(ctx, tenant.ID, limit)
	if err != nil {
		return err
	}
	imports, err := db.ListImportRuns(ctx, tenant.ID, limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Revalidation runs")
	fmt.Fprintln(tw, "ID\tSTARTED\tFINISHED\tOUTCOME\tRULES\tCHECKED\tCHANGED\tNEWLY_INVALID\tFIXED\tSTILL_INVALID\tERROR")
	for _, r := range revs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.StartedAt.Format("2006-01-02T15:04:05Z07:00"),
			timeOrDash(r.FinishedAt), r.Outcome, r.RulesVersion, r.Checked, r.Changed, r.NewlyInvalid, r.Fixed, r.StillInvalid, r.Error)
	}
	fmt.Fprintln(tw, "\nImport runs")
	fmt.Fprintln(tw, "ID\tSTARTED\tFINISHED\tKIND\tSOURCE\tOUTCOME\tREAD\tINSERTED\tUPDATED\tUNCHANGED\tDELETED\tREJECTED\tWARNED\tPHONES_OK\tPHONES_FIXED\tPHONES_INVALID")
	for _, r := range imports {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", r.ID, r.StartedAt.Format("2006-01-02T15:04:05Z07:00"),
			timeOrDash(r.FinishedAt), r.Kind, r.Source, r.Outcome, r.RowsRead, r.Inserted, r.Updated, r.Unchanged, r.Deleted,
			r.Rejected, r.Warned, r.PhonesOK, r.PhonesFixed, r.PhonesInvalid)
	}
	return tw.Flush()
}
