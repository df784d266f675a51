package main

import (
	"context"
	"runtime/debug"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/normalize"
)

const rewriteHelp = `Writes OUT: the load file IN with every phone cell replaced by its number in
the dial format, and nothing else changed (CSV/TSV: same bytes, encoding, BOM,
delimiter, quoting and line endings; XLSX: the same workbook, phone cells set
as text). Columns are recognized as by import (--kind, --mapping...).

  - a cell whose numbers are all valid (ok or fixed) becomes the first
    number's dial string; an extension ("ramal 12") is dropped and counted;
  - further numbers of a cell go to the row's empty phone columns (not fax),
    in column order, else stay in the cell joined with " / ";
  - a cell with an invalid number is left exactly as it was;
  - --only ok leaves cells with a fixed number as they were;
  - --status-columns appends "<column> situação" and "<column> sugestão"
    after the last column, for each phone column.

With --ddd no database is used; with --tenant the tenant's DDD and dial
format are read (--ddd and --dial-format override them).`

// rewriteFlags are the flags rewrite and import --rewrite share.
type rewriteFlags struct {
	status bool
	only   string
}

func (f *rewriteFlags) register(fs *cli.Flags) {
	fs.BoolVar(&f.status, "status-columns", false, "append '<column> situação' and '<column> sugestão' columns after the last column")
	fs.StringVar(&f.only, "only", "", "ok: rewrite ok numbers only, leaving cells with fixed numbers as they were")
}

func (f *rewriteFlags) apply(o *loader.RewriteOptions) error {
	switch f.only {
	case "", "all":
	case "ok":
		o.OnlyOK = true
	default:
		return cli.Usagef("--only %q: want ok", f.only)
	}
	o.StatusColumns = f.status
	return nil
}

func cmdRewrite(ctx context.Context, app *App, args []string) error {
	// A batch that holds one record at a time: its heap is a few MB, and
	// the default GC target collects it so often that GC costs as much CPU
	// as the parsing (make bench). Four times the target costs a few MB.
	debug.SetGCPercent(max(debug.SetGCPercent(-1), 400))
	var opts loader.RewriteOptions
	var rf rewriteFlags
	fs := app.flagSet("rewrite", "--file IN --out OUT (--tenant SLUG | --ddd DD [--dial-format F]) [flags]", rewriteHelp)
	fs.StringVar(&opts.File, "file", "", "input load file: .csv/.tsv/.txt or .xlsx (required)")
	fs.StringVar(&opts.Out, "out", "", "output file (required; not the input)")
	slug := fs.String("tenant", "", "take the DDD and dial format from this tenant (needs the database)")
	ddd := fs.String("ddd", "", "default DDD for numbers written without one")
	dialFormat := fs.String("dial-format", "", "dial format: a preset name or a template (default: \"default\")")
	fs.StringVar(&opts.Kind, "kind", "", "accounts or contacts (default: detected from the columns)")
	fs.StringVar(&opts.MappingFile, "mapping", "", "mapping file (YAML or JSON): column -> field")
	fs.StringVar(&opts.Encoding, "encoding", "auto", "CSV encoding: auto, utf-8, windows-1252, iso-8859-1, ...")
	fs.StringVar(&opts.Delimiter, "delimiter", "auto", "CSV delimiter: auto, ';', ',', tab or '|'")
	fs.StringVar(&opts.Sheet, "sheet", "", "XLSX sheet (default: the first)")
	fs.IntVar(&opts.HeaderRow, "header-row", 0, "line (CSV) or row (XLSX) of the header, 1-based (default: detected)")
	rf.register(fs)
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos); err != nil {
		return err
	}
	if opts.File == "" || opts.Out == "" {
		return cli.Usagef("rewrite: --file and --out are required")
	}
	if err := rf.apply(&opts); err != nil {
		return err
	}
	switch {
	case *slug != "":
		_, t, err := app.Tenant(ctx, *slug)
		if err != nil {
			return err
		}
		if !fs.IsSet("ddd") {
			*ddd = t.DefaultDDD
		}
		if !fs.IsSet("dial-format") {
			*dialFormat = t.DialFormat
		}
	case !fs.IsSet("ddd"):
		return cli.Usagef("rewrite: give --tenant SLUG, or --ddd DD (and --dial-format) to work without the database")
	}
	p, err := normalize.NewProfile(*ddd, *dialFormat)
	if err != nil {
		return cli.Usage(err)
	}
	sum, err := loader.Rewrite(ctx, p, opts)
	if err != nil {
		return err
	}
	return sum.WriteTable(app.Stdout)
}
