package report

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"

	"github.com/cti3cx/cti3cx/schema"
)

// bom makes Excel read the file as UTF-8; ';' is the separator Excel expects
// where the decimal comma is used, as in Brazil.
const bom = "\uFEFF"

// WriteCSV writes the tenant's report as one CSV table: UTF-8 with a BOM,
// ';' between fields and CRLF line ends, so that it opens correctly in Excel
// in Brazil.
func WriteCSV(ctx context.Context, db *schema.DB, t schema.Tenant, w io.Writer, opts Options) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	sum, _, err := plan(ctx, db, t, opts)
	if err != nil {
		return sum, err
	}
	bw := bufio.NewWriter(w)
	cw := newCSVWriter(bw)
	if err := cw.Write(Columns); err != nil {
		return sum, err
	}
	err = db.ReportRows(ctx, t.ID, schema.ReportFilter{Statuses: opts.Statuses, Since: opts.Since}, func(r schema.ReportRow) error {
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

// newCSVWriter writes the BOM and returns a writer in the report's dialect.
func newCSVWriter(w io.Writer) *csv.Writer {
	_, _ = io.WriteString(w, bom) // a failed write shows again in the csv writer's error
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	return cw
}
