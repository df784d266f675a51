package loader

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding"

	"github.com/cti3cx/cti3cx/office"
)

// rawCSV splits delimited text into records and fields without decoding
// it, keeping each field's byte span in the record, so that a rewrite copies
// every byte it does not change. It reads fields as the import's reader does
// (encoding/csv with LazyQuotes): a field is quoted when it starts with a
// quote; in a quoted field "" is a quote, a quote not followed by the
// delimiter or the end of the line is kept as text, and line breaks are
// part of the field; a trailing CRLF ends a record like LF. The delimiter,
// quote and line breaks are ASCII, so this works on the undecoded bytes of
// UTF-8 and of single-byte encodings (Windows-1252, ISO-8859-1).
type rawCSV struct {
	br       *bufio.Reader
	delim    byte
	rec      []byte     // the record's bytes, line ending included
	fields   []rawField // spans in rec
	bodyEnd  int        // where the line ending starts (len(rec) when none)
	line     int        // 1-based line where the record starts
	nextLine int
	eof      bool
}

// rawField is one field's span: [start, end) is the field as written,
// quotes included; [vStart, vEnd) is its text inside the quotes.
type rawField struct {
	start, end   int
	vStart, vEnd int
	quoted       bool
}

func newRawCSV(r io.Reader, delim byte) *rawCSV {
	return &rawCSV{br: bufio.NewReaderSize(r, 256<<10), delim: delim, nextLine: 1}
}

// readLine appends the next line, '\n' included, to rec; false at the end.
func (c *rawCSV) readLine() (bool, error) {
	if c.eof {
		return false, nil
	}
	n := len(c.rec)
	for {
		chunk, err := c.br.ReadSlice('\n')
		c.rec = append(c.rec, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			c.eof = true
			return len(c.rec) > n, nil
		}
		if err != nil {
			return false, err
		}
		c.nextLine++
		return true, nil
	}
}

// next reads one record; false at the end of the input.
func (c *rawCSV) next() (bool, error) {
	c.rec, c.fields = c.rec[:0], c.fields[:0]
	c.line = c.nextLine
	if ok, err := c.readLine(); !ok || err != nil {
		return false, err
	}
	pos := 0
	for {
		f, err := c.field(pos)
		if err != nil {
			return false, err
		}
		c.fields = append(c.fields, f)
		pos = f.end
		if pos < len(c.rec) && c.rec[pos] == c.delim {
			pos++
			continue
		}
		break
	}
	c.bodyEnd = len(c.rec)
	switch {
	case bytes.HasSuffix(c.rec, []byte("\r\n")):
		c.bodyEnd -= 2
	case bytes.HasSuffix(c.rec, []byte("\n")):
		c.bodyEnd--
	case c.eof && bytes.HasSuffix(c.rec, []byte("\r")): // encoding/csv drops a CR before EOF
		c.bodyEnd--
	}
	if last := &c.fields[len(c.fields)-1]; last.end > c.bodyEnd {
		last.end = c.bodyEnd
		if !last.quoted || last.vEnd > c.bodyEnd {
			last.vEnd = c.bodyEnd
		}
	}
	return true, nil
}

// field reads the field starting at pos, reading more lines while a quoted
// field is open.
func (c *rawCSV) field(pos int) (rawField, error) {
	if pos >= len(c.rec) || c.rec[pos] != '"' {
		end := pos
		for end < len(c.rec) && c.rec[end] != c.delim && c.rec[end] != '\n' {
			end++
		}
		if end < len(c.rec) && c.rec[end] == '\n' && end > pos && c.rec[end-1] == '\r' {
			end--
		}
		return rawField{start: pos, end: end, vStart: pos, vEnd: end}, nil
	}
	f := rawField{start: pos, vStart: pos + 1, quoted: true}
	i := pos + 1
	for {
		j := bytes.IndexByte(c.rec[i:], '"')
		if j < 0 {
			more, err := c.readLine()
			if err != nil {
				return f, err
			}
			if !more { // an unclosed quote runs to the end of the input
				f.end, f.vEnd = len(c.rec), len(c.rec)
				return f, nil
			}
			continue
		}
		q := i + j
		a := q + 1
		if a < len(c.rec) && c.rec[a] == '"' {
			i = a + 1
			continue
		}
		if a == len(c.rec) || c.rec[a] == c.delim || c.rec[a] == '\n' ||
			(c.rec[a] == '\r' && (a+1 == len(c.rec) || c.rec[a+1] == '\n')) {
			f.end, f.vEnd = a, q
			return f, nil
		}
		i = a // a stray quote inside a quoted field is text
	}
}

