package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader/export"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

const exportHelp = `Writes every live account or contact of the tenant with its external id,
names, company (and account id for contacts), e-mail and, for each phone field,
its value in the tenant's dial format and its status (ok, fixed, invalid).
Staff fixes are applied; an invalid number is exported as stored. A field with
several numbers gets them joined with " / ".

CSV (the default) is UTF-8 with a BOM, ';' and CRLF, as Brazilian Excel
expects; cells that a spreadsheet would evaluate or read as a number are
protected (see docs/crm.md). --format defaults from the --out extension.

--since TIME exports only the records whose data or phones changed after TIME
(an import, a revalidation, a staff fix). The summary prints the --since to
use next time; it may repeat a few records, never miss one.`

func cmdExport(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("export", "--tenant SLUG --kind accounts|contacts --out FILE [--format csv|xlsx|ndjson] [--since TIME]", exportHelp)
	slug := fs.String("tenant", "", "tenant slug (required)")
	kind := fs.String("kind", "", "accounts or contacts (required)")
	out := fs.String("out", "", "output file (required; - for stdout, CSV or NDJSON)")
	format := fs.String("format", "", "csv, xlsx or ndjson (default: from --out's extension, else csv)")
	since := fs.String("since", "", "only records changed after TIME (RFC 3339 such as 2026-12-01T18:00:00-03:00, or a date: local midnight)")
	delim := fs.String("delimiter", ";", "CSV delimiter: ';', ',', tab or '|'")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos); err != nil {
		return err
	}
	if *slug == "" || *kind == "" || *out == "" {
		return cli.Usagef("export: --tenant, --kind and --out are required")
	}
	opts := export.Options{Format: *format}
	switch *kind {
	case "accounts", "account":
		opts.Kind = schema.KindAccount
	case "contacts", "contact":
		opts.Kind = schema.KindContact
	default:
		return cli.Usagef("--kind %q: want accounts or contacts", *kind)
	}
	if opts.Format == "" {
		opts.Format = export.FormatCSV
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".xlsx":
			opts.Format = export.FormatXLSX
		case ".ndjson", ".jsonl", ".json":
			opts.Format = export.FormatNDJSON
		}
	}
	if opts.Format == export.FormatXLSX && *out == "-" {
		return cli.Usagef("export: an XLSX export needs a file for --out")
	}
	if opts.Delimiter, err = exportDelimiter(*delim); err != nil {
		return err
	}
	if *since != "" {
		if opts.Since, err = parseSince(*since); err != nil {
			return err
		}
	}
	db, tenant, err := app.Tenant(ctx, *slug)
	if err != nil {
		return err
	}
	var sum export.Summary
	write := func(w io.Writer) error {
		var err error
		sum, err = export.Write(ctx, db, tenant, opts, w, *out)
		return err
	}
	switch {
	case *out == "-":
		err = write(app.Stdout)
	case opts.Format == export.FormatXLSX:
		err = write(nil)
	default:
		err = office.WriteFile(*out, write)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "export: %d %s to %s; next time: --since %s\n", sum.Records, *kind, *out,
		sum.NextSince.UTC().Format(time.RFC3339Nano))
	return nil
}

func exportDelimiter(s string) (rune, error) {
	switch s {
	case ";", ",", "|":
		return rune(s[0]), nil
	case "tab", "\\t", "\t":
		return '\t', nil
	}
	return 0, cli.Usagef("--delimiter %q: want ';', ',', tab or '|'", s)
}
