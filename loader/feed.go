package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cti3cx/cti3cx"
)

// Feed defaults.
const (
	DefaultFeedTimeout = 60 * time.Second
	DefaultFeedRetries = 4
	// NoRetries in FeedOptions.Retries means one attempt only (0 means
	// DefaultFeedRetries, so that a zero FeedOptions is the default feed).
	NoRetries = -1
	// maxRetryAfter caps how long a Retry-After header may hold a retry;
	// a server asking for more is reported, not waited for.
	maxRetryAfter = 10 * time.Minute
	maxRedirects  = 10
)

// FeedOptions tune HTTP(S) feeds.
type FeedOptions struct {
	Token string // bearer token, never logged
	// Timeout bounds reaching the server (connect, TLS, response headers)
	// and each gap between two reads of a body: an idle timeout, so that a
	// long healthy stream is never cut. 0 means DefaultFeedTimeout.
	Timeout    time.Duration
	Retries    int           // on 5xx, 429 and network errors; 0 means DefaultFeedRetries, NoRetries none
	RetryDelay time.Duration // first backoff, doubled each time (with jitter); 0 means 1s
	Client     *http.Client  // nil means a client with Timeout's transport limits

	MaxPageBytes int64    // one page's body; 0 means DefaultMaxPageBytes
	MaxFeedBytes int64    // all pages of an HTTP feed; 0 means DefaultMaxFeedBytes
	MaxPages     int      // pages of an HTTP feed; 0 means DefaultMaxFeedPages
	AllowHosts   []string // hosts a next link may lead to besides the feed's own
}

func (o FeedOptions) withDefaults() FeedOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultFeedTimeout
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultFeedRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.MaxFeedBytes <= 0 {
		o.MaxFeedBytes = DefaultMaxFeedBytes
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxFeedPages
	}
	return o
}

// feedFetcher GETs feed pages with a bearer token, timeouts, and retries
// with jittered exponential backoff on 5xx, 429 and network errors.
type feedFetcher struct {
	name   string
	opts   FeedOptions
	log    *slog.Logger
	client *http.Client
	// origin is the host of the first URL fetched, the feed's own: the
	// bearer token goes only there, and a next link stays there unless
	// AllowHosts names its host.
	origin string
	total  int64 // body bytes read over all pages
	pages  int
}

var (
	errRedirectLoop = errors.New("redirect loop")
	errPageTooLong  = errors.New("page too long")
	errFeedTooLong  = errors.New("feed too long")
)

func newFeedFetcher(name string, opts FeedOptions, log *slog.Logger) *feedFetcher {
	opts = opts.withDefaults()
	f := &feedFetcher{name: name, opts: opts, log: log, client: opts.Client}
	if f.client == nil {
		dialer := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
		f.client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   opts.Timeout,
			ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConns:          4,
			IdleConnTimeout:       90 * time.Second,
		}}
	}
	c := *f.client
	c.CheckRedirect = checkRedirect
	f.client = &c
	return f
}

// checkRedirect fails a redirect back to a URL of the same chain at once:
// it would loop, and retrying cannot help.
func checkRedirect(req *http.Request, via []*http.Request) error {
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return errRedirectLoop
		}
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects", errRedirectLoop, maxRedirects)
	}
	return nil
}

// allowed tells whether a page URL may be fetched: the feed's own host, or
// one AllowHosts names. The first URL fixes the origin.
func (f *feedFetcher) allowed(u string) (sameHost bool, err error) {
	p, perr := url.Parse(u)
	if perr != nil {
		return false, inputError(f.name, "bad URL %s", redactURL(u))
	}
	if f.origin == "" {
		f.origin = p.Host
	}
	if p.Host == f.origin {
		return true, nil
	}
	if slices.Contains(f.opts.AllowHosts, p.Host) || slices.Contains(f.opts.AllowHosts, p.Hostname()) {
		return false, nil
	}
	return false, inputError(f.name, "a next link leads to another host (%s): allow it with --feed-allow-host %s; nothing was written",
		redactURL(u), p.Host)
}

// backoff is the wait before retry attempt (1-based): RetryDelay doubled
// each time plus up to half of it at random, so that clients do not retry
// in lockstep; a Retry-After the server sent wins when longer.
func (f *feedFetcher) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := f.opts.RetryDelay << (attempt - 1)
	d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	return max(d, retryAfter)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// get fetches one page and returns its body, wrapped so that each gap
