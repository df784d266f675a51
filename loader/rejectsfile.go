package loader

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/office"
)

// Columns added to each rejected row, in Portuguese for CRM staff.
// importada is "sim" for a warning (the row loaded, see the message for
// what was left out) and "não" for a rejected row.
var rejectColumns = []string{"linha", "codigo_erro", "mensagem", "importada"}

func importedText(e *rowError) string {
	if e.imported() {
		return "sim"
	}
	return "não"
}

// rejectsWriter writes rejected rows in the input's own format and
// encoding, so that staff fix them in Excel and import the file again. The
// file is created at the first reject.
type rejectsWriter struct {
	path   string
	fmt    format
	header []string
	n      int

	f   *os.File
	buf *bufio.Writer
	csv *csv.Writer
	out io.Writer // encoded text, for CSV and NDJSON

	book      *excelize.File
	sw        *excelize.StreamWriter
	textStyle int
	cols      int // the widest XLSX row
}

// defaultRejectsPath is <dir>/<name>.rejeitados.<ext> next to the input.
func defaultRejectsPath(input string, f format) string {
	ext := filepath.Ext(input)
	base := strings.TrimSuffix(input, ext)
	switch f.kind {
	case FormatXLSX:
		ext = ".xlsx"
	case FormatJSON:
		ext = ".ndjson"
	default:
		if ext == "" {
			ext = ".csv"
		}
	}
	return base + ".rejeitados" + ext
}

