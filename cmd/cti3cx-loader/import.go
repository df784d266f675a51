package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

const importHelp = `Imports a tenant's accounts or contacts. Every phone cell is normalized with
the tenant's profile and stored in the phone index with its raw value, status,
reasons and suggestion; invalid phones never reject a row.

One import is one transaction: a crash or Ctrl-C leaves the previous data
intact, and running the same command again completes it. Rows are matched by
(tenant, external id): unchanged rows are not written.

Only a missing id or a broken row rejects it; an invalid e-mail is left out
and the row loads with a warning. Rejected rows and warnings go to a rejects
file in the input's format and encoding (<name>.rejeitados.<ext> next to the
input unless --rejects), with the columns linha, codigo_erro, mensagem and
importada (sim for a warning) added.

Exit codes: 0 done; 1 failed or aborted by --max-errors (nothing written);
2 bad usage or bad input (nothing written).`

func cmdImport(ctx context.Context, app *App, args []string) error {
	var a importArgs
	fs := app.flagSet("import", "--tenant SLUG (--file PATH | --feed URL|PATH|-) [flags]", importHelp)
	a.bind(fs)
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cli.Usagef("import: unexpected argument %q: name the input with --file %s (or --feed URL)", pos[0], pos[0])
	}
	ro, err := a.check(app)
	if err != nil {
		return err
	}
	opts := a.opts
	db, tenant, err := app.Tenant(ctx, a.slug)
	if err != nil {
		return err
	}
	opts.Stdin = app.Stdin
	opts.Logger = app.Logger()
	opts.MappingOut = app.Stdout
	if app.StderrIsTerminal() {
		opts.Progress = app.Stderr
	}
	sum, err := loader.Import(ctx, db, tenant, opts)
	if sum.RunID != 0 {
		printImportSummary(app, sum, opts.DryRun)
	}
	if err != nil || a.rewriteOut == "" {
		return err
	}
	return importRewrite(ctx, app, tenant, sum, ro)
}

// importArgs are import's flags.
type importArgs struct {
	opts                       loader.Options
	slug, tokenEnv, rewriteOut string
	rf                         rewriteFlags
	lf                         importLimitFlags
}

func (a *importArgs) bind(fs *cli.Flags) {
	fs.StringVar(&a.slug, "tenant", "", "tenant slug (required)")
	fs.StringVar(&a.opts.File, "file", "", "input file: .csv/.tsv/.txt, .xlsx, .json/.ndjson; - reads CSV from stdin")
	fs.StringVar(&a.opts.Feed, "feed", "", "JSON feed: http(s) URL, path, or - for stdin (NDJSON, array, or {\"data\":[...],\"next\":URL} pages)")
	fs.StringVar(&a.tokenEnv, "feed-token-env", "", "name of the environment variable holding the feed's bearer token")
	fs.DurationVar(&a.opts.FeedOptions.Timeout, "feed-timeout", loader.DefaultFeedTimeout, "feed: timeout to reach the server and for each gap in a page's body (an idle timeout, not a cap on a long stream)")
	fs.StringVar(&a.opts.Kind, "kind", "", "accounts or contacts (default: detected from the columns)")
	fs.StringVar(&a.opts.MappingFile, "mapping", "", "mapping file (YAML or JSON): column -> field")
	fs.StringVar(&a.opts.Encoding, "encoding", "auto", "CSV encoding: auto, utf-8, windows-1252, iso-8859-1, ...")
	fs.StringVar(&a.opts.Delimiter, "delimiter", "auto", "CSV delimiter: auto, ';', ',', tab or '|'")
	fs.StringVar(&a.opts.Sheet, "sheet", "", "XLSX sheet (default: the first)")
	fs.IntVar(&a.opts.HeaderRow, "header-row", 0, "line (CSV) or row (XLSX) of the header, 1-based (default: detected)")
	fs.BoolVar(&a.opts.NoHeader, "no-header", false, "CSV/XLSX without a header: the first line is data, columns are named 1, 2, … (in --dry-run and mapping files)")
	fs.StringVar(&a.opts.Mode, "mode", loader.ModeUpsert, "upsert, or full: also soft-delete records absent from the input")
	fs.BoolVar(&a.opts.Force, "force", false, "--mode full: delete even when more than half of the active records would go")
	fs.BoolVar(&a.opts.NoWait, "no-wait", false, "refuse (exit 1) instead of waiting when an import of the same tenant and kind is running")
	fs.BoolVar(&a.opts.DryRun, "dry-run", false, "do everything, print the mapping (stdout) and the summary (stderr), then roll back")
	fs.StringVar(&a.opts.MaxErrors, "max-errors", "", "abort (nothing written) past N rejected rows or P% of the rows read")
	fs.StringVar(&a.opts.RejectsPath, "rejects", "", "rejects file path (default: <input>.rejeitados.<ext>)")
	fs.StringVar(&a.rewriteOut, "rewrite", "", "also write the input with its phone cells in the tenant's dial format to this file (see rewrite --help)")
	a.rf.register(fs)
	a.lf.register(fs, &a.opts)
}