// between reads is bounded by the idle timeout and the page and the feed
// by their byte limits.
func (f *feedFetcher) get(ctx context.Context, u string) (*http.Response, *pageBody, error) {
	sameHost, err := f.allowed(u)
	if err != nil {
		return nil, nil, err
	}
	var lastErr error
	var retryAfter time.Duration
	for attempt := 0; attempt <= f.opts.Retries; attempt++ {
		if attempt > 0 {
			d := f.backoff(attempt, retryAfter)
			f.log.Warn("feed request failed, retrying", "url", redactURL(u), "attempt", attempt, "wait", d.Round(time.Millisecond), "error", lastErr)
			if err := sleepCtx(ctx, d); err != nil {
				return nil, nil, err
			}
		}
		resp, body, err := f.try(ctx, u, sameHost)
		if err == nil {
			return resp, body, nil
		}
		var re *retryable
		if !errors.As(err, &re) {
			return nil, nil, err
		}
		lastErr, retryAfter = re.err, re.after
		if retryAfter > maxRetryAfter {
			return nil, nil, cti3cx.Errorf(cti3cx.EUNAVAILABLE, "%s: GET %s: %v, and the server asks to retry after %s; nothing was written",
				f.name, redactURL(u), lastErr, retryAfter)
		}
	}
	return nil, nil, cti3cx.Errorf(cti3cx.EUNAVAILABLE, "%s: GET %s failed after %d attempts: %v", f.name, redactURL(u), f.opts.Retries+1, lastErr)
}

// retryable marks a failure worth another attempt, with the wait the
// server asked for.
type retryable struct {
	err   error
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }

func (f *feedFetcher) try(ctx context.Context, u string, sameHost bool) (*http.Response, *pageBody, error) {
	rctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		// The parser's message quotes the URL, query and all.
		return nil, nil, inputError(f.name, "bad URL %s", redactURL(u))
	}
	req.Header.Set("Accept", "application/json, application/x-ndjson")
	if f.opts.Token != "" && sameHost {
		req.Header.Set("Authorization", "Bearer "+f.opts.Token)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		// Network errors quote the URL: keep a token in its query out
		// of logs and messages.
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactURL(ue.URL)
		}
		if errors.Is(err, errRedirectLoop) {
			return nil, nil, inputError(f.name, "GET %s: the server redirects in a loop; nothing was written", redactURL(u))
		}
		return nil, nil, &retryable{err: err}
	}
	if resp.StatusCode/100 == 2 {
		return resp, f.newPageBody(resp.Body, cancel), nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	cancel()
	err = fmt.Errorf("HTTP %s", resp.Status)
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return nil, nil, &retryable{err: err, after: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	return nil, nil, inputError(f.name, "GET %s: HTTP %s", redactURL(u), resp.Status)
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// pageBody is one page's body: it cancels the request when no byte comes
// for the idle timeout, counts bytes against the page's and the feed's
// limits, and keeps the network error that cut a read short, so that the
// reader can tell a dropped connection from invalid JSON.
type pageBody struct {
	body   io.ReadCloser
	f      *feedFetcher
	cancel context.CancelFunc
	timer  *time.Timer
	n      int64

	mu     sync.Mutex
	idle   bool  // the idle timer fired
	netErr error // what cut the body short, if the network did
}

func (f *feedFetcher) newPageBody(body io.ReadCloser, cancel context.CancelFunc) *pageBody {
	f.pages++
	p := &pageBody{body: body, f: f, cancel: cancel}
	p.timer = time.AfterFunc(f.opts.Timeout, func() {
		p.mu.Lock()
		p.idle = true
		p.mu.Unlock()
		cancel()
	})
	return p
}

func (p *pageBody) Read(b []byte) (int, error) {
	p.timer.Reset(p.f.opts.Timeout)
	n, err := p.body.Read(b)
	p.n += int64(n)
	p.f.total += int64(n)
	switch {
	case p.n > p.f.opts.MaxPageBytes:
		return n, errPageTooLong
	case p.f.total > p.f.opts.MaxFeedBytes:
		return n, errFeedTooLong
	}
	if err != nil && !errors.Is(err, io.EOF) {
		p.mu.Lock()
		if p.idle {
			err = fmt.Errorf("no data for %s (--feed-timeout)", p.f.opts.Timeout)
		}
		p.netErr = err
		p.mu.Unlock()
	}
	return n, err
}

// cutShort is the network error that ended the body early, or nil.
func (p *pageBody) cutShort() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.netErr
}

func (p *pageBody) Close() error {
	p.timer.Stop()
	p.cancel()
	return p.body.Close()
}
