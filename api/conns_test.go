package api

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// closed tells whether the server side closed c (a read sees EOF).
func closed(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

// At the cap the connection idle the longest makes room, an active one is
// never closed for it, and one address cannot exceed its share.
func TestConnLimiter(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{metrics: newMetrics(BuildInfo{Version: "test"})}
	l := s.LimitListener(raw, ConnLimits{Max: 3, PerAddr: 2})
	defer l.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func(src string) (client, server net.Conn) {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		c, err := d.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		select {
		case sc := <-accepted:
			return c, sc
		case <-time.After(300 * time.Millisecond):
			return c, nil // refused
		}
	}
	a1, sa1 := dial("127.0.0.2")
	_, sa2 := dial("127.0.0.2")
	if c, sc := dial("127.0.0.2"); sc != nil || !closed(t, c) {
		t.Error("a third connection from one address was kept (cap 2)")
	}
	b1, sb1 := dial("127.0.0.3")
	// a1 and a2 serve a request; b1 waits idle: b1 is the one to go.
	l.ConnState(sa1, http.StateActive)
	l.ConnState(sa2, http.StateActive)
	l.ConnState(sa2, http.StateIdle)
	c1, sc1 := dial("127.0.0.4")
	if sc1 == nil || !closed(t, b1) || closed(t, a1) || closed(t, c1) {
		t.Errorf("at the cap: new %v, idle b1 closed %v, active a1 closed %v", sc1 != nil, closed(t, b1), closed(t, a1))
	}
	_ = sb1
	if l.Open() != 3 {
		t.Errorf("%d open, want 3", l.Open())
	}
	// Now sa2 (idle since) goes next; with every connection active, a new
	// one is refused.
	l.ConnState(sc1, http.StateActive)
	l.ConnState(sa2, http.StateActive)
	if c, sc := dial("127.0.0.5"); sc != nil || !closed(t, c) {
		t.Error("a connection was admitted with every open one active")
	}
	// Closing releases the place and the address's share.
	_ = sa1.Close()
	if _, sc := dial("127.0.0.2"); sc == nil {
		t.Error("no room after a connection closed")
	}
}
