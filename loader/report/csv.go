package report

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"

	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

// bom makes Excel read the file as UTF-8; ';' is the separator Excel expects
// where the decimal comma is used, as in Brazil.
const bom = "\uFEFF"

// WriteCSV writes the tenant's report as one CSV table: UTF-8 with a BOM,
// ';' between fields and CRLF line ends, so that it opens correctly in Excel
// in Brazil. Every cell goes through office.Text: nothing is evaluated as a
// formula, and phone numbers and ids stay text (see package office).
func WriteCSV(ctx context.Context, db *schema.DB, t schema.Tenant, w io.Writer, opts Options) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	bw := bufio.NewWriter(w)
	cw := newCSVWriter(bw)
	var sum Summary
	err = snapshot(ctx, db, t, opts, func(s Summary, _ []string) error {
		sum = s
		return cw.Write(Columns)
	}, func(r schema.ReportRow) error {
		return cw.Write(line(r))
	})
	if err != nil {
		return sum, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return sum, err
	}
	return sum, bw.Flush()
}

// textCSV writes CSV for people: every cell through office.Text, but for
// the columns in numbers (a row number), which are only neutralised.
type textCSV struct {
	*csv.Writer
	numbers map[int]bool
}

func (w textCSV) Write(cells []string) error {
	out := make([]string, len(cells))
	for i, c := range cells {
		if w.numbers[i] {
			out[i] = office.Neutralize(c)
		} else {
			out[i] = office.Text(c)
		}
	}
	return w.Writer.Write(out)
}

// newCSVWriter writes the BOM and returns a writer in the report's dialect.
func newCSVWriter(w io.Writer) textCSV {
	_, _ = io.WriteString(w, bom) // a failed write shows again in the csv writer's error
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	return textCSV{Writer: cw}
}
