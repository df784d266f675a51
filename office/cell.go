// Package office holds what every file the product writes for people who
// open it in Excel or LibreOffice needs: cell text a spreadsheet never
// evaluates, CSV that keeps phone numbers and ids as text, XLSX sheets that
// declare their size, and files created with ordinary modes.
//
// CSV carries no types, so a spreadsheet opening one decides what each cell
// is. Two things can go wrong, and each has its own remedy here:
//
//   - A cell starting with = + - @, a tab or a CR is run as a formula
//     (CSV injection: =HYPERLINK(...), =cmd|'/C calc'!A0). Neutralize puts an
//     apostrophe in front, as OWASP recommends. In a CSV the apostrophe is
//     not a "text" marker: it shows, on purpose, so that staff see the cell
//     was not what it seemed. It survives every encoding Excel saves in.
//   - A cell a spreadsheet reads as a number or a date loses what staff must
//     see: 0512 becomes 512, an 18-digit number 9,65721792947377E+17, 12/03 a
//     date. Text puts a tab in front of a cell that starts like a number: no
//     spreadsheet reads "\t0512" as a number, the tab does not show, it is
//     whitespace that any trim removes, and Windows-1252 can encode it (a
//     zero-width character would come back from Excel's "CSV (separado por
//     vírgulas)" as a '?'). A tab is only ever followed by a digit, '(', '.'
//     or ',', so it never precedes a formula.
//
// Restore undoes both, exactly: Restore(Text(s)) == s for every s.
//
// In an XLSX file nothing is changed: cells are written as strings with the
// text number format "@", which a spreadsheet never evaluates, not even when
// staff edit the cell and press Enter.
package office

import "strings"

// formulaStart are the first characters that make a spreadsheet read a cell
// as a formula.
const formulaStart = "=+-@\t\r"

// Neutralize returns s so that no spreadsheet evaluates it: an apostrophe
// goes in front of a cell that starts with a formula character, or with
// apostrophes before one (so that Restore can tell ours from the data's).
func Neutralize(s string) string {
	if startsFormula(s) {
		return "'" + s
	}
	return s
}

// Text returns s neutralized and, when a spreadsheet would read it as a
// number or a date, with a tab in front so that it stays text. Use it for
// CSV meant to be opened in a spreadsheet; Neutralize alone for CSV meant
// for programs.
func Text(s string) string {
	if startsFormula(s) {
		return "'" + s
	}
	if startsNumber(s) {
		return "\t" + s
	}
	return s
}

// Restore undoes Text and Neutralize: the cell as it was before writing.
// Cells that neither would have produced come back unchanged.
func Restore(s string) string {
	switch {
	case strings.HasPrefix(s, "'") && startsFormula(s[1:]):
		return s[1:]
	case strings.HasPrefix(s, "\t") && startsNumber(s[1:]):
		return s[1:]
	}
	return s
}

// Row applies Text to every cell, in place, and returns the row.
func Row(cells []string) []string {
	for i, c := range cells {
		cells[i] = Text(c)
	}
	return cells
}

// startsFormula says whether s, after any leading apostrophes, starts with
// a formula character.
func startsFormula(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.IndexByte(formulaStart, s[0]) >= 0
}

// startsNumber says whether a spreadsheet may read s as a number, a date, a
// time or a percentage: it starts (after spaces) with a digit, or with '(',
// '.' or ',' (accounting negatives and decimals). It errs on the side of
// text: a name like "3M do Brasil" gets a tab it did not need, harmlessly.
func startsNumber(s string) bool {
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return false
	}
	c := s[0]
	return c >= '0' && c <= '9' || c == '(' || c == '.' || c == ','
}
