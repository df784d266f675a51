package api_test

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Failed authentications are limited per client address: once spent, 429
// with Retry-After for every request from it, a valid token included,
// while other clients go on.
func TestAuthFailuresRateLimited(t *testing.T) {
	f := newFixture(t, api.Deps{AuthFailureBurst: 3, AuthFailureRefill: time.Hour})
	wrong := map[string]string{"token_crm": "c3x_wrong", "tenant": "acme"}
	for i := range 3 {
		if r := f.do("GET", "/cti3cx/consult-phone/5547999887766", wrong, ""); r.status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.status, r.body)
		}
	}
	for _, hdr := range []map[string]string{wrong, auth(f.acme), {"token_crm": "x", "tenant": "nobody"}} {
		r := f.do("GET", "/cti3cx/consult-phone/5547999887766", hdr, "")
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if r.status != 429 || err != nil || secs < 1 || secs > 3600 || !strings.HasPrefix(r.body, `{"error":"too many failed authentications`) {
			t.Errorf("after the burst: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
		}
	}
	// A proxy's X-Forwarded-For is not believed from an untrusted peer.
	spoof := map[string]string{"token_crm": f.acme.Token, "tenant": "acme", "X-Forwarded-For": "203.0.113.7"}
	if r := f.do("GET", "/cti3cx/consult-phone/5547999887766", spoof, ""); r.status != 429 {
		t.Errorf("X-Forwarded-For from an untrusted peer escaped the limit: %d", r.status)
	}
}

// Behind a trusted proxy each client has its own budget, read from the
// proxy's X-Forwarded-For (its last hop), and what a client wrote in the
// header itself is not believed.
func TestAuthFailuresPerClientBehindTrustedProxy(t *testing.T) {
	f := newFixture(t, api.Deps{AuthFailureBurst: 2, AuthFailureRefill: time.Hour,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	from := func(xff, token string) int {
		return f.do("GET", "/cti3cx/consult-phone/5547999887766", map[string]string{"token_crm": token, "tenant": "acme", "X-Forwarded-For": xff}, "").status
	}
	for range 2 {
		from("198.51.100.1, 203.0.113.7", "c3x_wrong") // the client forged 198.51.100.1
	}
	if s := from("203.0.113.7", "c3x_wrong"); s != 429 {
		t.Errorf("the prober's third failure: %d, want 429", s)
	}
	if s := from("198.51.100.1, 203.0.113.7", f.acme.Token); s != 429 {
		t.Errorf("the prober with a forged first hop: %d, want 429", s)
	}
	if s := from("203.0.113.8", f.acme.Token); s != 200 {
		t.Errorf("another client behind the proxy: %d, want 200", s)
	}
}

// A tenant header without token_crm (a proxy dropping underscores) is
// logged once, naming the cause, however many requests arrive so.
func TestWarnsOnceAboutDroppedToken(t *testing.T) {
	var buf lockedBuffer
	f := newFixture(t, api.Deps{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	for range 3 {
		if r := f.do("GET", "/cti3cx/consult-phone/5547999887766", map[string]string{"tenant": "acme"}, ""); r.status != 401 {
			t.Fatalf("no token: %d", r.status)
		}
	}
	if n := strings.Count(buf.String(), "underscores_in_headers on"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, buf.String())
	}
}
