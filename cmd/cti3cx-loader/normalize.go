package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/normalize"
)

const normalizeHelp = `Reads raw phone cells from stdin, one per line, and writes one line per number
found: input, status (ok, fixed, invalid), e164, dial, type, extension, reasons
(comma-separated) and suggestion. Empty lines give nothing. TSV has a header
line; JSON is one object per line. Without --tenant no database is used.

Dial formats: a preset (` + "default, ddd, national, e164, digits, zeros, csp21" + `) or a
template such as 9{ddd}{number} or 0{csp}{ddd}{number};csp=15 (see README).`

// cmdNormalize implements `cti3cx-loader normalize`. stdin/stdout are the command's streams.
func cmdNormalize(ctx context.Context, app *App, args []string) error {
	// A batch that holds one record at a time: its heap is a few MB, and
	// the default GC target collects it so often that GC costs as much CPU
	// as the parsing (make bench). Four times the target costs a few MB.
	debug.SetGCPercent(max(debug.SetGCPercent(-1), 400))
	fs := app.flagSet("normalize", "[--ddd 47] [--dial-format PRESET|TEMPLATE] [--tenant SLUG] [--format tsv|json] < cells", normalizeHelp)
	ddd := fs.String("ddd", "", "default DDD for numbers written without one (default: none, or the tenant's)")
	dialFormat := fs.String("dial-format", "", "dial format: a preset name or a template (default: \"default\", or the tenant's)")
	tenant := fs.String("tenant", "", "take the default DDD and dial format from this tenant (needs the database); --ddd and --dial-format override")
	format := fs.String("format", "tsv", "output format: tsv or json")
	rest, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		fs.Usage()
		return cli.Usagef("normalize: unexpected argument %q (cells are read from stdin)", rest[0])
	}
	if *format != "tsv" && *format != "json" {
		return cli.Usagef("--format %q: want tsv or json", *format)
	}
	if *tenant != "" {
		_, t, err := app.Tenant(ctx, *tenant)
		if err != nil {
			return err
		}
		if !fs.IsSet("ddd") {
			*ddd = t.DefaultDDD
		}
		if !fs.IsSet("dial-format") {
			*dialFormat = t.DialFormat
		}
	}
	p, err := normalize.NewProfile(*ddd, *dialFormat)
	if err != nil {
		return cli.Usage(err)
	}
	out := bufio.NewWriterSize(app.Stdout, 64<<10)
	emit, err := newEmitter(out, *format)
	if err != nil {
		return err
	}
	in := bufio.NewReaderSize(app.Stdin, 64<<10)
	var results []normalize.Result
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, err := readCell(in)
		if len(line) > 0 || err == nil {
			results = p.AppendNormalize(results[:0], line)
			for _, r := range results {
				if err := emit(r); err != nil {
					return err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
	}
	return out.Flush()
}

// newEmitter returns the function that writes one result in format.
func newEmitter(out *bufio.Writer, format string) (func(normalize.Result) error, error) {
	if format == "tsv" {
		if _, err := io.WriteString(out, "input\tstatus\te164\tdial\ttype\textension\treasons\tsuggestion\n"); err != nil {
			return nil, err
		}
		// Appended into one reused line rather than fmt.Fprintf: formatting
		// cost more CPU than normalizing (make bench, BenchmarkNormalizeCLI200k).
		var line []byte
		return func(r normalize.Result) error {
			line = appendTSVField(line[:0], r.Input)
			line = append(append(line, '\t'), r.Status...)
			line = append(append(line, '\t'), r.E164...)
			line = append(append(line, '\t'), r.Dial...)
			line = append(append(line, '\t'), r.Type...)
			line = append(append(line, '\t'), r.Extension...)
			line = append(line, '\t')
			if r.Reasons != 0 {
				line = append(line, r.Reasons.String()...)
			}
			line = append(append(append(line, '\t'), r.Suggestion...), '\n')
			_, err := out.Write(line)
			return err
		}, nil
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return func(r normalize.Result) error {
		return enc.Encode(normalizeLine{r.Input, string(r.Status), r.E164, r.Dial, string(r.Type), r.Extension, r.Reasons.String(), r.Suggestion})
	}, nil
}

// normalizeLine is one JSON output line.
type normalizeLine struct {
	Input      string `json:"input"`
	Status     string `json:"status"`
	E164       string `json:"e164"`
	Dial       string `json:"dial"`
	Type       string `json:"type"`
	Extension  string `json:"extension"`
	Reasons    string `json:"reasons"`
	Suggestion string `json:"suggestion"`
}

// readCell reads one line without its end-of-line. A line longer than
// normalize.MaxCellBytes is cut (and so reported as too_long) while the
// rest is skipped, so memory stays bounded on any input.
func readCell(in *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := in.ReadSlice('\n')
		if len(b) <= normalize.MaxCellBytes {
			b = append(b, chunk[:min(len(chunk), normalize.MaxCellBytes+1-len(b))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if err == nil || (errors.Is(err, io.EOF) && len(b) > 0) {
			if errors.Is(err, io.EOF) {
				return s, io.EOF
			}
			return s, nil
		}
		return s, err
	}
}

// appendTSVField appends s kept on one TSV field: tabs and line breaks
// become spaces.
func appendTSVField(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, "\t\r\n") {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}
