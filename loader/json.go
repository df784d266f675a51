package loader

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/cti3cx/cti3cx"
)

// jsonHeaderScan is how many records are read before the columns are
// fixed: the union of their keys, in order of appearance.
const jsonHeaderScan = 1000

// jsonReader reads records from NDJSON, a JSON array, or pages wrapped as
// {"data": [...], "next": "URL"} (or paged by a Link rel="next" header).
type jsonReader struct {
	name    string
	ctx     context.Context
	feed    *feedFetcher // nil for a file or stdin
	hasher  hash.Hash
	body    io.ReadCloser
	page    *pageBody // the HTTP page being read; nil for a file or stdin
	br      *bufio.Reader
	lim     *recordLimiter
	dec     *json.Decoder
	inArray bool
	items   []json.RawMessage // a wrapper page's records
	next    string            // the next page's URL
	pages   map[string]bool   // URLs already read: a "next" pointing back is an error, not a loop
	n       int
	header  []string
	index   map[string]int
	pending []row

	maxRecord int64
	maxPage   int64 // a {"data": [...]} page is decoded whole
	pageURL   string
	pageRecs  int  // records of the current page already returned
	retries   int  // refetches of the current page after a dropped body
	partial   bool // a page was refetched: the hash is not of one clean read
}

func openJSON(ctx context.Context, name string, src io.ReadCloser, feed *feedFetcher, firstURL string, maxRecord int64) (*jsonReader, error) {
	j := &jsonReader{name: name, ctx: ctx, feed: feed, hasher: sha256.New(), index: map[string]int{},
		maxRecord: cmp.Or(maxRecord, DefaultMaxRecordBytes), maxPage: DefaultMaxPageBytes}
	if feed != nil {
		j.maxPage = feed.opts.MaxPageBytes
	}
	if feed != nil {
		if err := j.fetch(firstURL); err != nil {
			return nil, err
		}
	} else if err := j.start(src, ""); err != nil {
		return nil, err
	}
	// Columns are the keys of the first records.
	type rec struct {
		line int
		raw  json.RawMessage
	}
	var first []rec
	for len(first) < jsonHeaderScan {
		raw, err := j.nextRaw()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			j.Close()
			return nil, err
		}
		j.n++
		first = append(first, rec{j.n, raw})
		if keys, _, err := objectFields(raw); err == nil {
			for _, k := range keys {
				if _, ok := j.index[k]; !ok {
					j.index[k] = len(j.header)
					j.header = append(j.header, k)
				}
			}
		}
	}
	if len(first) == 0 {
		j.Close()
		return nil, inputError(name, "no records in the feed")
	}
	if len(j.header) == 0 {
		j.Close()
		return nil, inputError(name, "no JSON objects in the feed")
	}
	for _, r := range first {
		j.pending = append(j.pending, j.toRow(r.line, r.raw))
	}
	return j, nil
}

// start begins reading one page body: an array streams record by record; an
// object is a wrapper page or the first NDJSON record.
func (j *jsonReader) start(body io.ReadCloser, pageURL string) error {
	j.body = body
	j.br = bufio.NewReaderSize(io.TeeReader(body, j.hasher), 64<<10)
	j.lim = &recordLimiter{r: j.br, limit: j.maxRecord}
	j.dec = json.NewDecoder(j.lim)
	j.inArray, j.items = false, nil
	c, err := firstNonSpace(j.br)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return j.readError(err, "")
	}
	switch c {
	case '[':
		if _, err := j.dec.Token(); err != nil {
			return j.readError(err, "")
		}
		j.inArray = true
	case '{':
		// A wrapper page is decoded whole: it is bounded by the page's
		// limit, its records then by the record's.
		var first json.RawMessage
		j.lim.limit = max(j.maxPage, j.maxRecord)
		err := j.dec.Decode(&first)
		j.lim.limit = j.maxRecord
		if err != nil {
			return j.readError(err, "")
		}
		j.lim.recordEnd(j.dec.InputOffset())
		var page struct {
			Data json.RawMessage `json:"data"`
			Next *string         `json:"next"`
		}
		if json.Unmarshal(first, &page) == nil && bytes.HasPrefix(bytes.TrimSpace(page.Data), []byte("[")) {
			if err := json.Unmarshal(page.Data, &j.items); err != nil {
				return inputError(j.name, "invalid JSON in data: %v", err)
			}
			if page.Next != nil && *page.Next != "" {
				j.next = resolveURL(pageURL, *page.Next)
			}
			return nil
		}
		if int64(len(first)) > j.maxRecord {
			return j.readError(errRecordTooLong, "")
		}
		j.items = []json.RawMessage{first}
	default:
		if c == 0 || c > 0x7f {
			return inputError(j.name, "not JSON: binary data")
		}
		return inputError(j.name, "not JSON: starts with %q; want an array, NDJSON objects or {\"data\": [...]}", c)
	}
	return nil
}

