package loader_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// A token in the feed URL's query must not reach logs or the error, even
// when the network error quotes the URL.
func TestFeedErrorsHideTheQuery(t *testing.T) {
	db, ten := runTenant(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused

	var logs bytes.Buffer
	_, err = loader.Import(context.Background(), db, ten, loader.Options{
		Feed: "http://" + dead + "/contacts?api_key=SECRETQ", Kind: "contacts",
		FeedOptions: loader.FeedOptions{Retries: 2, RetryDelay: time.Millisecond},
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err == nil {
		t.Fatal("a dead feed imported")
	}
	if all := logs.String() + err.Error(); strings.Contains(all, "SECRETQ") {
		t.Fatalf("the query's token leaked:\n%s", all)
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("no retry was logged:\n%s", logs.String())
	}
}

// The bearer token is for the feed's own host: a next link to another host
// is refused unless allowed, and followed without the token when it is.
func TestFeedTokenStaysOnItsHost(t *testing.T) {
	db, ten := runTenant(t)
	var mu sync.Mutex
	var otherAuth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		otherAuth = append(otherAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		fmt.Fprint(w, `[{"codigo":"X-2","nome":"Bia"}]`)
	}))
	defer other.Close()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"data":[{"codigo":"X-1","nome":"Ana"}],"next":%q}`, other.URL+"/page2")
	}))
	defer feed.Close()

	_, err := loader.Import(context.Background(), db, ten, loader.Options{
		Feed: feed.URL + "/contacts", Kind: "contacts", FeedOptions: loader.FeedOptions{Token: "s3cret"},
		Logger: schematest.Logger(t),
	})
	otherHost := strings.TrimPrefix(other.URL, "http://")
	if cti3cx.ErrorCode(err) != cti3cx.EINVALID || !strings.Contains(err.Error(), "--feed-allow-host "+otherHost) || len(otherAuth) != 0 {
		t.Fatalf("a next link to another host, not allowed: %v (other host asked %d times)", err, len(otherAuth))
	}
	sum, err := loader.Import(context.Background(), db, ten, loader.Options{
		Feed: feed.URL + "/contacts", Kind: "contacts",
		FeedOptions: loader.FeedOptions{Token: "s3cret", AllowHosts: []string{otherHost}},
		Logger:      schematest.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != 2 {
		t.Fatalf("read %d rows, want both pages' 2", sum.RowsRead)
	}
	if len(otherAuth) != 1 || otherAuth[0] != "" {
		t.Fatalf("the other host got Authorization %q", otherAuth)
	}
}

// A next link back to a page already read is an error, not an endless
// import inside one transaction.
func TestFeedPagingLoopIsAnError(t *testing.T) {
	db, ten := runTenant(t)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := "/a"
		if r.URL.Path == "/a" {
			next = "/b"
		}
		fmt.Fprintf(w, `{"data":[{"codigo":%q,"nome":"N"}],"next":%q}`, r.URL.Path, srv.URL+next)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := loader.Import(ctx, db, ten, loader.Options{Feed: srv.URL + "/a", Kind: "contacts", Logger: schematest.Logger(t)})
	if cti3cx.ErrorCode(err) != cti3cx.EINVALID || !strings.Contains(err.Error(), "already read") {
		t.Fatalf("a looping feed: %v", err)
	}
}

// feedImport imports srv's /contacts with fast retries.
func feedImport(t *testing.T, url string, fo loader.FeedOptions) (loader.Summary, error) {
	t.Helper()
	db, ten := runTenant(t)
	if fo.RetryDelay == 0 {
		fo.RetryDelay = time.Millisecond
	}
	return loader.Import(context.Background(), db, ten, loader.Options{Feed: url, Kind: "contacts", FeedOptions: fo, Logger: schematest.Logger(t)})
}

// The timeout is an idle timeout: a body that stalls fails (a network
// error, exit 1, after its retries), one that trickles steadily does not.
func TestFeedIdleTimeout(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `[{"codigo":"1","nome":"A"},`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer stall.Close()
	start := time.Now()
	_, err := feedImport(t, stall.URL, loader.FeedOptions{Timeout: 300 * time.Millisecond, Retries: 1})
	if cti3cx.ErrorCode(err) != cti3cx.EUNAVAILABLE || !strings.Contains(err.Error(), "no data for 300ms") || strings.Contains(err.Error(), "invalid JSON") {
		t.Fatalf("a stalled body: %v", err)
	}
	if hits.Load() != 2 || time.Since(start) > 5*time.Second {
		t.Fatalf("stalled page fetched %d times in %s, want 2 (one retry) quickly", hits.Load(), time.Since(start))
	}

	trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "[")
		for i := range 12 {
			if i > 0 {
				io.WriteString(w, ",")
			}
			fmt.Fprintf(w, `{"codigo":"T-%d","nome":"N"}`, i)
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
		io.WriteString(w, "]")
	}))
	defer trickle.Close()
	sum, err := feedImport(t, trickle.URL, loader.FeedOptions{Timeout: 400 * time.Millisecond, Retries: loader.NoRetries})
	if err != nil || sum.Inserted != 12 {
		t.Fatalf("a 1.2 s stream with 100 ms gaps under a 400 ms idle timeout: %+v %v", sum.ImportCounts, err)
	}
}

// A connection dropped in the middle of a page is a network error: the page
// is fetched again and its records already read are skipped; a page that
// always drops fails with exit 1, not "invalid JSON".
func TestFeedDroppedPage(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("[")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"codigo":"D-%d","nome":"Nome %d"}`, i, i)
	}
	b.WriteString("]")
	page := b.String()
	drop := func(always bool) *httptest.Server {
		var hits atomic.Int32
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := hits.Add(1)
			w.Header().Set("Content-Length", strconv.Itoa(len(page)))
			if always || n == 1 {
				io.WriteString(w, page[:len(page)/2])
				w.(http.Flusher).Flush()
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			io.WriteString(w, page)
		}))
	}
	once := drop(false)
	defer once.Close()
	sum, err := feedImport(t, once.URL, loader.FeedOptions{Retries: 2})
	if err != nil || sum.Inserted != 2000 || sum.RowsRead != 2000 {
		t.Fatalf("a page dropped once: %+v %v", sum.ImportCounts, err)
	}
	always := drop(true)
	defer always.Close()
	_, err = feedImport(t, always.URL, loader.FeedOptions{Retries: 2})
	if cti3cx.ErrorCode(err) != cti3cx.EUNAVAILABLE || strings.Contains(err.Error(), "invalid JSON") || !strings.Contains(err.Error(), "3 attempts") {
		t.Fatalf("a page that always drops: %v", err)
	}
}

