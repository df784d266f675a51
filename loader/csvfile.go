package loader

import (
	"os"
)

// CSVFile reads delimited text the way imports do (encoding from the BOM or
// the bytes, delimiter sniffed, quoted fields), for other readers of files
// that staff saved from Excel: the fix round-trip reads reports back with it.
type CSVFile struct {
	c *csvReader
}

// OpenCSV opens path, with its header on line headerRow (1-based; 0 finds
// it as imports do).
func OpenCSV(path string, headerRow int) (*CSVFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputError(path, "%v", unwrapPathError(err))
	}
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	c, err := openCSV(path, f, size, csvOptions{encoding: "auto", delimiter: "auto", headerRow: headerRow})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &CSVFile{c: c}, nil
}

// Header returns the header's cells, trimmed.
func (f *CSVFile) Header() []string { return f.c.Header() }

// Next returns the next non-blank record, padded to the header's width, and
// its line in the file; io.EOF at the end. A record that cannot be read
// (bad quoting, bytes invalid in its encoding) is an EINVALID error naming
// the file and line.
func (f *CSVFile) Next() (line int, cells []string, err error) {
	r, err := f.c.Next()
	if err != nil {
		return 0, nil, err
	}
	if r.err != nil {
		return r.line, r.cells, inputError(f.c.name, "line %d: %v", r.line, r.err)
	}
	return r.line, r.cells, nil
}

// Close closes the file.
func (f *CSVFile) Close() error { return f.c.Close() }
