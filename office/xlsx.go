package office

import (
	"fmt"
	"io"
	"strings"

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

// Font is the font of every styled cell: a style without a family prints
// in a serif fallback in LibreOffice.
const Font = "Calibri"

// PrintSetup makes a sheet print landscape on A4, one page wide and as many
// pages tall as it takes, with the sheet's name and the page number in the
// footer and, when repeatHeader, its first row on every page. Call it before
// the sheet's stream writer is made: the writer emits the page setup the
// sheet holds then.
func PrintSetup(f *excelize.File, sheet string, repeatHeader bool) error {
	landscape, a4, one, tall := "landscape", 9, 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4,
		FitToWidth: &one, FitToHeight: &tall}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin := 0.4
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&L&A&RPágina &P de &N"}); err != nil {
		return err
	}
	if !repeatHeader {
		return nil
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("'%s'!$1:$1", strings.ReplaceAll(sheet, "'", "''"))})
}