// errPageDropped marks a page whose body the network cut short: the page
// is fetched again.
type errPageDropped struct{ err error }

func (e *errPageDropped) Error() string { return e.err.Error() }

// readError turns a failed read or decode into the one line the operator
// reads: a limit names the record or page and the flag that raises it; a
// body the network cut short is an *errPageDropped (retried), never
// "invalid JSON".
func (j *jsonReader) readError(err error, where string) error {
	page := ""
	if j.feed != nil {
		page = fmt.Sprintf("page %d: ", j.feed.pages)
	}
	switch {
	case errors.Is(err, errRecordTooLong):
		return inputError(j.name, "%srecord %d: longer than %s; raise the limit with --max-record-bytes; nothing was written",
			page, j.n+1, sizeText(j.maxRecord))
	case errors.Is(err, errPageTooLong):
		return inputError(j.name, "%slonger than %s; raise the limit with --feed-max-page-bytes; nothing was written", page, sizeText(j.maxPage))
	case errors.Is(err, errFeedTooLong):
		return inputError(j.name, "%sthe feed is longer than %s in all; raise the limit with --feed-max-bytes; nothing was written",
			page, sizeText(j.feed.opts.MaxFeedBytes))
	case j.page != nil && j.page.cutShort() != nil:
		return &errPageDropped{j.page.cutShort()}
	case j.ctx.Err() != nil:
		return j.ctx.Err()
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		var ute *json.UnmarshalTypeError
		if !errors.As(err, &ute) {
			return inputError(j.name, "%scannot read: %v", page, err)
		}
	}
	return inputError(j.name, "%sinvalid JSON%s: %v", page, where, err)
}

func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.Discard(1)
			continue
		case 0xef: // UTF-8 BOM
			if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
				br.Discard(3)
				continue
			}
		}
		return b[0], nil
	}
}

// nextRaw returns the next record of any page. A page whose body the
// network cut short is fetched again (up to the feed's retries), its
// records already returned skipped.
func (j *jsonReader) nextRaw() (json.RawMessage, error) {
	for {
		raw, err := j.nextInPage()
		var dropped *errPageDropped
		if errors.As(err, &dropped) {
			if err := j.refetch(dropped); err != nil {
				return nil, err
			}
			continue
		}
		if err == nil {
			j.pageRecs++
			return raw, nil
		}
		if !errors.Is(err, io.EOF) {
			return nil, err
		}
		if j.next == "" || j.feed == nil {
			return nil, io.EOF
		}
		u := j.next
		j.next = ""
		if err := j.fetch(u); err != nil {
			return nil, err
		}
	}
}

// nextInPage returns the current page's next record, io.EOF at its end.
func (j *jsonReader) nextInPage() (json.RawMessage, error) {
	if err := j.ctx.Err(); err != nil {
		return nil, err
	}
	if len(j.items) > 0 {
		raw := j.items[0]
		j.items = j.items[1:]
		if int64(len(raw)) > j.maxRecord {
			return nil, j.readError(errRecordTooLong, "")
		}
		return raw, nil
	}
	if j.dec == nil {
		return nil, io.EOF
	}
	if j.inArray {
		if j.dec.More() {
			var raw json.RawMessage
			if err := j.dec.Decode(&raw); err != nil {
				return nil, j.readError(err, fmt.Sprintf(" after record %d", j.n))
			}
			j.lim.recordEnd(j.dec.InputOffset())
			return raw, nil
		}
		if _, err := j.dec.Token(); err != nil {
			return nil, j.readError(err, "")
		}
		j.inArray = false
	}
	var raw json.RawMessage
	err := j.dec.Decode(&raw)
	if err == nil {
		j.lim.recordEnd(j.dec.InputOffset())
		return raw, nil
	}
	if !errors.Is(err, io.EOF) {
		return nil, j.readError(err, fmt.Sprintf(" after record %d", j.n))
	}
	j.body.Close()
	j.dec = nil
	return nil, io.EOF
}

