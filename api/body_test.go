package api_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
)

// rawEndCall opens a connection, sends end-call's headers announcing the
// whole body, then only part of it, and returns the connection.
func (f *fixture) rawEndCall(t *testing.T, id, part string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(f.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "PUT /cti3cx/end-call/%s HTTP/1.1\r\nHost: x\r\ntoken_crm: %s\r\ntenant: acme\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		id, f.acme.Token, len(goodBody), part)
	return c.(*net.TCPConn)
}

func readReply(t *testing.T, c net.Conn) (int, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A body that arrives too slowly is 408, whatever the database deadline:
// the deadline starts once the body is in. A body cut short is 400. Neither
// answer names an address.
func TestEndCallSlowAndBrokenBodies(t *testing.T) {
	f := newFixture(t, api.Deps{BodyTimeout: 300 * time.Millisecond, RequestTimeout: 200 * time.Millisecond})
	id := f.newCall(t)

	c := f.rawEndCall(t, id, goodBody[:20])
	start := time.Now()
	status, body := readReply(t, c)
	if status != 408 || body != `{"error":"request body did not arrive in time"}`+"\n" {
		t.Errorf("slow body: %d %s", status, body)
	}
	if took := time.Since(start); took < 250*time.Millisecond || took > 3*time.Second {
		t.Errorf("slow body answered after %v, want about the 300ms body timeout", took)
	}

	// Slower than the database deadline but within the body timeout: the
	// database deadline must not have started while the body trickled in.
	c = f.rawEndCall(t, id, goodBody[:20])
	time.Sleep(250 * time.Millisecond)
	_, _ = io.WriteString(c, goodBody[20:])
	if status, body := readReply(t, c); status != 200 {
		t.Errorf("body within the body timeout but after the database deadline: %d %s", status, body)
	}

	c = f.rawEndCall(t, id, goodBody[:20])
	_ = c.CloseWrite()
	status, body = readReply(t, c)
	if status != 400 || !strings.Contains(body, "connection failed before the body was complete") {
		t.Errorf("cut body: %d %s", status, body)
	}
	for _, b := range []string{body} {
		if strings.Contains(b, "127.0.0.1") || strings.Contains(b, "tcp") {
			t.Errorf("body names an address: %s", b)
		}
	}
}

// With MetricsElsewhere the public handler has no /metrics; MetricsHandler
// serves it, with the build's stamp, for the separate listener.
func TestMetricsElsewhere(t *testing.T) {
	f := newFixture(t, api.Deps{MetricsElsewhere: true, Version: api.BuildInfo{Version: "v9.9.9", Revision: "abc123", Time: "2026-12-01T00:00:00Z", GoVersion: "go1.x"}})
	if r := f.do("GET", "/metrics", nil, ""); r.status != 404 {
		t.Errorf("public /metrics: %d", r.status)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := f.do("GET", p, nil, ""); r.status != 200 {
			t.Errorf("public %s: %d", p, r.status)
		}
	}
	ms := httptest.NewServer(f.srv.MetricsHandler())
	defer ms.Close()
	for _, p := range []string{"/metrics", "/readyz"} {
		resp, err := http.Get(ms.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("metrics listener %s: %d", p, resp.StatusCode)
		}
		want := `cti3cx_build_info{goversion="go1.x",modified="false",revision="abc123",vcs_time="2026-12-01T00:00:00Z",version="v9.9.9"} 1`
		if p == "/metrics" && !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
