package loader

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
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

// FeedOptions tune HTTP(S) feeds.
type FeedOptions struct {
	Token      string        // bearer token, never logged
	Timeout    time.Duration // per request; 0 means 60s
	Retries    int           // on 5xx, 429 and network errors; 0 means 4
	RetryDelay time.Duration // first backoff, doubled each time; 0 means 1s
	Client     *http.Client  // nil means a client with Timeout
}

// jsonReader reads records from NDJSON, a JSON array, or pages wrapped as
// {"data": [...], "next": "URL"} (or paged by a Link rel="next" header).
type jsonReader struct {
	name    string
	ctx     context.Context
	feed    *feedFetcher // nil for a file or stdin
	hasher  hash.Hash
	body    io.ReadCloser
	br      *bufio.Reader
	dec     *json.Decoder
	inArray bool
	items   []json.RawMessage // a wrapper page's records
	next    string            // the next page's URL
	pages   map[string]bool   // URLs already read: a "next" pointing back is an error, not a loop
	n       int
	header  []string
	index   map[string]int
	pending []row
}

func openJSON(ctx context.Context, name string, src io.ReadCloser, feed *feedFetcher, firstURL string) (*jsonReader, error) {
	j := &jsonReader{name: name, ctx: ctx, feed: feed, hasher: sha256.New(), index: map[string]int{}}
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
	j.dec = json.NewDecoder(j.br)
	j.inArray, j.items = false, nil
	c, err := firstNonSpace(j.br)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return inputError(j.name, "cannot read: %v", err)
	}
	switch c {
	case '[':
		if _, err := j.dec.Token(); err != nil {
			return inputError(j.name, "invalid JSON: %v", err)
		}
		j.inArray = true
	case '{':
		var first json.RawMessage
		if err := j.dec.Decode(&first); err != nil {
			return inputError(j.name, "invalid JSON: %v", err)
		}
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
		j.items = []json.RawMessage{first}
	default:
		if c == 0 || c > 0x7f {
			return inputError(j.name, "not JSON: binary data")
		}
		return inputError(j.name, "not JSON: starts with %q; want an array, NDJSON objects or {\"data\": [...]}", c)
	}
	return nil
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

// nextRaw returns the next record of any page.
func (j *jsonReader) nextRaw() (json.RawMessage, error) {
	for {
		if err := j.ctx.Err(); err != nil {
			return nil, err
		}
		if len(j.items) > 0 {
			raw := j.items[0]
			j.items = j.items[1:]
			return raw, nil
		}
		if j.dec != nil {
			if j.inArray {
				if j.dec.More() {
					var raw json.RawMessage
					if err := j.dec.Decode(&raw); err != nil {
						return nil, inputError(j.name, "invalid JSON after record %d: %v", j.n, err)
					}
					return raw, nil
				}
				if _, err := j.dec.Token(); err != nil {
					return nil, inputError(j.name, "invalid JSON: %v", err)
				}
				j.inArray = false
			}
			var raw json.RawMessage
			err := j.dec.Decode(&raw)
			if err == nil {
				return raw, nil
			}
			if !errors.Is(err, io.EOF) {
				return nil, inputError(j.name, "invalid JSON after record %d: %v", j.n, err)
			}
			j.body.Close()
			j.dec = nil
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

func (j *jsonReader) fetch(u string) error {
	if j.pages == nil {
		j.pages = map[string]bool{}
	}
	if j.pages[u] {
		return inputError(j.name, "the feed's next link leads back to a page already read (%s)", redactURL(u))
	}
	j.pages[u] = true
	resp, err := j.feed.get(j.ctx, u)
	if err != nil {
		return err
	}
	if next := linkNext(resp.Header.Get("Link")); next != "" {
		j.next = resolveURL(u, next)
	}
	return j.start(resp.Body, u)
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

func (j *jsonReader) Hash() string { return hex.EncodeToString(j.hasher.Sum(nil)) }

// feedFetcher GETs feed pages with a bearer token, a timeout, and retries
// with exponential backoff on 5xx, 429 and network errors.
type feedFetcher struct {
	name string
	opts FeedOptions
	log  *slog.Logger
	// origin is the host of the first URL fetched, the feed's own: the
	// bearer token goes only there, never to a host a "next" link names.
	origin string
}

func (f *feedFetcher) get(ctx context.Context, u string) (*http.Response, error) {
	client := f.opts.Client
	if client == nil {
		t := f.opts.Timeout
		if t <= 0 {
			t = 60 * time.Second
		}
		client = &http.Client{Timeout: t}
	}
	retries, delay := f.opts.Retries, f.opts.RetryDelay
	if retries <= 0 {
		retries = 4
	}
	if delay <= 0 {
		delay = time.Second
	}
	sameHost := false
	if p, err := url.Parse(u); err == nil {
		if f.origin == "" {
			f.origin = p.Host
		}
		sameHost = p.Host == f.origin
	}
	var lastErr error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			f.log.Warn("feed request failed, retrying", "url", redactURL(u), "attempt", attempt, "error", lastErr)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(delay):
			}
			delay *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			// The parser's message quotes the URL, query and all.
			return nil, inputError(f.name, "bad URL %s", redactURL(u))
		}
		req.Header.Set("Accept", "application/json, application/x-ndjson")
		if f.opts.Token != "" && sameHost {
			req.Header.Set("Authorization", "Bearer "+f.opts.Token)
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// Network errors quote the URL: keep a token in its query out
			// of logs and messages.
			var ue *url.Error
			if errors.As(err, &ue) {
				ue.URL = redactURL(ue.URL)
			}
			lastErr = err
			continue
		}
		if resp.StatusCode/100 == 2 {
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		lastErr = fmt.Errorf("HTTP %s", resp.Status)
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			continue
		}
		return nil, inputError(f.name, "GET %s: HTTP %s", redactURL(u), resp.Status)
	}
	return nil, cti3cx.Errorf(cti3cx.EUNAVAILABLE, "%s: GET %s failed after %d attempts: %v", f.name, redactURL(u), retries+1, lastErr)
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