// check validates the flags together and reads the feed's token; it returns
// the options of --rewrite.
func (a *importArgs) check(app *App) (loader.RewriteOptions, error) {
	opts := &a.opts
	if err := a.lf.apply(opts); err != nil {
		return loader.RewriteOptions{}, err
	}
	ro := loader.RewriteOptions{File: opts.File, Out: a.rewriteOut, Encoding: opts.Encoding, Delimiter: opts.Delimiter,
		Sheet: opts.Sheet, HeaderRow: opts.HeaderRow}
	if err := a.rf.apply(&ro); err != nil {
		return ro, err
	}
	switch {
	case a.rewriteOut != "" && (opts.File == "" || opts.File == "-"):
		return ro, cli.Usagef("import: --rewrite needs --file (a CSV/TSV or XLSX file)")
	case a.slug == "":
		return ro, cli.Usagef("import: --tenant is required")
	case opts.NoHeader && (opts.HeaderRow > 0 || a.rewriteOut != ""):
		return ro, cli.Usagef("import: --no-header goes with neither --header-row nor --rewrite")
	case opts.File == "" && opts.Feed == "":
		return ro, cli.Usagef("import: give --file or --feed")
	}
	if a.rewriteOut != "" {
		if err := loader.CheckRewriteOut(opts.File, a.rewriteOut); err != nil {
			return ro, cti3cx.Errorf(cti3cx.EINVALID, "--rewrite: %w; nothing was imported", err)
		}
	}
	if a.tokenEnv != "" {
		opts.FeedOptions.Token = app.Getenv(a.tokenEnv)
		if opts.FeedOptions.Token == "" {
			return ro, cli.Usagef("import: --feed-token-env: %s is empty or unset", a.tokenEnv)
		}
	}
	return ro, nil
}

// printImportSummary prints the summary on stdout, or on stderr for a dry
// run, whose stdout is the mapping alone (so that "import --dry-run >
// mapping.yaml" writes a usable --mapping file).
func printImportSummary(app *App, sum loader.Summary, dryRun bool) {
	out := app.Stdout
	if dryRun {
		out = app.Stderr
	}
	writeSummary(out, sum)
	if !dryRun {
		for _, n := range sum.Notes { // the summary is on stdout: tell stderr too
			fmt.Fprintf(app.Stderr, "import: %s: %s\n", sum.Source, n)
		}
	}
}

// importRewrite writes the rewritten file after an import, with the
// import's mapping and the tenant's profile: the same results as stored.
func importRewrite(ctx context.Context, app *App, tenant schema.Tenant, sum loader.Summary, ro loader.RewriteOptions) error {
	p, err := normalize.NewProfile(tenant.DefaultDDD, tenant.DialFormat)
	if err != nil {
		return err
	}
	m := sum.Mapping
	ro.Mapping = &m
	rs, err := loader.Rewrite(ctx, p, ro)
	if err != nil {
		return err
	}
	return rs.WriteTable(app.Stdout)
}

func writeSummary(w io.Writer, s loader.Summary) {
	if err := s.WriteTable(w); err != nil {
		fmt.Fprintf(w, "(summary: %v)\n", err)
	}
}
