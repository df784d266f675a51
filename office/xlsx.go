package office

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// TextFormat is the built-in number format "@": a cell that shows and keeps
// what it holds (or what staff type into it) as text, leading zeros and all.
const TextFormat = 49

// NewStream returns a stream writer for sheet whose <dimension> declares
// cols columns by rows rows (header included). excelize's stream writer
// writes the dimension before the first row, and its default is A1: a
// streaming reader then sees one cell. The size must therefore be known
// before streaming; a sheet written with fewer rows declares too many, which
// readers tolerate, but never write more.
func NewStream(f *excelize.File, sheet string, cols, rows int) (*excelize.StreamWriter, error) {
	if err := f.SetSheetDimension(sheet, Dimension(cols, rows)); err != nil {
		return nil, err
	}
	return f.NewStreamWriter(sheet)
}

// Dimension is the range of a sheet of cols columns by rows rows from A1.
func Dimension(cols, rows int) string {
	last, err := excelize.CoordinatesToCellName(max(cols, 1), max(rows, 1))
	if err != nil || last == "A1" {
		return "A1"
	}
	return "A1:" + last
}

// SaveXLSX writes the workbook to path as WriteFile does: whole or not at
// all, with FileMode.
func SaveXLSX(f *excelize.File, path string) error {
	return WriteFile(path, func(w io.Writer) error {
		_, err := f.WriteTo(w)
		return err
	})
}
