package api

import (
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Failed-authentication limits' defaults: a PBX with a wrong token fails
// a few times a minute; a prober fails thousands of times.
const (
	DefaultAuthFailureBurst  = 20
	DefaultAuthFailureRefill = 3 * time.Second // one more failure allowed every 3 s
	maxTrackedAddrs          = 10000
)

// failureLimiter is a token bucket per client address, spent by failed
// authentications. While an address's bucket is empty every request from
// it gets 429 before any credential is looked at, so that probing learns
// nothing more. Addresses are kept in a bounded LRU.
type failureLimiter struct {
	burst  float64
	refill time.Duration
	now    func() time.Time
	addrs  *lru[netip.Addr, *bucket]
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	at     time.Time
}

func newFailureLimiter(burst int, refill time.Duration) *failureLimiter {
	return &failureLimiter{burst: float64(burst), refill: refill, now: time.Now, addrs: newLRU[netip.Addr, *bucket](maxTrackedAddrs)}
}

// level refills b to now and returns its tokens; b.mu is held.
func (l *failureLimiter) level(b *bucket, now time.Time) float64 {
	b.tokens = math.Min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.refill))
	b.at = now
	return b.tokens
}

// blocked tells whether a has no failure left, and when it will.
func (l *failureLimiter) blocked(a netip.Addr) (time.Duration, bool) {
	b, ok := l.addrs.get(a)
	if !ok {
		return 0, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if tokens := l.level(b, l.now()); tokens < 1 {
		return time.Duration((1 - tokens) * float64(l.refill)), true
	}
	return 0, false
}

// fail spends one of a's failures.
func (l *failureLimiter) fail(a netip.Addr) {
	b, ok := l.addrs.get(a)
	if !ok {
		b = &bucket{tokens: l.burst, at: l.now()}
		l.addrs.put(a, b)
	}
	b.mu.Lock()
	l.level(b, l.now())
	b.tokens = math.Max(0, b.tokens-1)
	b.mu.Unlock()
}

// retryAfter is the Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
