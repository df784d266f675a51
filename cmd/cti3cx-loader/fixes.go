package main

import (
	"context"
	"fmt"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader/report"
)

const fixesHelp = `Reads a report staff filled in (XLSX, or CSV as written or as Excel or
LibreOffice save it again; older reports headed corrigir_para too) and, for
every row with "Corrigir para", checks the value with the tenant's profile: it must be exactly one valid number. Valid fixes are
stored as overrides of the phone (the source's raw value is kept; the
override wins until the source changes it) and answer consult-phone at once.
A row whose phone changed since the report was written is refused as stale.
Every change is audited in phone_changes with actor "fix:<file name>".

The outcome of every filled row (aplicado / rejeitado and why) goes to
<name>.resultado.<ext> next to the input, or to --out.`

func cmdFixes(ctx context.Context, app *App, args []string) error {
	return app.dispatchSub(ctx, "fixes", []command{
		{"apply", "apply a filled report: fixes apply --tenant SLUG --file REPORT.xlsx|REPORT.csv", fixesApply},
	}, args)
}

func fixesApply(ctx context.Context, app *App, rest []string) error {
	var slug, file string
	var opts report.FixOptions
	fs := app.flagSet("fixes apply", "--tenant SLUG --file REPORT.xlsx|REPORT.csv [--dry-run] [--out RESULT]", fixesHelp)
	fs.StringVar(&slug, "tenant", "", "tenant slug (required)")
	fs.StringVar(&file, "file", "", "the filled report (required)")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "check every fix and write the result file, change nothing")
	fs.StringVar(&opts.Out, "out", "", "result file (default: <name>.resultado.<ext> next to the input)")
	pos, err := fs.ParseAll(rest)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos); err != nil {
		return err
	}
	if slug == "" || file == "" {
		return cli.Usagef("fixes apply: --tenant and --file are required")
	}
	db, tenant, err := app.Tenant(ctx, slug)
	if err != nil {
		return err
	}
	sum, err := report.ApplyFixes(ctx, db, tenant, file, opts)
	if err != nil {
		return err
	}
	verb := "applied"
	if opts.DryRun {
		verb = "valid (dry run, nothing changed)"
	}
	fmt.Fprintf(app.Stdout, "%d fix(es) %s, %d rejected (%d stale); results in %s\n", sum.Applied, verb, sum.Rejected, sum.Stale, sum.ResultPath)
	return nil
}