// refetch reads the current page again after the network cut its body,
// skipping the records already returned.
func (j *jsonReader) refetch(dropped *errPageDropped) error {
	j.body.Close()
	j.dec = nil
	if j.retries >= j.feed.opts.Retries {
		return cti3cx.Errorf(cti3cx.EUNAVAILABLE, "%s: page %d: the connection failed while reading it (%v), %d attempts; nothing was written",
			j.name, j.feed.pages, dropped.err, j.retries+1)
	}
	j.retries++
	d := j.feed.backoff(j.retries, 0)
	j.feed.log.Warn("feed page cut short, fetching it again", "url", redactURL(j.pageURL), "attempt", j.retries, "wait", d.Round(time.Millisecond), "error", dropped.err)
	if err := sleepCtx(j.ctx, d); err != nil {
		return err
	}
	j.partial = true
	j.feed.pages--
	skip, pageURL := j.pageRecs, j.pageURL
	if err := j.open(pageURL); err != nil {
		return err
	}
	for range skip {
		if _, err := j.nextInPage(); err != nil {
			if errors.Is(err, io.EOF) {
				return cti3cx.Errorf(cti3cx.EUNAVAILABLE, "%s: page %d changed while it was read again (it has fewer records); nothing was written", j.name, j.feed.pages)
			}
			return err
		}
	}
	j.pageRecs = skip
	return nil
}

func (j *jsonReader) fetch(u string) error {
	if j.pages == nil {
		j.pages = map[string]bool{}
	}
	if j.pages[u] {
		return inputError(j.name, "the feed's next link leads back to a page already read (%s)", redactURL(u))
	}
	if j.feed.pages >= j.feed.opts.MaxPages {
		return inputError(j.name, "more than %d pages; raise the limit with --feed-max-pages; nothing was written", j.feed.opts.MaxPages)
	}
	j.pages[u] = true
	j.pageRecs, j.retries = 0, 0
	return j.open(u)
}

// open GETs a page and starts reading it; a body cut short while the page
// starts is fetched again like one cut later.
func (j *jsonReader) open(u string) error {
	resp, body, err := j.feed.get(j.ctx, u)
	if err != nil {
		return err
	}
	j.pageURL, j.page = u, body
	if next := linkNext(resp.Header.Get("Link")); next != "" {
		j.next = resolveURL(u, next)
	}
	err = j.start(body, u)
	var dropped *errPageDropped
	if errors.As(err, &dropped) {
		return j.refetch(dropped)
	}
	return err
}

var linkNextPattern = regexp.MustCompile(`<([^>]+)>\s*;[^,]*rel="?next"?`)

func linkNext(h string) string {
	if m := linkNextPattern.FindStringSubmatch(h); m != nil {
		return m[1]
	}
	return ""
}

func resolveURL(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// objectFields returns an object's keys in order and their values as text.
func objectFields(raw json.RawMessage) ([]string, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("not a JSON object")
	}
	var keys, vals []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, tok.(string))
		vals = append(vals, jsonText(v))
	}
	return keys, vals, nil
}

// jsonText turns a value into a cell: numbers keep their literal text (so
// 5.5119E+12 is seen, not rounded), arrays of numbers become one cell with
// several numbers.
func jsonText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	case 'n':
		return ""
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(v, &items) == nil {
			parts := make([]string, 0, len(items))
			for _, it := range items {
				if s := jsonText(it); s != "" {
					parts = append(parts, s)
				}
			}
			return strings.Join(parts, " / ")
		}
	}
	return string(v)
}

func (j *jsonReader) toRow(line int, raw json.RawMessage) row {
	r := row{line: line, raw: string(raw), cells: make([]string, len(j.header))}
	keys, vals, err := objectFields(raw)
	if err != nil {
		r.err = errMalformed("não é um objeto JSON")
		return r
	}
	for i, k := range keys {
		if c, ok := j.index[k]; ok {
			r.cells[c] = strings.TrimSpace(vals[i])
		}
	}
	return r
}

func (j *jsonReader) Header() []string { return j.header }

func (j *jsonReader) Next() (row, error) {
	if len(j.pending) > 0 {
		r := j.pending[0]
		j.pending = j.pending[1:]
		return r, nil
	}
	raw, err := j.nextRaw()
	if err != nil {
		return row{}, err
	}
	j.n++
	return j.toRow(j.n, raw), nil
}

func (j *jsonReader) Close() error {
	if j.dec != nil && j.body != nil {
		return j.body.Close()
	}
	return nil
}

func (j *jsonReader) Done() float64 { return -1 }

// Hash is the SHA-256 of the bytes read, "" when a page had to be read
// again (the bytes are then not one clean read of the feed).
func (j *jsonReader) Hash() string {
	if j.partial {
		return ""
	}
	return hex.EncodeToString(j.hasher.Sum(nil))
}

// redactURL drops credentials and the query (which may carry a token).
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(bad URL)"
	}
	p.User, p.RawQuery, p.Fragment = nil, "", ""
	return p.String()
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func openFeedFile(name string) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, inputError(name, "%v", unwrapPathError(err))
	}
	return f, nil
}
