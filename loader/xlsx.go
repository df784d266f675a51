package loader

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// DefaultUnzipLimit caps what an XLSX may unpack to: a workbook claiming
// more is refused as a zip bomb. A million-row sheet of contacts unpacks to
// a few hundred MB.
const DefaultUnzipLimit int64 = 2 << 30

type xlsxReader struct {
	name   string
	f      *excelize.File
	rows   *excelize.Rows
	hash   string
	line   int
	header []string
	// headerAt is the header's row.
	headerAt int
	fmt      format
}

type xlsxOptions struct {
	sheet      string
	headerRow  int
	unzipLimit int64
}

// openXLSX opens a workbook for streaming: excelize's Rows iterator reads
// the sheet as it goes, and cells come as displayed text, so phone columns
// formatted with leading zeros keep them.
func openXLSX(name, path string, opt xlsxOptions) (*xlsxReader, error) {
	sum, err := checkZip(name, path)
	if err != nil {
		return nil, err
	}
	limit := opt.unzipLimit
	if limit <= 0 {
		limit = DefaultUnzipLimit
	}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, 16<<20)})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, inputError(name, "refused: the workbook unpacks to more than %d MB (zip bomb?)", limit>>20)
		}
		return nil, inputError(name, "not a readable XLSX workbook: %v", err)
	}
	x := &xlsxReader{name: name, f: f, hash: sum}
	sheets := f.GetSheetList()
	sheet := opt.sheet
	if sheet == "" {
		if len(sheets) == 0 {
			f.Close()
			return nil, inputError(name, "the workbook has no sheet")
		}
		sheet = sheets[0]
	} else if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		f.Close()
		return nil, inputError(name, "no sheet %q (sheets: %s)", sheet, strings.Join(sheets, ", "))
	}
	x.fmt = format{kind: FormatXLSX, sheet: sheet}
	if x.rows, err = f.Rows(sheet); err != nil {
		f.Close()
		return nil, inputError(name, "sheet %q: %v", sheet, err)
	}
	if err := x.findHeader(opt.headerRow, sheet); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// checkZip refuses what is not a ZIP before excelize sees it, naming what
// it looks like, and hashes the file.
func checkZip(name, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", inputError(name, "%v", unwrapPathError(err))
	}
	defer f.Close()
	var head [512]byte
	n, _ := io.ReadFull(f, head[:])
	switch {
	case n == 0:
		return "", inputError(name, "the file is empty")
	case !bytes.HasPrefix(head[:n], []byte("PK\x03\x04")):
		if bytes.IndexByte(head[:n], 0) < 0 {
			return "", inputError(name, "not an XLSX workbook: it is text (a CSV file named .xlsx?); rename it to .csv")
		}
		return "", inputError(name, "not an XLSX workbook (an old .xls? save it as .xlsx or CSV)")
	}
	h := sha256.New()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", inputError(name, "cannot read: %v", err)
	}
	if _, err := io.Copy(h, f); err != nil {
		return "", inputError(name, "cannot read: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (x *xlsxReader) findHeader(want int, sheet string) error {
	h := headerFinder{want: want}
	for {
		cells, err := x.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if h.offer(x.line, trimAll(cells)) {
			break
		}
	}
	header, at := h.result()
	if header == nil {
		if want > 0 {
			return inputError(x.name, "--header-row %d: sheet %q has fewer rows", want, sheet)
		}
		return inputError(x.name, "sheet %q is empty", sheet)
	}
	x.header, x.headerAt = header, at
	return nil
}

func (x *xlsxReader) next() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, inputError(x.name, "cannot read sheet: %v", err)
		}
		return nil, io.EOF
	}
	x.line++
	cells, err := x.rows.Columns()
	if err != nil {
		return nil, inputError(x.name, "row %d: %v", x.line, err)
	}
	return cells, nil
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (row, error) {
	for {
		cells, err := x.next()
		if err != nil {
			return row{}, err
		}
		if isBlankRow(cells) {
			continue
		}
		r := row{line: x.line}
		r.cells, r.extra = pad(cells, len(x.header))
		return r, nil
	}
}

func (x *xlsxReader) Close() error {
	if x.rows != nil {
		x.rows.Close()
	}
	return x.f.Close()
}

func (x *xlsxReader) Done() float64 { return -1 }

func (x *xlsxReader) Hash() string { return x.hash }
