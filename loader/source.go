package loader

import (
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/cti3cx/cti3cx"
)

// Input formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
	FormatJSON = "json"
)

// row is one record of the source, cells aligned with the header.
type row struct {
	line  int      // 1-based line (CSV), row (XLSX) or record number (JSON)
	cells []string // as read, padded to the header's width
	extra bool     // the source row had non-empty cells past the header
	raw   string   // the original record (JSON object); "" for tables
	// badText lists the columns whose bytes are not valid UTF-8: the key
	// column rejects the row, any other is left empty with a warning.
	badText []int
	err     error // the record could not be read (malformed); cells may be partial
}

// rowReader yields a source's records after its header.
type rowReader interface {
	Header() []string
	Next() (row, error) // io.EOF at the end
	Close() error
	// Done is the share of the input read so far, 0..1, or -1 when unknown.
	Done() float64
	// Hash is the SHA-256 of the bytes read, complete at EOF.
	Hash() string
}

// format describes how the source was written, so that rejects can be
// written the same way.
type format struct {
	kind      string // FormatCSV, FormatXLSX, FormatJSON
	delimiter rune
	encoding  string // canonical name, e.g. utf-8, windows-1252
	bom       bool
	sheet     string
	// headerLine is the header's line (CSV) or row (XLSX); 0 when the
	// source has none (--no-header, JSON).
	headerLine int
}

// inputError is a one-line, exit-code-2 error naming the input and the cause.
func inputError(name, format string, args ...any) error {
	return cti3cx.Errorf(cti3cx.EINVALID, "%s: "+format, append([]any{name}, args...)...)
}

// unwrapPathError drops the path from an *fs.PathError: messages name the
// file once, themselves.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}

// isBlankRow tells a row with nothing but spaces from data.
func isBlankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// pad returns cells widened to n with empty strings, and whether cells past
// n held something.
func pad(cells []string, n int) ([]string, bool) {
	if len(cells) > n {
		extra := !isBlankRow(cells[n:])
		return cells[:n], extra
	}
	for len(cells) < n {
		cells = append(cells, "")
	}
	return cells, false
}

var _ = io.EOF
