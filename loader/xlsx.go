package loader

import (
	"archive/zip"
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
// more is refused as a zip bomb before anything is unpacked. A
// million-row export of 12 wide text columns written by excelize unpacks
// to 790 MB (measured: 100,000 rows, 79 MB); 1 GiB fits it with room.
const DefaultUnzipLimit int64 = 1 << 30

// Real sheets compress 5 to 20 times (repeated markup, varied values); a
// large entry packed much tighter is markup with nothing in it, a zip
// bomb, refused from the zip's directory before it is unpacked.
const (
	bombRatio   = 100
	bombMinSize = 64 << 20
)

type xlsxReader struct {
	name   string
	f      *excelize.File
	rows   *excelize.Rows
	hash   string
	line   int
	header []string
	// headerAt is the header's row.
	headerAt int
	pending  []pendingRecord // data rows read while looking for the header
	fmt      format
}

type xlsxOptions struct {
	sheet      string
	headerRow  int
	header     headerOptions // noHeader and the mapping file's names; row is headerRow
	unzipLimit int64
	tmpDir     string // where excelize unpacks a large sheet; "" is the system's
	limits     Limits
}

// openXLSX opens a workbook for streaming: excelize's Rows iterator reads
// the sheet as it goes, and cells come as displayed text, so phone columns
// formatted with leading zeros keep them.
func openXLSX(name, path string, opt xlsxOptions) (*xlsxReader, error) {
	limit := opt.unzipLimit
	if limit <= 0 {
		limit = DefaultUnzipLimit
	}
	sum, err := checkZip(name, path, limit, opt.limits.withDefaults())
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, 16<<20), TmpDir: opt.tmpDir})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, inputError(name, "refused: the workbook unpacks to more than %s (zip bomb?); raise the limit with --unzip-limit", sizeText(limit))
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
	opt.header.row = opt.headerRow
	if err := x.findHeader(opt.header, sheet); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// checkZip refuses what is not a ZIP before excelize sees it, naming what
// it looks like, refuses a zip bomb from the zip's directory, and hashes
// the file.
func checkZip(name, path string, limit int64, lim Limits) (string, error) {
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
	if err := checkBomb(name, f, limit, lim); err != nil {
		return "", err
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

// checkBomb reads the zip's directory: the sizes it declares (archive/zip
// refuses an entry that unpacks to more than it declared) against the
// limit, and each large entry's compression ratio; then it scans each
// sheet's XML for runs of blank rows and cells (see scanBlanks).
func checkBomb(name string, f *os.File, limit int64, lim Limits) error {
	fi, err := f.Stat()
	if err != nil {
		return inputError(name, "cannot read: %v", err)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return inputError(name, "not a readable XLSX workbook: %v", err)
	}
	var total uint64
	for _, e := range zr.File {
		total += e.UncompressedSize64
		if total > uint64(limit) {
			return inputError(name, "refused: the workbook unpacks to more than %s (zip bomb?); raise the limit with --unzip-limit", sizeText(limit))
		}
		if e.UncompressedSize64 >= bombMinSize && e.UncompressedSize64 > bombRatio*max(e.CompressedSize64, 1) {
			return inputError(name, "refused: %s unpacks to %d MB, %d times its packed size: a sheet of nothing (zip bomb?)",
				e.Name, e.UncompressedSize64>>20, e.UncompressedSize64/max(e.CompressedSize64, 1))
		}
	}
	for _, e := range zr.File {
		if !strings.HasPrefix(strings.ToLower(e.Name), "xl/worksheets/sheet") {
			continue
		}
		rc, err := e.Open()
		if err != nil {
			return inputError(name, "not a readable XLSX workbook: %v", err)
		}
		err = scanBlanks(name, e.Name, rc, lim)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *xlsxReader) findHeader(opt headerOptions, sheet string) error {
	want := opt.row
	h := headerFinder{headerOptions: opt}
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
	x.header, x.headerAt, x.pending = header, at, h.pending
	x.fmt.headerLine = at
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
	if len(x.pending) > 0 {
		p := x.pending[0]
		x.pending = x.pending[1:]
		r := row{line: p.line}
		r.cells, r.extra = pad(p.cells, len(x.header))
		return r, nil
	}
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
