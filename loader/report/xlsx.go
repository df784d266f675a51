package report

import (
	"context"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/schema"
)

const summarySheet = "Resumo"

// widths are the columns' widths in characters.
var widths = []float64{12, 16, 32, 32, 20, 24, 11, 50, 44, 22, 16}

// WriteXLSX writes the tenant's report as a workbook: a summary sheet, then
// one sheet per problem kind with a frozen header, filters and every cell as
// text. Rows stream from the database into excelize's stream writers, which
// spill to temporary files, so memory stays bounded however large the report.
func WriteXLSX(ctx context.Context, db *schema.DB, t schema.Tenant, w io.Writer, opts Options) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	sum, kinds, err := plan(ctx, db, t, opts)
	if err != nil {
		return sum, err
	}
	f := excelize.NewFile()
	defer f.Close()
	x, err := newXLSX(f)
	if err != nil {
		return sum, err
	}
	if err := x.summary(summaryLines(t, sum, opts)); err != nil {
		return sum, err
	}
	sheets := make(map[string]*sheet, len(kinds))
	for _, k := range kinds {
		if sheets[k], err = x.sheet(sheetTitle(k)); err != nil {
			return sum, err
		}
	}
	err = db.ReportRows(ctx, t.ID, schema.ReportFilter{Statuses: opts.Statuses, Since: opts.Since}, func(r schema.ReportRow) error {
		kind := problemKind(r.Reasons)
		s := sheets[kind]
		if s == nil {
			// A kind that appeared between the count and the rows.
			var err error
			if s, err = x.sheet(sheetTitle(kind)); err != nil {
				return err
			}
			sheets[kind] = s
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

type xlsx struct {
	f                   *excelize.File
	text, header, fixTo int // style ids
	ref, title          int
}

type sheet struct {
	name string
	sw   *excelize.StreamWriter
	rows int
}

func newXLSX(f *excelize.File) (*xlsx, error) {
	x := &xlsx{f: f}
	text := 49 // the "@" format: Excel keeps what is typed as text, leading zeros included
	styles := []struct {
		id *int
		s  excelize.Style
	}{
		{&x.text, excelize.Style{NumFmt: text}},
		{&x.header, excelize.Style{NumFmt: text, Font: &excelize.Font{Bold: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}}},
		{&x.fixTo, excelize.Style{NumFmt: text, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}}},
		{&x.ref, excelize.Style{NumFmt: text, Font: &excelize.Font{Color: "808080"}}},
		{&x.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
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

func (x *xlsx) summary(lines [][]string) error {
	sw, err := x.f.NewStreamWriter(summarySheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 24); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, 60); err != nil {
		return err
	}
	if err := sw.SetColWidth(3, 3, 12); err != nil {
		return err
	}
	for i, l := range lines {
		style := x.text
		if i == 0 {
			style = x.title
		}
		if err := sw.SetRow(cellName(1, i+1), cells(l, style)); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func (x *xlsx) sheet(name string) (*sheet, error) {
	if _, err := x.f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	for i := range Columns {
		style := x.text
		if i == colFixTo {
			style = x.fixTo
		}
		if err := sw.SetColStyle(i+1, i+1, style); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", cells(Columns, x.header)); err != nil {
		return nil, err
	}
	return &sheet{name: name, sw: sw, rows: 1}, nil
}

func (s *sheet) add(x *xlsx, values []string) error {
	s.rows++
	row := cells(values, x.text)
	row[colFixTo] = excelize.Cell{StyleID: x.fixTo, Value: values[colFixTo]}
	row[colRef] = excelize.Cell{StyleID: x.ref, Value: values[colRef]}
	return s.sw.SetRow(cellName(1, s.rows), row)
}

// close adds the filter (a table over the rows) and ends the stream.
func (s *sheet) close() error {
	last := max(s.rows, 2) // a table needs a row under its header
	err := s.sw.AddTable(&excelize.Table{
		Range:          "A1:" + cellName(len(Columns), last),
		StyleName:      "TableStyleLight9",
		ShowRowStripes: boolPtr(true),
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
