package loader

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

const sniffSize = 64 << 10

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type csvReader struct {
	name    string
	closer  io.Closer
	counter *countingReader
	size    int64
	hasher  hash.Hash
	r       *csv.Reader
	utf8    bool // check each row's text: the sniffed sample may not show a bad byte
	limiter *recordLimiter
	endLine int // the line the last record ended on
	header  []string
	fmt     format
	pending []pendingRecord // data records read while looking for the header
}

type csvOptions struct {
	encoding  string // auto or a name
	delimiter string // auto, ";", ",", "tab", "|"
	headerRow int
	maxRecord int64         // bytes of one record; 0 means DefaultMaxRecordBytes
	header    headerOptions // noHeader and the mapping file's names; row is headerRow
}

// openCSV reads a delimited text file: it detects the encoding (BOM, UTF-8
// validity, else Windows-1252) and the delimiter, finds the header and
// leaves the reader on the first data record.
func openCSV(name string, src io.ReadCloser, size int64, opt csvOptions) (*csvReader, error) {
	c := &csvReader{name: name, closer: src, size: size, hasher: sha256.New()}
	c.counter = &countingReader{r: io.TeeReader(src, c.hasher)}
	br := bufio.NewReaderSize(c.counter, sniffSize)
	sample, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, inputError(name, "cannot read: %v", err)
	}
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, inputError(name, "the file is empty")
	}
	if bytes.HasPrefix(sample, []byte("PK\x03\x04")) {
		return nil, inputError(name, "this is a ZIP file (an XLSX workbook?), not CSV text: give it the .xlsx extension")
	}
	enc, encName, bomLen, err := detectEncoding(name, sample, opt.encoding)
	if err != nil {
		return nil, err
	}
	c.fmt = format{kind: FormatCSV, encoding: encName, bom: bomLen > 0}
	if _, err := br.Discard(bomLen); err != nil {
		return nil, inputError(name, "cannot read: %v", err)
	}
	var text io.Reader = br
	decodedSample := sample[bomLen:]
	if enc != nil {
		text = transform.NewReader(br, enc.NewDecoder())
		if decodedSample, err = enc.NewDecoder().Bytes(decodedSample); err != nil {
			return nil, inputError(name, "cannot decode as %s: %v", encName, err)
		}
	}
	c.utf8 = enc == nil
	delim, err := pickDelimiter(name, decodedSample, opt.delimiter)
	if err != nil {
		return nil, err
	}
	c.fmt.delimiter = delim
	c.limiter = &recordLimiter{r: text, limit: cmp.Or(opt.maxRecord, DefaultMaxRecordBytes)}
	c.r = csv.NewReader(c.limiter)
	c.r.Comma = delim
	c.r.FieldsPerRecord = -1
	c.r.LazyQuotes = true
	opt.header.row = opt.headerRow
	return c, c.findHeader(opt.header)
}

func (c *csvReader) findHeader(opt headerOptions) error {
	want := opt.row
	h := headerFinder{headerOptions: opt}
	for {
		cells, err := c.read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				h.offerBroken(pe.StartLine, cells, errMalformed(pe.Err.Error()))
				continue
			}
			return c.readError(err)
		}
		line, _ := c.r.FieldPos(0)
		if h.offer(line, trimAll(cells)) {
			break
		}
	}
	header, at := h.result()
	if header == nil {
		if want > 0 {
			return inputError(c.name, "--header-row %d: the file has fewer lines", want)
		}
		return inputError(c.name, "no header: the file has no data")
	}
	c.fmt.headerLine, c.pending = at, h.pending
	if c.utf8 && !utf8.ValidString(strings.Join(header, "")) {
		return inputError(c.name, "the header is not valid UTF-8: use --encoding")
	}
	c.header = header
	return nil
}

func trimAll(cells []string) []string {
	for i, s := range cells {
		cells[i] = strings.TrimSpace(s)
	}
	return cells
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Next() (row, error) {
	if len(c.pending) > 0 {
		p := c.pending[0]
		c.pending = c.pending[1:]
		if p.err != nil {
			return row{line: p.line, cells: padCopy(p.cells, len(c.header)), err: p.err}, nil
		}
		return c.row(p.line, p.cells), nil
	}
	for {
		cells, err := c.read()
		if errors.Is(err, io.EOF) {
			return row{}, io.EOF
		}
		line, _ := c.r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return row{}, c.readError(err)
			}
			return row{line: pe.StartLine, cells: padCopy(cells, len(c.header)), err: errMalformed(pe.Err.Error())}, nil
		}
		if isBlankRow(cells) {
			continue
		}
		return c.row(line, cells), nil
	}
}

// row makes a data row of a record on line.
func (c *csvReader) row(line int, cells []string) row {
	r := row{line: line}
	r.cells, r.extra = pad(cells, len(c.header))
	if c.utf8 {
		for i, s := range r.cells {
			if !utf8.ValidString(s) {
				r.badText = append(r.badText, i)
			}
		}
	}
	return r
}

