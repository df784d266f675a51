package loader

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/office"
)

// csvRewrite is one CSV rewrite's state.
type csvRewrite struct {
	name   string
	raw    *rawCSV
	codec  textCodec
	delim  byte
	out    *bufio.Writer
	status bool
	w      *rewriter
	buf    []byte
	cells  []string // decodeCells' scratch
	// rowCells is a data row as plan reads it: only the columns it reads
	// are filled.
	rowCells []string
}

// rewriteCSV streams the file: records before the header and the header
// are copied (the header gains the status columns), each data record is
// copied with its phone fields replaced. Memory holds one record.
func rewriteCSV(ctx context.Context, profile normalize.Profile, opts RewriteOptions, sum RewriteSummary) (RewriteSummary, error) {
	name := opts.File
	in, err := os.Open(name)
	if err != nil {
		return sum, inputError(name, "%v", unwrapPathError(err))
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, sniffSize)
	sample, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return sum, inputError(name, "cannot read: %v", err)
	}
	if len(bytes.TrimSpace(sample)) == 0 {
		return sum, inputError(name, "the file is empty")
	}
	if bytes.HasPrefix(sample, []byte("PK\x03\x04")) {
		return sum, inputError(name, "this is a ZIP file (an XLSX workbook?), not CSV text: give it the .xlsx extension")
	}
	enc, encName, bomLen, err := detectEncoding(name, sample, opts.Encoding)
	if err != nil {
		return sum, err
	}
	if strings.HasPrefix(encName, "utf-16") {
		return sum, inputError(name, "rewrite cannot keep UTF-16 text byte for byte: save the file as UTF-8 or Windows-1252")
	}
	sum.Format = FormatCSV + " " + encName
	decoded := sample[bomLen:]
	if enc != nil {
		if decoded, err = enc.NewDecoder().Bytes(decoded); err != nil {
			return sum, inputError(name, "cannot decode as %s: %v", encName, err)
		}
	}
	delim, err := pickDelimiter(name, decoded, opts.Delimiter)
	if err != nil {
		return sum, err
	}
	err = office.WriteFile(opts.Out, func(w io.Writer) error {
		c := &csvRewrite{name: name, codec: textCodec{enc: enc}, delim: byte(delim), status: opts.StatusColumns,
			out: bufio.NewWriterSize(w, 256<<10)}
		// The BOM is copied with the bytes before the first record.
		bom := make([]byte, bomLen)
		if _, err := io.ReadFull(br, bom); err != nil {
			return inputError(name, "cannot read: %v", err)
		}
		c.out.Write(bom)
		c.raw = newRawCSV(br, byte(delim))
		if err := c.run(ctx, profile, opts, &sum); err != nil {
			return err
		}
		if err := c.out.Flush(); err != nil {
			return inputError(opts.Out, "cannot write: %v", err)
		}
		return nil
	})
	if err != nil && cti3cx.ErrorCode(err) == cti3cx.EINTERNAL && ctx.Err() == nil {
		return sum, inputError(opts.Out, "cannot write: %v", unwrapPathError(err))
	}
	return sum, err
}

func (c *csvRewrite) run(ctx context.Context, profile normalize.Profile, opts RewriteOptions, sum *RewriteSummary) error {
	header, err := c.copyToHeader(opts.HeaderRow)
	if err != nil {
		return err
	}
	m, err := rewriteMapping(c.name, header, opts)
	if err != nil {
		return err
	}
	c.w = newRewriter(newRecordBuilder(m, profile), header, opts.OnlyOK, sum)
	if err := c.writeRecord(nil, c.w.statusHeader()); err != nil {
		return err
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		ok, err := c.raw.next()
		if err != nil {
			return inputError(c.name, "cannot read: %v", err)
		}
		if !ok {
			return nil
		}
		if err := c.rewriteRecord(len(header), sum); err != nil {
			return err
		}
	}
}

