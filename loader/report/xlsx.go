package report

import (
	"context"
	"io"
	"math"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

const summarySheet = "Resumo"

// WriteXLSX writes the tenant's report as a workbook: a summary sheet, then
// one sheet per problem kind. Every cell is a string in the text format, so
// nothing is ever evaluated and numbers keep their zeros (also what staff
// type); long texts wrap inside their column, so none spills over the empty
// Corrigir para; the sheets print landscape, one page wide, with the header
// on every page. Rows stream from the database into excelize's stream
// writers, which spill to temporary files, so memory stays bounded however
// large the report.
func WriteXLSX(ctx context.Context, db *schema.DB, t schema.Tenant, w io.Writer, opts Options) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	f := excelize.NewFile()
	defer f.Close()
	x, err := newXLSX(f)
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	sheets := map[string]*sheet{}
	err = snapshot(ctx, db, t, opts, func(s Summary, kinds []string) error {
		sum = s
		if err := x.summary(summaryLines(t, sum, kinds, opts)); err != nil {
			return err
		}
		for _, k := range kinds {
			if sheets[k], err = x.sheet(sheetTitle(k), sum.ByKind[k]); err != nil {
				return err
			}
		}
		return nil
	}, func(r schema.ReportRow) error {
		s := sheets[problemKind(r.Reasons)]
		if s == nil || s.rows > s.planned {
			// The rows come from the snapshot that was counted.
			return cti3cx.Errorf(cti3cx.EINTERNAL, "report: phone %d was not counted", r.PhoneID)
		}
		return s.add(x, line(r))
	})
	if err != nil {
		return sum, err
	}
	for _, s := range sheets {
		if err := s.close(); err != nil {
			return sum, err
		}
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return sum, err
}

// xlsx holds a workbook's style ids.
type xlsx struct {
	f                            *excelize.File
	text, header, fixTo, ref     int
	fixToHeader, refHeader       int
	title, label, count, heading int
}

type sheet struct {
	name          string
	sw            *excelize.StreamWriter
	rows, planned int // rows written and rows counted, header included
}

func newXLSX(f *excelize.File) (*xlsx, error) {
	x := &xlsx{f: f}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	fill := func(c string) excelize.Fill { return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}} }
	box := []excelize.Border{{Type: "left", Color: "BF9000", Style: 1}, {Type: "right", Color: "BF9000", Style: 1},
		{Type: "top", Color: "BF9000", Style: 1}, {Type: "bottom", Color: "BF9000", Style: 1}}
	headerAlign := &excelize.Alignment{Vertical: "center", WrapText: true}
	styles := []struct {
		id *int
		s  excelize.Style
	}{
		{&x.text, excelize.Style{NumFmt: office.TextFormat, Alignment: top}},
		{&x.header, excelize.Style{NumFmt: office.TextFormat, Font: &excelize.Font{Family: office.Font, Bold: true}, Fill: fill("D9E1F2"), Alignment: headerAlign}},
		{&x.fixToHeader, excelize.Style{NumFmt: office.TextFormat, Font: &excelize.Font{Family: office.Font, Bold: true}, Fill: fill("FFD966"), Alignment: headerAlign}},
		{&x.refHeader, excelize.Style{NumFmt: office.TextFormat, Font: &excelize.Font{Family: office.Font, Bold: true, Color: "595959", Size: 9}, Fill: fill("D9D9D9"), Alignment: headerAlign}},
		{&x.fixTo, excelize.Style{NumFmt: office.TextFormat, Fill: fill("FFF2CC"), Border: box, Alignment: top,
			Protection: &excelize.Protection{Locked: false}}},
		{&x.ref, excelize.Style{NumFmt: office.TextFormat, Font: &excelize.Font{Family: office.Font, Color: "808080", Size: 9}, Fill: fill("F2F2F2"), Alignment: top}},
		{&x.title, excelize.Style{Font: &excelize.Font{Family: office.Font, Bold: true, Size: 14}}},
		{&x.label, excelize.Style{NumFmt: office.TextFormat, Font: &excelize.Font{Family: office.Font, Bold: true}, Alignment: top}},
		{&x.heading, excelize.Style{NumFmt: office.TextFormat, Font: &excelize.Font{Family: office.Font, Bold: true}, Fill: fill("D9E1F2"), Alignment: top}},
		{&x.count, excelize.Style{NumFmt: 3, Alignment: &excelize.Alignment{Vertical: "top"}}}, // #,##0: 1.290 in Brazil
	}
	for _, s := range styles {
		id, err := f.NewStyle(&s.s)
		if err != nil {
			return nil, err
		}
		*s.id = id
	}
	return x, f.SetSheetName("Sheet1", summarySheet)
}

