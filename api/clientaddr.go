package api

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address a request comes from, for per-client limits.
// Behind a proxy every request comes from the proxy, so the proxy's
// X-Forwarded-For is read, but only when the connection comes from a
// trusted proxy (Deps.TrustedProxies): anyone else could write any address
// there. The header is read from the right, skipping trusted proxies, and
// the first address that is not one is the client: the entries left of it
// were written by the client and prove nothing.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	peer := remoteAddr(r.RemoteAddr)
	if !trusted(s.trustedProxies, peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing further left
		}
		a = a.Unmap()
		if !trusted(s.trustedProxies, a) {
			return a
		}
	}
	return peer
}

func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(s)
	return a.Unmap()
}