func (w *rejectsWriter) open() error {
	if w.fmt.kind == FormatXLSX {
		w.book = excelize.NewFile()
		// Every cell a string in the text format: nothing the CRM sent is
		// ever evaluated, and numbers keep their zeros when staff edit them.
		style, err := w.book.NewStyle(&excelize.Style{NumFmt: office.TextFormat})
		if err != nil {
			return err
		}
		w.textStyle = style
		if err := office.PrintSetup(w.book, "Sheet1", true); err != nil {
			return err
		}
		sw, err := w.book.NewStreamWriter("Sheet1")
		if err != nil {
			return err
		}
		w.sw = sw
		header := append(append([]string{}, w.header...), rejectColumns...)
		for i, h := range header {
			width := min(max(float64(len(h))+4, 14), 30)
			if i == len(header)-2 { // mensagem
				width = 60
			}
			if err := sw.SetColWidth(i+1, i+1, width); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		return w.xlsxRow(header)
	}
	f, err := office.Create(w.path)
	if err != nil {
		return cti3cx.Errorf(cti3cx.EINVALID, "rejects file %s: %w", w.path, unwrapPathError(err))
	}
	w.f, w.buf = f, bufio.NewWriter(f)
	w.out = w.buf
	if w.fmt.kind == FormatJSON {
		return nil
	}
	if w.fmt.encoding != "" && w.fmt.encoding != "utf-8" {
		if enc, err := htmlindex.Get(w.fmt.encoding); err == nil {
			w.out = encoding.ReplaceUnsupported(enc.NewEncoder()).Writer(w.buf)
		}
	}
	if w.fmt.bom {
		w.buf.WriteString("\ufeff")
	}
	w.csv = csv.NewWriter(w.out)
	w.csv.Comma = w.fmt.delimiter
	w.csv.UseCRLF = true // Excel's line ending
	return w.csvRow(append(append([]string{}, w.header...), rejectColumns...))
}

// csvRow writes a rejected row for staff to fix in a spreadsheet and import
// again. The row's own cells go through office.Text: none is evaluated, and
// ids and numbers stay text (0512 would come back from Excel as 512, a
// different record); the import trims the tab, and keeps the apostrophe put
// before a formula character (normalize reads '+55 ... as +55 ...). The
// columns added after them (linha, codigo_erro, ...) are only neutralised:
// linha stays a number.
func (w *rejectsWriter) csvRow(cells []string) error {
	for i, c := range cells {
		if i < len(w.header) {
			cells[i] = office.Text(c)
		} else {
			cells[i] = office.Neutralize(c)
		}
	}
	return w.csv.Write(cells)
}

func (w *rejectsWriter) xlsxRow(cells []string) error {
	w.cols = max(w.cols, len(cells))
	vals := make([]any, len(cells))
	for i, c := range cells {
		vals[i] = excelize.Cell{StyleID: w.textStyle, Value: c}
	}
	cell, _ := excelize.CoordinatesToCellName(1, w.n+1)
	return w.sw.SetRow(cell, vals)
}

// write adds one rejected row: its cells (or JSON object) plus line, code
// and message.
func (w *rejectsWriter) write(r row, e *rowError) error {
	if w.path == "" {
		return nil
	}
	if w.n == 0 {
		if err := w.open(); err != nil {
			return err
		}
	}
	w.n++
	line := strconv.Itoa(r.line)
	switch w.fmt.kind {
	case FormatXLSX:
		return w.xlsxRow(append(append([]string{}, r.cells...), line, e.Code, e.Message, importedText(e)))
	case FormatJSON:
		return w.jsonLine(r, e)
	}
	return w.csvRow(append(append([]string{}, r.cells...), line, e.Code, e.Message, importedText(e)))
}

func (w *rejectsWriter) jsonLine(r row, e *rowError) error {
	extra, _ := json.Marshal(map[string]any{"linha": r.line, "codigo_erro": e.Code, "mensagem": e.Message, "importada": e.imported()})
	raw := strings.TrimSpace(r.raw)
	var out string
	switch {
	case strings.HasPrefix(raw, "{") && strings.TrimSpace(raw[1:]) != "}":
		// The original object, its keys first, then ours.
		out = strings.TrimSuffix(strings.TrimSpace(raw), "}") + "," + string(extra[1:])
	default:
		rec, _ := json.Marshal(map[string]any{"registro": json.RawMessage(orNull(raw))})
		out = strings.TrimSuffix(string(rec), "}") + "," + string(extra[1:])
	}
	_, err := io.WriteString(w.out, out+"\n")
	return err
}

func orNull(s string) string {
	if json.Valid([]byte(s)) && s != "" {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// close finishes the file; it returns the path when one was written.
func (w *rejectsWriter) close() (string, error) {
	if w.n == 0 {
		return "", nil
	}
	if w.book != nil {
		if err := w.sw.Flush(); err != nil {
			return "", err
		}
		// Streamed before the count was known: the size goes in on saving.
		if err := office.SaveXLSXSized(w.book, w.path, map[string]string{"Sheet1": office.Dimension(w.cols, w.n+1)}); err != nil {
			return "", cti3cx.Errorf(cti3cx.EINVALID, "rejects file %s: %v", w.path, err)
		}
		return w.path, w.book.Close()
	}
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return "", err
		}
	}
	if c, ok := w.out.(io.Closer); ok {
		c.Close()
	}
	if err := w.buf.Flush(); err != nil {
		return "", err
	}
	return w.path, w.f.Close()
}

// recordText is the original row as one line, for import_rejects.
func recordText(r row, f format) string {
	if r.raw != "" {
		return r.raw
	}
	var b strings.Builder
	cw := csv.NewWriter(&b)
	if f.delimiter != 0 {
		cw.Comma = f.delimiter
	} else {
		cw.Comma = '\t'
	}
	cw.Write(r.cells)
	cw.Flush()
	return strings.TrimRight(b.String(), "\n")
}

// checkRejectsPath refuses, before anything is imported, a --rejects path
// the import could not write: an extension that names another format than
// the input's (rejects are written in the input's format; an XLSX needs
// .xlsx), or a directory that does not exist or is not writable.
func checkRejectsPath(path string, f format) error {
	ext := strings.ToLower(filepath.Ext(path))
	own := map[string][]string{FormatXLSX: {".xlsx"}, FormatJSON: {".ndjson", ".jsonl", ".json"}, FormatCSV: {".csv", ".tsv", ".txt"}}
	bad := f.kind == FormatXLSX && ext != ".xlsx"
	for kind, exts := range own {
		if kind != f.kind && slices.Contains(exts, ext) || ext == ".xls" || ext == ".xlsm" {
			bad = true
		}
	}
	if bad {
		return cti3cx.Errorf(cti3cx.EINVALID, "--rejects %s: rejects are written in the input's format (%s): give a %s file; nothing was imported",
			path, f.kind, strings.Join(own[f.kind], " or "))
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".cti3cx-rejects-check-")
	if err != nil {
		return cti3cx.Errorf(cti3cx.EINVALID, "--rejects %s: cannot write in %s (%v); nothing was imported", path, dir, unwrapPathError(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}