func (x *xlsx) printSetup(name string, repeatHeader bool) error {
	return office.PrintSetup(x.f, name, repeatHeader)
}

func (x *xlsx) summary(lines []summaryLine) error {
	if err := x.printSetup(summarySheet, false); err != nil {
		return err
	}
	sw, err := office.NewStream(x.f, summarySheet, 3, len(lines)+2)
	if err != nil {
		return err
	}
	for i, w := range []float64{28, 80, 12} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: x.title, Value: "Relatório de telefones para revisão"}},
		excelize.RowOpts{Height: 22}); err != nil {
		return err
	}
	for i, l := range lines {
		label, text := x.label, x.text
		if l.heading {
			label, text = x.heading, x.heading
		}
		row := []any{excelize.Cell{StyleID: label, Value: l.label}, excelize.Cell{StyleID: text, Value: l.text}}
		switch {
		case l.count != nil:
			row = append(row, excelize.Cell{StyleID: x.count, Value: *l.count})
		case l.heading:
			row = append(row, excelize.Cell{StyleID: x.heading, Value: "Quantidade"})
		}
		if err := sw.SetRow(cellName(1, i+3), row, excelize.RowOpts{Height: rowHeight([]string{l.label, l.text}, []float64{28, 80})}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// sheet starts a problem kind's sheet of rows data rows: sized, styled,
// validated and set up for printing before the stream writer is made.
func (x *xlsx) sheet(name string, rows int) (*sheet, error) {
	if _, err := x.f.NewSheet(name); err != nil {
		return nil, err
	}
	if err := x.printSetup(name, true); err != nil {
		return nil, err
	}
	if err := x.validations(name, rows); err != nil {
		return nil, err
	}
	sw, err := office.NewStream(x.f, name, len(columns), rows+1)
	if err != nil {
		return nil, err
	}
	for i, c := range columns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	header := cells(Columns, x.header)
	header[colFixTo] = excelize.Cell{StyleID: x.fixToHeader, Value: Columns[colFixTo]}
	header[colRef] = excelize.Cell{StyleID: x.refHeader, Value: Columns[colRef]}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 20}); err != nil {
		return nil, err
	}
	return &sheet{name: name, sw: sw, rows: 1, planned: rows + 1}, nil
}

// validations tell staff what to type into Corrigir para when they select
// a cell, and stop typing into ref: a custom rule that is always false. A
// protected sheet would guard ref against pasting too, but Excel then
// refuses to sort a range with locked cells: staff sort and filter these
// sheets, and fixes apply refuses an edited ref anyway.
func (x *xlsx) validations(name string, rows int) error {
	last := max(rows+1, 2)
	fix := excelize.NewDataValidation(true)
	fix.Sqref = cellName(colFixTo+1, 2) + ":" + cellName(colFixTo+1, last)
	if err := fix.SetRange(1, 40, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween); err != nil {
		return err
	}
	fix.SetInput("Corrigir para", "Digite o número certo com DDD, como (47) 3333-4444 ou (47) 98765-4321. "+
		"Um número por linha; para ramal, 3333-4444 r. 21. Deixe vazio se não souber.")
	fix.SetError(excelize.DataValidationErrorStyleStop, "Número longo demais", "Informe um único número de telefone (até 40 caracteres).")
	if err := x.f.AddDataValidation(name, fix); err != nil {
		return err
	}
	ref := excelize.NewDataValidation(false)
	ref.Sqref = cellName(colRef+1, 2) + ":" + cellName(colRef+1, last)
	ref.Type, ref.Formula1 = "custom", "FALSE()"
	ref.SetInput("Não altere", "A coluna ref liga esta linha ao telefone no cti3cx. Se for alterada, a correção da linha é recusada.")
	ref.SetError(excelize.DataValidationErrorStyleStop, "Não altere a coluna ref", "Esta coluna liga a linha ao telefone e não pode ser alterada.")
	return x.f.AddDataValidation(name, ref)
}