// blank tells an empty line, which encoding/csv skips.
func (c *rawCSV) blank() bool { return c.bodyEnd == 0 }

// value returns field i's text, unquoted, as raw bytes of the file's encoding.
func (c *rawCSV) value(i int) []byte {
	f := c.fields[i]
	v := c.rec[f.vStart:f.vEnd]
	if !f.quoted {
		return v
	}
	if bytes.IndexByte(v, '"') >= 0 {
		v = bytes.ReplaceAll(v, []byte(`""`), []byte(`"`))
	}
	if bytes.Contains(v, []byte("\r\n")) {
		v = bytes.ReplaceAll(v, []byte("\r\n"), []byte("\n"))
	}
	return v
}

// textCodec decodes field bytes into text and encodes text for the file:
// nil dec means UTF-8.
type textCodec struct {
	enc encoding.Encoding
}

// decode returns b as UTF-8 text, and false when b is not valid in the
// file's encoding (UTF-8 only; single-byte encodings decode any byte).
func (t textCodec) decode(b []byte) (string, bool) {
	if t.enc == nil || isASCII(b) {
		return string(b), t.enc != nil || utf8.Valid(b)
	}
	s, err := t.enc.NewDecoder().Bytes(b)
	return string(s), err == nil
}

// arrowASCII spells the arrow of suggestions in every encoding.
var arrowASCII = strings.NewReplacer("→", "->")

// transient is decode for text used only until the next record is read:
// text that needs no decoding (UTF-8, ASCII) is returned without a copy,
// as a view of the record's buffer, which the next record overwrites. A
// rewrite normalizes and writes each record before reading the next, and
// keeps none of its strings (dial strings and suggestions are new strings),
// so copying every phone cell would only cost time.
func (t textCodec) transient(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if t.enc == nil || isASCII(b) {
		return unsafe.String(&b[0], len(b))
	}
	s, _ := t.decode(b)
	return s
}

// encode returns s in the file's encoding; a character the encoding lacks
// becomes "?" (never the control character SUB that encoders use).
func (t textCodec) encode(s string) []byte {
	if t.enc == nil || isASCII(s) {
		return []byte(s)
	}
	b, err := encoding.ReplaceUnsupported(t.enc.NewEncoder()).Bytes([]byte(arrowASCII.Replace(s)))
	if err != nil {
		return []byte(s)
	}
	return bytes.ReplaceAll(b, []byte{0x1a}, []byte("?"))
}

func isASCII[T string | []byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			return false
		}
	}
	return true
}

// quoteField writes s as one field: quoted when the original field was, or
// when s needs it.
func quoteField(dst []byte, s []byte, quoted bool, delim byte) []byte {
	if !quoted && bytes.IndexByte(s, delim) < 0 && !bytes.ContainsAny(s, "\"\r\n") &&
		!(len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ')) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	dst = append(dst, bytes.ReplaceAll(s, []byte(`"`), []byte(`""`))...)
	return append(dst, '"')
}

// phoneText is a dial string as a rewrite writes it into a cell: never
// something a spreadsheet evaluates (office.Neutralize), except a number in
// E.164 ("+5547…", digits after the +), which a spreadsheet reads as a
// number and never as a formula that calls anything, and which the CRM
// must get as written.
func phoneText(s string) string {
	if len(s) > 1 && s[0] == '+' && strings.Trim(s[1:], "0123456789") == "" {
		return s
	}
	return office.Neutralize(s)
}
