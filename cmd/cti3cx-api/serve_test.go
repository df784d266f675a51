package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 named cn.
func writeCert(t *testing.T, certFile, keyFile, cn string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalPKCS8PrivateKey(key)
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func waitLog(t *testing.T, p *proc, want string, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Count(p.stderr.String(), want) >= n {
			return
		}
	}
	t.Fatalf("no %q in the log", want)
}

// HTTPS in the binary: TLS 1.2 and later only; SIGHUP swaps the certificate
// for new handshakes without dropping a connection already open; a broken
// file keeps the current certificate.
func TestE2ETLSReloadOnSIGHUP(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	a := writeCert(t, certFile, keyFile, "first")
	p := start(t, w.url, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(p.base, "https://") {
		t.Fatalf("announced %s", p.base)
	}
	pool := x509.NewCertPool()
	pool.AddCert(a)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(c *http.Client) (cn string, reused bool) {
		t.Helper()
		req, _ := http.NewRequest("GET", p.base+"/cti3cx/consult-phone/5547999887766", nil)
		req.Header["token_crm"] = []string{w.acme.Token}
		req.Header["tenant"] = []string{"acme"}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
		}))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return resp.TLS.PeerCertificates[0].Subject.CommonName, reused
	}
	if cn, _ := get(client); cn != "first" {
		t.Fatalf("served %q", cn)
	}

	b := writeCert(t, certFile, keyFile, "second")
	pool.AddCert(b)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, "TLS certificate reloaded", 1)
	if cn, reused := get(client); cn != "first" || !reused {
		t.Errorf("the open connection after SIGHUP: %q, reused %v (want the old certificate on the same connection)", cn, reused)
	}
	fresh := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if cn, _ := get(fresh); cn != "second" {
		t.Errorf("a new connection after SIGHUP got %q, want second", cn)
	}

	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, p, "TLS certificate not reloaded", 1)
	fresh = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if cn, _ := get(fresh); cn != "second" {
		t.Errorf("after a broken file: %q, want the current certificate kept", cn)
	}

	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get(p.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}
}

// --metrics-addr moves /metrics off the public listener; the build's stamp
// is in cti3cx_build_info and in --version alike.
func TestE2EMetricsListenerAndVersion(t *testing.T) {
	w := newWorld(t)
	p := start(t, w.url, "--metrics-addr", "127.0.0.1:0")
	if p.metrics == "" {
		t.Fatal("no metrics address announced")
	}
	if status, _ := p.do(t, "GET", "/metrics", nil, ""); status != 404 {
		t.Errorf("public /metrics: %d", status)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, body := p.do(t, "GET", path, nil, ""); status != 200 {
			t.Errorf("public %s: %d %s", path, status, body)
		}
	}
	resp, err := http.Get(p.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	out, err := exec.Command(binary(t), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	// cti3cx-api (devel) revision REV (TIME[, modified]) GOVERSION
	fields := strings.Fields(string(out))
	if len(fields) < 5 || fields[0] != "cti3cx-api" || fields[2] != "revision" {
		t.Fatalf("--version: %q", out)
	}
	rev := fields[3]
	if !strings.Contains(string(body), `cti3cx_build_info{`) || !strings.Contains(string(body), `revision="`+rev) {
		t.Errorf("metrics lack cti3cx_build_info with revision %s", rev)
	}
	// In a git clone the build is stamped with its commit (a worktree or a
	// tarball has no stamp: "unknown").
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && rev != "unknown" &&
		!strings.HasPrefix(strings.TrimSpace(string(head)), rev) {
		t.Errorf("--version names revision %s, the checkout is at %s", rev, head)
	}
}

// holdIdle opens n keep-alive connections from the loopback address src,
// each after one request, and keeps them open.
func holdIdle(t *testing.T, addr, src string, n int) []net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	var conns []net.Conn
	for range n {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("attacker %s: %v", src, err)
		}
		conns = append(conns, c)
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	return conns
}

// An attacker holding many kept-alive connections, from many addresses,
// more than the process has file descriptors for: a legitimate
// consult-phone still answers within its deadline, because at the cap the
// longest idle connection makes room; one address cannot hold more than its
// share.
func TestE2EIdleConnectionsDoNotStarveConsultPhone(t *testing.T) {
	w := newWorld(t)
	const fdLimit = 1024
	held := 1500 // above the descriptor limit
	if v, err := strconv.Atoi(os.Getenv("CTI3CX_E2E_IDLE_CONNS")); err == nil && v > 0 {
		held = v
	}
	const perAddr = 50
	p := startWrapped(t, w.url, []string{"sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$@"`, fdLimit), "sh"},
		"--max-conns-per-addr", strconv.Itoa(perAddr), "--idle-timeout", "5m")
	addr := strings.TrimPrefix(p.base, "http://")

	start := time.Now()
	var mu sync.Mutex
	var all []net.Conn
	var wg sync.WaitGroup
	for i := 0; i*perAddr < held; i++ {
		wg.Add(1)
		go func(src string) {
			defer wg.Done()
			conns := holdIdle(t, addr, src, min(perAddr, held-i*perAddr))
			mu.Lock()
			all = append(all, conns...)
			mu.Unlock()
		}(fmt.Sprintf("127.0.1.%d", i+1))
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range all {
			c.Close()
		}
	})
	t.Logf("attacker opened %d kept-alive connections from %d addresses in %v (server file-descriptor limit %d)",
		len(all), (held+perAddr-1)/perAddr, time.Since(start).Round(time.Millisecond), fdLimit)

	// One more from an address at its cap is closed at once.
	extra := holdIdle(t, addr, "127.0.1.1", 1)
	_ = extra[0].SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := extra[0].Read(make([]byte, 1)); err == nil || n > 0 {
		t.Error("an address over its cap kept a connection")
	}
	extra[0].Close()

	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var took []time.Duration
	for range 20 {
		req, _ := http.NewRequest("GET", p.base+"/cti3cx/consult-phone/5547999887766", nil)
		req.Header["token_crm"] = []string{w.acme.Token}
		req.Header["tenant"] = []string{"acme"}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("consult-phone while %d connections are held: %v", len(all), err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took = append(took, time.Since(t0))
		if resp.StatusCode != 200 {
			t.Fatalf("consult-phone: %d", resp.StatusCode)
		}
	}
	slices.Sort(took)
	t.Logf("consult-phone with %d connections held: median %v, max %v (20 requests, each on a new connection)",
		len(all), took[len(took)/2].Round(time.Microsecond), took[len(took)-1].Round(time.Microsecond))
	if took[len(took)-1] > time.Second {
		t.Errorf("slowest consult-phone took %v, over its 1 s deadline", took[len(took)-1])
	}
}
