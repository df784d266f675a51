package loader

import (
	"context"
	"errors"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/office"
)

// xlsxEdit is one cell to set once the sheet has been read: excelize's
// row iterator reads the sheet's XML as stored, so cells are set after it.
type xlsxEdit struct {
	col, row int // 1-based
	value    string
}

// rewriteXLSX reads the sheet as an import does, then sets every rewritten
// phone cell as text (its style kept) and the status columns, and saves the
// workbook as a whole: other sheets, cells and styles are excelize's copy
// of them (docs/crm.md lists what it does not keep).
func rewriteXLSX(ctx context.Context, profile normalize.Profile, opts RewriteOptions, sum RewriteSummary) (RewriteSummary, error) {
	x, err := openXLSX(opts.File, opts.File, xlsxOptions{sheet: opts.Sheet, headerRow: opts.HeaderRow, unzipLimit: opts.UnzipLimit})
	if err != nil {
		return sum, err
	}
	defer x.Close()
	sheet := x.fmt.sheet
	headerRow := x.headerAt
	m, err := rewriteMapping(opts.File, x.Header(), opts)
	if err != nil {
		return sum, err
	}
	w := newRewriter(newRecordBuilder(m, profile), x.Header(), opts.OnlyOK, &sum)
	type statusRow struct {
		row   int
		cells []string
	}
	var edits []xlsxEdit
	var status []statusRow
	lastCol := len(x.Header())
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return sum, ctx.Err()
		}
		cells, err := x.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return sum, err
		}
		lastCol = max(lastCol, len(cells))
		if isBlankRow(cells) {
			continue
		}
		sum.Rows++
		r := row{line: x.line}
		r.cells, _ = pad(cells, len(x.Header()))
		var st []string
		for _, e := range w.plan(r, len(x.Header())) {
			if e.set {
				edits = append(edits, xlsxEdit{col: e.col + 1, row: x.line, value: e.value})
			}
			st = append(st, e.status, e.suggestion)
		}
		if opts.StatusColumns {
			status = append(status, statusRow{x.line, st})
		}
	}
	f := x.f
	for _, e := range edits {
		cell, _ := excelize.CoordinatesToCellName(e.col, e.row)
		if err := f.SetCellStr(sheet, cell, e.value); err != nil {
			return sum, inputError(opts.File, "sheet %q cell %s: %v", sheet, cell, err)
		}
	}
	if opts.StatusColumns {
		setRow := func(row int, vals []string) error {
			for i, v := range vals {
				cell, _ := excelize.CoordinatesToCellName(lastCol+1+i, row)
				if err := f.SetCellStr(sheet, cell, v); err != nil {
					return inputError(opts.File, "sheet %q cell %s: %v", sheet, cell, err)
				}
			}
			return nil
		}
		if err := setRow(headerRow, w.statusHeader()); err != nil {
			return sum, err
		}
		for _, s := range status {
			if err := setRow(s.row, s.cells); err != nil {
				return sum, err
			}
		}
	}
	if err := office.SaveXLSX(f, opts.Out); err != nil {
		return sum, inputError(opts.Out, "cannot write: %v", unwrapPathError(err))
	}
	return sum, nil
}