func (s *sheet) add(x *xlsx, values []string) error {
	s.rows++
	row := cells(values, x.text)
	row[colFixTo] = excelize.Cell{StyleID: x.fixTo, Value: values[colFixTo]}
	row[colRef] = excelize.Cell{StyleID: x.ref, Value: values[colRef]}
	return s.sw.SetRow(cellName(1, s.rows), row, excelize.RowOpts{Height: rowHeight(values, widths())})
}

func widths() []float64 {
	w := make([]float64, len(columns))
	for i, c := range columns {
		w[i] = c.width
	}
	return w
}

// rowHeight is the height in points that shows every wrapped cell of a row
// whole: Excel does not grow a streamed row to fit its text, and LibreOffice
// only sometimes. A line of 11-point text is 15 points. The line count is
// estimated on the safe side: a unit of column width is one digit, capitals
// are wider than that (a name all in capitals, as CRMs hold them, took more
// lines than a per-character estimate gave and ran into the next row), and
// the text wraps at spaces, so each line is filled word by word.
func rowHeight(values []string, widths []float64) float64 {
	lines := 1
	for i, v := range values {
		if i >= len(widths) {
			break
		}
		n := 0
		for part := range strings.SplitSeq(v, "\n") {
			n += wrappedLines(part, widths[i]-1) // a cell's padding takes about one unit
		}
		lines = max(lines, n)
	}
	return 15 * float64(lines)
}

// wrappedLines is how many lines text takes in a column room units wide,
// wrapped at spaces, a word wider than the column broken where it fills it.
func wrappedLines(text string, room float64) int {
	room = max(room, 1)
	lines, used := 1, 0.0
	for i, word := range strings.Split(text, " ") {
		w := textWidth(word)
		sep := 0.0
		if i > 0 && used > 0 {
			sep = runeWidth(' ')
		}
		switch {
		case used+sep+w <= room:
			used += sep + w
		case w <= room:
			lines++
			used = w
		default: // broken across lines where it fills them
			if used > 0 {
				lines++
			}
			k := math.Ceil(w / room)
			lines += int(k) - 1
			used = w - (k-1)*room
		}
	}
	return lines
}

func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// runeWidth is a character's width in Calibri 11, in units of column width
// (the width of a digit), rounded up.
func runeWidth(r rune) float64 {
	switch {
	case strings.ContainsRune("MWmw@%", r) || unicode.Is(unicode.Han, r):
		return 1.8
	case unicode.IsUpper(r):
		return 1.25
	case strings.ContainsRune(" .,;:'|!iljtfr()[]", r):
		return 0.6
	}
	return 1
}

// close adds the filter (a table over the rows) and ends the stream.
func (s *sheet) close() error {
	last := max(s.rows, 2) // a table needs a row under its header
	err := s.sw.AddTable(&excelize.Table{
		Range:          "A1:" + cellName(len(Columns), last),
		StyleName:      "TableStyleLight9",
		ShowRowStripes: boolPtr(false),
	})
	if err != nil {
		return err
	}
	return s.sw.Flush()
}

func cells(values []string, style int) []any {
	row := make([]any, len(values))
	for i, v := range values {
		row[i] = excelize.Cell{StyleID: style, Value: v}
	}
	return row
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func boolPtr(b bool) *bool { return &b }