// read is csv.Reader.Read that tells the record limiter where each record
// ends, and remembers the line it ended on for the message of a record
// that never ends.
func (c *csvReader) read() ([]string, error) {
	cells, err := c.r.Read()
	if err == nil || errors.As(err, new(*csv.ParseError)) {
		c.limiter.recordEnd(c.r.InputOffset())
		if len(cells) > 0 {
			last, _ := c.r.FieldPos(len(cells) - 1)
			c.endLine = last + strings.Count(cells[len(cells)-1], "\n")
		}
	}
	return cells, err
}

// readError is the one line for a read that failed: a record past its
// limit names the line it starts on and the flag that raises it.
func (c *csvReader) readError(err error) error {
	if errors.Is(err, errRecordTooLong) {
		return inputError(c.name, "line %d: a record longer than %s (a missing line break or closing quote?); raise the limit with --max-record-bytes; nothing was written",
			c.endLine+1, sizeText(c.limiter.limit))
	}
	return inputError(c.name, "cannot read: %v", err)
}

func padCopy(cells []string, n int) []string {
	out, _ := pad(append([]string(nil), cells...), n)
	return out
}

func (c *csvReader) Close() error { return c.closer.Close() }

func (c *csvReader) Done() float64 {
	if c.size <= 0 {
		return -1
	}
	return float64(c.counter.n.Load()) / float64(c.size)
}

func (c *csvReader) Hash() string { return hex.EncodeToString(c.hasher.Sum(nil)) }

// detectEncoding returns the decoder for the text (nil for UTF-8), its
// name, and the length of a BOM to skip.
func detectEncoding(name string, sample []byte, want string) (encoding.Encoding, string, int, error) {
	want = strings.ToLower(strings.TrimSpace(want))
	bomLen := 0
	switch {
	case bytes.HasPrefix(sample, []byte("\xef\xbb\xbf")):
		bomLen = 3
		if want == "" || want == "auto" {
			return nil, "utf-8", 3, nil
		}
	case bytes.HasPrefix(sample, []byte("\xff\xfe")), bytes.HasPrefix(sample, []byte("\xfe\xff")):
		if want == "" || want == "auto" {
			le := sample[0] == 0xff
			e := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
			n := "utf-16be"
			if le {
				e, n = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
			}
			// ExpectBOM consumes the BOM itself.
			return e, n, 0, nil
		}
	}
	if want != "" && want != "auto" {
		enc, err := htmlindex.Get(want)
		if err != nil {
			return nil, "", 0, inputError(name, "unknown encoding %q (try utf-8, windows-1252, iso-8859-1)", want)
		}
		canon, _ := htmlindex.Name(enc)
		if canon == "utf-8" {
			return nil, canon, bomLen, nil
		}
		return enc, canon, bomLen, nil
	}
	if bytes.IndexByte(sample, 0) >= 0 {
		return nil, "", 0, inputError(name, "binary file, not CSV text")
	}
	if validUTF8Prefix(sample) {
		return nil, "utf-8", 0, nil
	}
	// Brazilian Excel saves "CSV" as Windows-1252. Bytes it leaves undefined
	// mean some other encoding that a guess would garble.
	for _, b := range sample {
		switch b {
		case 0x81, 0x8d, 0x8f, 0x90, 0x9d:
			return nil, "", 0, inputError(name, "unknown encoding: neither UTF-8 nor Windows-1252 (byte 0x%02x); use --encoding", b)
		}
	}
	return charmap.Windows1252, "windows-1252", 0, nil
}

// validUTF8Prefix checks the sample, forgiving a character cut at its end.
func validUTF8Prefix(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	for cut := 1; cut <= 3 && cut < len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return len(b) == sniffSize
		}
	}
	return false
}

var delimiterNames = map[string]rune{";": ';', ",": ',', "tab": '\t', "\\t": '\t', "\t": '\t', "|": '|'}

// pickDelimiter returns the delimiter that splits the sample's lines into
// the same number of fields most consistently.
func pickDelimiter(name string, sample []byte, want string) (rune, error) {
	if want != "" && want != "auto" {
		d, ok := delimiterNames[strings.ToLower(want)]
		if !ok {
			return 0, inputError(name, "unknown delimiter %q (want auto, ';', ',', tab or '|')", want)
		}
		return d, nil
	}
	if i := bytes.LastIndexByte(sample, '\n'); i > 0 {
		sample = sample[:i+1]
	}
	best, bestScore, bestWidth := ',', -1, 0
	for _, d := range []rune{';', ',', '\t', '|'} {
		r := csv.NewReader(bytes.NewReader(sample))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = d, -1, true
		counts := map[int]int{}
		for {
			rec, err := r.Read()
			if err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				continue
			}
			if len(rec) > 1 {
				counts[len(rec)]++
			}
		}
		for width, n := range counts {
			if n > bestScore || (n == bestScore && width > bestWidth) {
				best, bestScore, bestWidth = d, n, width
			}
		}
	}
	return best, nil
}
