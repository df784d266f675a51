package report

import (
	"errors"
	"io"
	"path/filepath"
	"strings"

	"github.com/cti3cx/cti3cx/loader"
	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/office"
)

// Row is one data row of a report as staff returned it, its cells by column
// name.
type Row struct {
	Sheet string // "" for CSV
	Line  int    // 1-based, as Excel numbers rows
	cells map[string]string
}

// Get returns the cell of the named column (by its key, such as
// corrigir_para), trimmed, as it was before the writer protected it for
// spreadsheets (office.Restore).
func (r Row) Get(column string) string {
	return strings.TrimSpace(office.Restore(r.cells[column]))
}

// ReadRows calls fn for every data row of a filled report, XLSX or CSV by
// the file's extension. Sheets without the ref and corrigir_para columns
// (the summary) are skipped; columns are found by their header, so staff may
// reorder or add columns.
func ReadRows(path string, fn func(Row) error) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return readXLSX(path, fn)
	case ".csv":
		return readCSV(path, fn)
	}
	return cti3cx.Errorf(cti3cx.EINVALID, "%s: want a report ending in .xlsx or .csv", path)
}

func readXLSX(path string, fn func(Row) error) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return cti3cx.Errorf(cti3cx.EINVALID, "%s: not a readable XLSX file: %w", path, err)
	}
	defer f.Close()
	found := false
	for _, name := range f.GetSheetList() {
		ok, err := readSheet(f, path, name, fn)
		if err != nil {
			return err
		}
		found = found || ok
	}
	if !found {
		return cti3cx.Errorf(cti3cx.EINVALID, "%s: no sheet has the columns \"Corrigir para\" and ref: is this a cti3cx report?", path)
	}
	return nil
}

func readSheet(f *excelize.File, path, name string, fn func(Row) error) (bool, error) {
	rows, err := f.Rows(name)
	if err != nil {
		return false, cti3cx.Errorf(cti3cx.EINVALID, "%s, aba %s: %w", path, name, err)
	}
	defer rows.Close()
	var header []string
	for line := 1; rows.Next(); line++ {
		// Raw values: a number staff typed into a General cell comes back as
		// typed, not as Excel would display it (4,73E+09).
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return false, errRow(path, name, line, "%v", err)
		}
		if header == nil {
			if !isReportHeader(cells) {
				return false, nil
			}
			header = cells
			continue
		}
		if err := fn(newRow(name, line, header, cells)); err != nil {
			return true, err
		}
	}
	return header != nil, rows.Error()
}

func isReportHeader(cells []string) bool {
	var ref, fix bool
	for _, c := range cells {
		switch normHeader(c) {
		case "ref":
			ref = true
		case "corrigir_para":
			fix = true
		}
	}
	return ref && fix
}

// normHeader returns the key of a header cell: a report's Portuguese header
// ("Corrigir para") or the identifier older reports carry (corrigir_para).
func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, bom)))
	if key, ok := headerKeys[h]; ok {
		return key
	}
	return h
}

// headerKeys maps the headers reports are written with, lowercased, to the
// columns' keys.
var headerKeys = func() map[string]string {
	m := map[string]string{}
	for _, c := range columns {
		m[strings.ToLower(c.header)] = c.key
	}
	return m
}()

func newRow(sheet string, line int, header, cells []string) Row {
	r := Row{Sheet: sheet, Line: line, cells: make(map[string]string, len(header))}
	for i, h := range header {
		if i < len(cells) {
			r.cells[normHeader(h)] = cells[i]
		}
	}
	return r
}

// readCSV reads the report as written, or as Excel saves it again in
// Brazil (Windows-1252 without a BOM, ';' or ','), through the loader's own
// CSV reader, so that reports and imports agree on what a CSV file is.
func readCSV(path string, fn func(Row) error) error {
	f, err := loader.OpenCSV(path, 1)
	if err != nil {
		return err
	}
	defer f.Close()
	header := f.Header()
	if !isReportHeader(header) {
		return cti3cx.Errorf(cti3cx.EINVALID, "%s: the first line lacks the columns \"Corrigir para\" and ref: is this a cti3cx report?", path)
	}
	for {
		line, cells, err := f.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(newRow("", line, header, cells)); err != nil {
			return err
		}
	}
}
