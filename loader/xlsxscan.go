package loader

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// scanBlanks reads a sheet's XML as a stream of tag names, before excelize
// unpacks it anywhere, and refuses a run of rows without a value past
// MaxBlankRows, or of cells without a value past MaxBlankCells, counted
// since the last row holding a value. excelize skips empty cells without
// a trace, so a sheet of nothing would otherwise cost the time to parse
// it all (minutes for 1 GB). The scan runs at the speed of inflating
// the zip and holds one buffer.
func scanBlanks(name, entry string, r io.Reader, lim Limits) error {
	br := bufio.NewReaderSize(r, 256<<10)
	var b blankScan
	var tag []byte
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				return b.endRow(name, entry, lim)
			}
			return inputError(name, "cannot read %s: %v", entry, err)
		}
		var end byte
		tag, end = readTagName(br, tag[:0])
		closing := len(tag) > 0 && tag[0] == '/'
		if closing {
			tag = tag[1:]
		}
		if i := bytes.IndexByte(tag, ':'); i >= 0 {
			tag = tag[i+1:] // a namespace prefix (x:row)
		}
		var err error
		switch string(tag) {
		case "row":
			// A self-closed <row/> ends at the next row or the sheet's end.
			if err = b.endRow(name, entry, lim); !closing {
				b.inRow, b.rows = true, b.rows+1
			}
		case "sheetData":
			err = b.endRow(name, entry, lim)
		case "c":
			if !closing {
				b.cells++
			}
		case "v", "t", "f":
			// A value with text: <v></v> or <v/> holds nothing.
			if !closing && end == '>' {
				if next, _ := br.Peek(1); len(next) == 1 && next[0] != '<' {
					b.valued = true
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

// blankScan counts rows without a value since the last row with one.
type blankScan struct {
	rows, blankRows, blankCells, cells int
	inRow, valued                      bool
}

func (b *blankScan) endRow(name, entry string, lim Limits) error {
	if !b.inRow {
		return nil
	}
	b.inRow = false
	cells, valued := b.cells, b.valued
	b.cells, b.valued = 0, false
	if valued {
		b.blankRows, b.blankCells = 0, 0
		return nil
	}
	b.blankRows++
	b.blankCells += cells
	if b.blankRows > lim.MaxBlankRows {
		return inputError(name, "%s, row %d: more than %d blank rows in a row (a sheet of nothing?); raise the limit with --max-blank-rows; nothing was written",
			entry, b.rows, lim.MaxBlankRows)
	}
	if b.blankCells > lim.MaxBlankCells {
		return inputError(name, "%s, row %d: more than %d blank cells since the last row with data (a sheet of nothing?); raise the limit with --max-blank-cells; nothing was written",
			entry, b.rows, lim.MaxBlankCells)
	}
	return nil
}

// readTagName reads the name after '<' up to a space, '>' or '/' (which a
// closing tag's leading '/' is not), and returns the byte that ended it.
func readTagName(br *bufio.Reader, buf []byte) ([]byte, byte) {
	for len(buf) < 64 {
		c, err := br.ReadByte()
		if err != nil {
			return buf, 0
		}
		switch c {
		case ' ', '\t', '\r', '\n', '>':
			return buf, c
		case '/':
			if len(buf) > 0 {
				return buf, c
			}
		}
		buf = append(buf, c)
	}
	return buf, 0
}
