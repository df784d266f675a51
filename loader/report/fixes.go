package report

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

// Outcomes of a fix, as written in the result file.
const (
	Applied    = "aplicado"
	WouldApply = "válido (simulação)"
	Rejected   = "rejeitado"
)

// FixOptions tune ApplyFixes.
type FixOptions struct {
	DryRun bool
	// Out is the result file; "<name>.resultado.<ext>" next to the input
	// when empty.
	Out string
}

// FixResult is what happened to one filled row.
type FixResult struct {
	Sheet   string
	Line    int
	Ref     string
	Kind    string
	ID      string // id_externo
	Name    string
	Field   string
	Stored  string // valor_armazenado
	FixTo   string // corrigir_para
	Outcome string
	Reason  string // why rejected, or what the fix was read as
	Dial    string // the number 3CX will dial, when valid
	Stale   bool
}

// FixSummary counts ApplyFixes' outcomes.
type FixSummary struct {
	Applied, Rejected, Stale int
	Results                  []FixResult
	ResultPath               string
}

// ApplyFixes reads a report staff filled in and applies every valid
// corrigir_para as an override of the tenant's phone: the source's raw value
// is kept, the override wins until the source changes it. A row whose ref
// belongs to another tenant's phone, or whose phone changed since the report
// was written, is refused; a value that is not exactly one valid number is
// rejected with the reason. Rows with corrigir_para empty are ignored. The
// outcome of every filled row goes to the result file.
func ApplyFixes(ctx context.Context, db *schema.DB, t schema.Tenant, path string, opts FixOptions) (FixSummary, error) {
	fixer, err := NewFixer(db, t, "fix:"+filepath.Base(path))
	if err != nil {
		return FixSummary{}, err
	}
	a := &applier{fixer: fixer, dryRun: opts.DryRun, seen: map[int64]int{}}
	var sum FixSummary
	err = ReadRows(path, func(r Row) error {
		if r.Get("corrigir_para") == "" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := a.apply(ctx, r)
		if err != nil {
			return err
		}
		switch {
		case res.Outcome == Rejected && res.Stale:
			sum.Stale++
			sum.Rejected++
		case res.Outcome == Rejected:
			sum.Rejected++
		default:
			sum.Applied++
		}
		sum.Results = append(sum.Results, res)
		return nil
	})
	if err != nil {
		return sum, err
	}
	sum.ResultPath = opts.Out
	if sum.ResultPath == "" {
		sum.ResultPath = resultPath(path)
	}
	return sum, writeResults(sum.ResultPath, sum.Results)
}

// resultPath is "<name>.resultado.<ext>" next to the input.
func resultPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".resultado" + ext
}

type applier struct {
	fixer  *Fixer
	dryRun bool
	seen   map[int64]int // phone id -> line that fixed it
}

func (a *applier) apply(ctx context.Context, r Row) (FixResult, error) {
	res := FixResult{Sheet: r.Sheet, Line: r.Line, Ref: r.Get("ref"), Kind: r.Get("tipo_registro"),
		ID: r.Get("id_externo"), Name: r.Get("nome"), Field: r.Get("campo"), Stored: r.Get("valor_armazenado"),
		FixTo: r.Get("corrigir_para")}
	if id, _, ok := parseRef(res.Ref); ok {
		if prev, dup := a.seen[id]; dup {
			res.Outcome, res.Reason = Rejected, fmt.Sprintf("o mesmo telefone já foi corrigido na linha %d", prev)
			return res, nil
		}
	}
	out, err := a.fixer.fix(ctx, Correction{Ref: res.Ref, Value: res.FixTo}, a.dryRun)
	if err != nil {
		return res, err
	}
	res.Dial, res.Stale = out.Dial, out.Stale
	switch {
	case out.Rejected != "":
		res.Outcome, res.Reason = Rejected, out.Rejected
	case a.dryRun:
		res.Outcome = WouldApply
	default:
		res.Outcome = Applied
	}
	if res.Outcome != Rejected {
		a.seen[out.PhoneID] = r.Line
	}
	return res, nil
}

// resultColumns head the result file, for staff, in Portuguese.
var resultColumns = []column{
	{"aba", "Aba", 20}, {"linha", "Linha", 7}, {"ref", "ref", 17}, {"tipo_registro", "Tipo", 8},
	{"id_externo", "ID no CRM", 12}, {"nome", "Nome", 22}, {"campo", "Campo", 15},
	{"valor_armazenado", "Valor no CRM", 20}, {"corrigir_para", "Corrigir para", 20},
	{"resultado", "Resultado", 16}, {"motivo", "Motivo", 44}, {"numero_discado", "Número discado", 18},
}

func (r FixResult) cells() []string {
	return []string{r.Sheet, strconv.Itoa(r.Line), r.Ref, r.Kind, r.ID, r.Name, r.Field, r.Stored, r.FixTo,
		r.Outcome, r.Reason, r.Dial}
}

// writeResults writes the result file in the input's format, whole or not
// at all, created 0644 subject to the umask.
func writeResults(path string, results []FixResult) error {
	err := office.WriteFile(path, func(w io.Writer) error {
		if strings.EqualFold(filepath.Ext(path), ".csv") {
			return writeResultsCSV(w, results)
		}
		return writeResultsXLSX(w, results)
	})
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return cti3cx.Errorf(cti3cx.EINVALID, "result file: %w", err)
	}
	return err
}

func writeResultsCSV(w io.Writer, results []FixResult) error {
	bw := bufio.NewWriter(w)
	cw := newCSVWriter(bw)
	cw.numbers = map[int]bool{1: true} // Linha
	headers := make([]string, len(resultColumns))
	for i, c := range resultColumns {
		headers[i] = c.header
	}
	_ = cw.Write(headers)
	for _, r := range results {
		_ = cw.Write(r.cells())
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

const resultSheet = "Resultado"

func writeResultsXLSX(w io.Writer, results []FixResult) error {
	f := excelize.NewFile()
	defer f.Close()
	x, err := newXLSX(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName(summarySheet, resultSheet); err != nil {
		return err
	}
	if err := x.printSetup(resultSheet, true); err != nil {
		return err
	}
	sw, err := office.NewStream(f, resultSheet, len(resultColumns), len(results)+1)
	if err != nil {
		return err
	}
	widths := make([]float64, len(resultColumns))
	headers := make([]string, len(resultColumns))
	for i, c := range resultColumns {
		widths[i], headers[i] = c.width, c.header
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", cells(headers, x.header), excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	for i, r := range results {
		values := r.cells()
		row := cells(values, x.text)
		row[1] = excelize.Cell{StyleID: x.count, Value: r.Line} // a row number, as a number
		if err := sw.SetRow(cellName(1, i+2), row, excelize.RowOpts{Height: rowHeight(values, widths)}); err != nil {
			return err
		}
	}
	if len(results) > 0 { // a table needs a row under its header
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + cellName(len(resultColumns), len(results)+1),
			StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(false)}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
