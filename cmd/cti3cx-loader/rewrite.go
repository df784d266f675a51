package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/normalize"
)

func init() {
	register("rewrite", "write a load file with every phone cell in the tenant's dial format (no database with --ddd)", cmdRewrite)
}

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

func (f *rewriteFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.status, "status-columns", false, "append '<column> situação' and '<column> sugestão' columns after the last column")
	fs.StringVar(&f.only, "only", "", "ok: rewrite ok numbers only, leaving cells with fixed numbers as they were")
}

func (f *rewriteFlags) apply(o *loader.RewriteOptions) error {
	switch f.only {
	case "", "all":
	case "ok":
		o.OnlyOK = true
	default:
		return usageError(fmt.Errorf("--only %q: want ok", f.only))
	}
	o.StatusColumns = f.status
	return nil
}

func cmdRewrite(ctx context.Context, app *App, args []string) error {
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
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	if opts.File == "" || opts.Out == "" {
		return usageError(errors.New("rewrite: --file and --out are required"))
	}
	if err := rf.apply(&opts); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case *slug != "":
		_, t, err := app.Tenant(ctx, *slug)
		if err != nil {
			return err
		}
		if !set["ddd"] {
			*ddd = t.DefaultDDD
		}
		if !set["dial-format"] {
			*dialFormat = t.DialFormat
		}
	case !set["ddd"]:
		return usageError(errors.New("rewrite: give --tenant SLUG, or --ddd DD (and --dial-format) to work without the database"))
	}
	p, err := normalize.NewProfile(*ddd, *dialFormat)
	if err != nil {
		return usageError(err)
	}
	sum, err := loader.Rewrite(ctx, p, opts)
	if err != nil {
		return err
	}
	return sum.WriteTable(app.Stdout)
}
