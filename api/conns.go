package api

import (
	"container/list"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

// Connection limits' defaults.
const (
	// DefaultMaxConnsPerAddr is well above what one PBX opens (3CX's
	// MaxConcurrentRequests is at most 16) and far below what one attacker
	// needs to exhaust the process.
	DefaultMaxConnsPerAddr = 256
	// maxConnsCeiling caps the automatic total.
	maxConnsCeiling = 10000
)

// DefaultMaxConns is three quarters of the process's file-descriptor limit
// (the rest is for the database pool, logs and the listener), at most
// 10,000: beyond the limit accept fails and every new client waits.
func DefaultMaxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 1024
	}
	return int(min(lim.Cur*3/4, maxConnsCeiling))
}

// ConnLimits bound the connections a listener keeps.
type ConnLimits struct {
	// Max is the cap on open connections. At the cap a new connection
	// closes the one idle the longest (a kept-alive connection between
	// requests, or one that never sent a request); with none idle, the new
	// connection is closed.
	Max int
	// PerAddr caps one client address's open connections; a connection over
	// it is closed at once. Trusted proxies are exempt: every client behind
	// them shares their address.
	PerAddr int
	// Trusted are the proxies' addresses (see Deps.TrustedProxies).
	Trusted []netip.Prefix
}

// ConnLimiter wraps a listener with ConnLimits. Install its ConnState on
// the http.Server, which tells it which connections are idle.
type ConnLimiter struct {
	net.Listener
	limits ConnLimits

	mu     sync.Mutex
	open   int
	byAddr map[netip.Addr]int
	idle   *list.List // *limitedConn, idle the longest first
	conns  map[net.Conn]*limitedConn

	refused *prometheus.CounterVec
	gauge   prometheus.GaugeFunc
}

// LimitListener returns ln bounded by limits; zero limits take the defaults.
// Its metrics are registered in the server's registry.
func (s *Server) LimitListener(ln net.Listener, limits ConnLimits) *ConnLimiter {
	if limits.Max <= 0 {
		limits.Max = DefaultMaxConns()
	}
	if limits.PerAddr <= 0 {
		limits.PerAddr = DefaultMaxConnsPerAddr
	}
	l := &ConnLimiter{
		Listener: ln, limits: limits,
		byAddr: map[netip.Addr]int{}, idle: list.New(), conns: map[net.Conn]*limitedConn{},
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cti3cx_connections_closed_by_limit_total",
			Help: "Connections closed by the connection limits: reason per_addr (over the per-address cap), full (at the cap, none idle), evicted (the longest idle, to make room).",
		}, []string{"reason"}),
	}
	l.gauge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cti3cx_connections_open", Help: "Open client connections.",
	}, func() float64 { return float64(l.Open()) })
	for _, r := range []string{"per_addr", "full", "evicted"} {
		l.refused.WithLabelValues(r)
	}
	s.metrics.registry.MustRegister(l.refused, l.gauge)
	return l
}

// Open is the number of open connections.
func (l *ConnLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Accept returns the next connection within the limits, closing those over
// them.
func (l *ConnLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := l.admit(c); lc != nil {
			return lc, nil
		}
	}
}

func (l *ConnLimiter) admit(c net.Conn) *limitedConn {
	addr := peerAddr(c.RemoteAddr())
	exempt := trusted(l.limits.Trusted, addr)
	l.mu.Lock()
	if !exempt && l.byAddr[addr] >= l.limits.PerAddr {
		l.mu.Unlock()
		l.refused.WithLabelValues("per_addr").Inc()
		_ = c.Close()
		return nil
	}
	var evict *limitedConn
	if l.open >= l.limits.Max {
		front := l.idle.Front()
		if front == nil {
			l.mu.Unlock()
			l.refused.WithLabelValues("full").Inc()
			_ = c.Close()
			return nil
		}
		evict = front.Value.(*limitedConn)
		l.forgetLocked(evict)
	}
	lc := &limitedConn{Conn: c, l: l, addr: addr, exempt: exempt}
	l.open++
	if !exempt {
		l.byAddr[addr]++
	}
	// A new connection counts as idle until its first request arrives: one
	// that never sends anything is the first to go.
	lc.elem = l.idle.PushBack(lc)
	l.conns[lc] = lc
	l.mu.Unlock()
	if evict != nil {
		l.refused.WithLabelValues("evicted").Inc()
		_ = evict.Conn.Close()
	}
	return lc
}

// forgetLocked releases c's place; its Close then does nothing more.
func (l *ConnLimiter) forgetLocked(c *limitedConn) {
	if c.released {
		return
	}
	c.released = true
	if c.elem != nil {
		l.idle.Remove(c.elem)
		c.elem = nil
	}
	delete(l.conns, c)
	l.open--
	if !c.exempt {
		if l.byAddr[c.addr]--; l.byAddr[c.addr] <= 0 {
			delete(l.byAddr, c.addr)
		}
	}
}

// ConnState tracks which connections are idle; set it as the
// http.Server's ConnState.
func (l *ConnLimiter) ConnState(c net.Conn, state http.ConnState) {
	for {
		// TLS wraps our connection.
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = u.NetConn()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lc := l.conns[c]
	if lc == nil {
		return
	}
	switch state {
	case http.StateActive:
		if lc.elem != nil {
			l.idle.Remove(lc.elem)
			lc.elem = nil
		}
	case http.StateIdle:
		if lc.elem == nil {
			lc.elem = l.idle.PushBack(lc)
		}
	case http.StateHijacked, http.StateClosed:
		l.forgetLocked(lc)
	}
}

type limitedConn struct {
	net.Conn
	l        *ConnLimiter
	addr     netip.Addr
	exempt   bool
	elem     *list.Element // in l.idle while idle
	released bool          // guarded by l.mu
}

func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.forgetLocked(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

func peerAddr(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func trusted(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