// A redirect loop fails at once (exit 2), without retries.
func TestFeedRedirectLoop(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		to := "/b"
		if r.URL.Path == "/b" {
			to = "/a"
		}
		http.Redirect(w, r, to, http.StatusFound)
	}))
	defer srv.Close()
	start := time.Now()
	_, err := feedImport(t, srv.URL+"/a", loader.FeedOptions{RetryDelay: time.Second})
	if cti3cx.ErrorCode(err) != cti3cx.EINVALID || !strings.Contains(err.Error(), "redirects in a loop") {
		t.Fatalf("a redirect loop: %v", err)
	}
	if hits.Load() > 3 || time.Since(start) > 2*time.Second {
		t.Fatalf("redirect loop: %d requests in %s, want it to fail at once", hits.Load(), time.Since(start))
	}
}

// Retry-After is honoured; NoRetries (--feed-retries 0) means one attempt.
func TestFeedRetryAfterAndNoRetries(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, `[{"codigo":"R-1","nome":"N"}]`)
	}))
	defer srv.Close()
	start := time.Now()
	sum, err := feedImport(t, srv.URL, loader.FeedOptions{Retries: 2})
	if err != nil || sum.Inserted != 1 {
		t.Fatalf("429 then 200: %+v %v", sum.ImportCounts, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %s, before the server's Retry-After: 1", d)
	}

	var down atomic.Int32
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		down.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer dead.Close()
	_, err = feedImport(t, dead.URL, loader.FeedOptions{Retries: loader.NoRetries})
	if cti3cx.ErrorCode(err) != cti3cx.EUNAVAILABLE || down.Load() != 1 {
		t.Fatalf("no retries: %v after %d requests, want unavailable (exit 1) after 1", err, down.Load())
	}
}

// A feed whose pages never end stops at the page limit; a record that never
// ends stops at the record limit; a page over its limit stops there. Each is
// exit 2 naming the limit, and nothing is written.
func TestFeedLimits(t *testing.T) {
	t.Parallel()
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("p"))
		fmt.Fprintf(w, `{"data":[{"codigo":"P-%d","nome":"N"}],"next":"/?p=%d"}`, n, n+1)
	}))
	t.Cleanup(endless.Close)
	endlessString := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[{"codigo":"1","nome":"`)
		chunk := strings.Repeat("a", 64<<10)
		for r.Context().Err() == nil {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(endlessString.Close)
	bigPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":[`)
		for i := range 5000 {
			fmt.Fprintf(w, `{"codigo":"B-%d","nome":"Nome"},`, i)
		}
		io.WriteString(w, `{"codigo":"last"}]}`)
	}))
	t.Cleanup(bigPage.Close)
	for _, c := range []struct {
		name, url string
		fo        loader.FeedOptions
		want      string
	}{
		{"endless pages", endless.URL, loader.FeedOptions{MaxPages: 5}, "more than 5 pages; raise the limit with --feed-max-pages"},
		{"endless string", endlessString.URL, loader.FeedOptions{}, "record 1: longer than 1 MiB; raise the limit with --max-record-bytes"},
		{"big page", bigPage.URL, loader.FeedOptions{MaxPageBytes: 64 << 10}, "page 1: longer than 64 KiB; raise the limit with --feed-max-page-bytes"},
		{"big feed", endless.URL, loader.FeedOptions{MaxFeedBytes: 1000}, "longer than 1000 bytes in all; raise the limit with --feed-max-bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db, ten := runTenant(t)
			c.fo.RetryDelay = time.Millisecond
			_, err := loader.Import(context.Background(), db, ten, loader.Options{Feed: c.url, Kind: "contacts", FeedOptions: c.fo, Logger: schematest.Logger(t)})
			if cti3cx.ErrorCode(err) != cti3cx.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want exit 2 with %q", err, c.want)
			}
			var n int
			if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM contacts`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d contacts written (%v)", n, err)
			}
		})
	}
}