// copyToHeader copies the records above the header and returns the
// header's cells, trimmed; the header record itself is left in c.raw.
func (c *csvRewrite) copyToHeader(want int) ([]string, error) {
	h := headerFinder{headerOptions: headerOptions{row: want}}
	// The header is known only once a record looks like one, and the
	// records before it must be copied first: keep them until then (at
	// most headerScanLimit records, or want lines).
	var pending [][]byte
	for {
		ok, err := c.raw.next()
		if err != nil {
			return nil, inputError(c.name, "cannot read: %v", err)
		}
		if !ok {
			break
		}
		cells := c.decodeCells()
		if !c.raw.blank() && h.offer(c.raw.line, trimAll(cells)) {
			if header, at := h.result(); at == c.raw.line {
				for _, p := range pending {
					c.out.Write(p)
				}
				return header, nil
			}
			break
		}
		pending = append(pending, append([]byte(nil), c.raw.rec...))
	}
	// The header is an earlier record (the first non-blank one after the
	// scan limit): rewind over what was kept.
	header, at := h.result()
	if header == nil {
		if want > 0 {
			return nil, inputError(c.name, "--header-row %d: the file has fewer lines", want)
		}
		return nil, inputError(c.name, "no header: the file has no data")
	}
	return nil, inputError(c.name, "no header found among the first %d records (line %d is the first candidate): give --header-row", headerScanLimit, at)
}

// decodeCells returns the current record's fields as text.
func (c *csvRewrite) decodeCells() []string {
	c.cells = c.cells[:0]
	for i := range c.raw.fields {
		s, _ := c.codec.decode(c.raw.value(i))
		c.cells = append(c.cells, s)
	}
	return c.cells
}

// rewriteRecord writes the current record with its phone fields replaced.
func (c *csvRewrite) rewriteRecord(width int, sum *RewriteSummary) error {
	if c.raw.blank() {
		_, err := c.out.Write(c.raw.rec)
		return err
	}
	// Only the phone columns and their DDD columns are decoded: the others
	// are copied as bytes, and decoding every cell cost more than
	// normalizing the phones.
	if c.blankBody() {
		return c.writeRecord(nil, nil)
	}
	sum.Rows++
	if c.codec.enc == nil && !utf8.Valid(c.raw.rec) {
		sum.Unread++
		return c.writeRecord(nil, nil)
	}
	if c.rowCells == nil {
		c.rowCells = make([]string, width)
	}
	cells := c.rowCells
	for _, i := range c.w.reads {
		cells[i] = ""
		if i < len(c.raw.fields) {
			cells[i] = c.codec.transient(c.raw.value(i))
		}
	}
	r := row{line: c.raw.line, cells: cells}
	edits := c.w.plan(r, len(c.raw.fields))
	var status []string
	if c.status {
		for _, e := range edits {
			status = append(status, e.status, e.suggestion)
		}
	}
	return c.writeRecord(edits, status)
}

// blankBody tells a record of nothing but spaces, delimiters and quotes,
// which the import skips as blank.
func (c *csvRewrite) blankBody() bool {
	for _, b := range c.raw.rec[:c.raw.bodyEnd] {
		if b != ' ' && b != '\t' && b != '"' && b != c.delim {
			return false
		}
	}
	return true
}

// writeRecord copies the current record, replacing the fields that edits
// set and appending extra after the last column (padding a short record
// to the header's width first).
func (c *csvRewrite) writeRecord(edits []cellEdit, extra []string) error {
	rec, fields := c.raw.rec, c.raw.fields
	b := c.buf[:0]
	last := 0
	for _, e := range edits {
		if !e.set || e.col >= len(fields) {
			continue
		}
		f := fields[e.col]
		b = append(b, rec[last:f.start]...)
		b = c.appendField(b, e.value, f.quoted)
		last = f.end
	}
	b = append(b, rec[last:c.raw.bodyEnd]...)
	if c.status && len(extra) > 0 {
		for i := len(fields); i < len(c.w.header); i++ {
			b = append(b, c.delim)
		}
		for _, s := range extra {
			b = append(b, c.delim)
			b = c.appendField(b, office.Neutralize(s), false)
		}
	}
	b = append(b, rec[c.raw.bodyEnd:]...)
	c.buf = b
	_, err := c.out.Write(b)
	return err
}

// appendField appends s as one field in the file's encoding, quoted when
// the original field was or when s needs it. Text that needs no encoding
// (UTF-8 files, ASCII text such as dial strings) is appended as it is.
func (c *csvRewrite) appendField(dst []byte, s string, quoted bool) []byte {
	if c.codec.enc != nil && !isASCII(s) {
		return quoteField(dst, c.codec.encode(s), quoted, c.delim)
	}
	if !quoted && strings.IndexByte(s, c.delim) < 0 && !strings.ContainsAny(s, "\"\r\n") &&
		!(len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ')) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	if strings.IndexByte(s, '"') >= 0 {
		s = strings.ReplaceAll(s, `"`, `""`)
	}
	dst = append(dst, s...)
	return append(dst, '"')
}
