package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nginxBinary finds Debian's nginx (.ci/run installs nginx-light when it
// is missing); the proxy recipe is not proven without it.
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("nginx not found: apt-get install -y nginx-light (.ci/run installs it)")
	return ""
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// recipe is samples/nginx/cti3cx.conf with the test's addresses and
// certificate: every line the recipe depends on must be in it as written.
func recipe(t *testing.T, listen, upstream, certFile, keyFile string) string {
	t.Helper()
	raw, err := os.ReadFile("../../samples/nginx/cti3cx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(raw)
	for _, r := range []struct{ re, with string }{
		{`(?m)^    listen 443 ssl;$`, "    listen " + listen + " ssl;"},
		{`(?m)^    server 127\.0\.0\.1:8080;`, "    server " + upstream + ";"},
		{`(?m)^    ssl_certificate     \S+;$`, "    ssl_certificate     " + certFile + ";"},
		{`(?m)^    ssl_certificate_key \S+;$`, "    ssl_certificate_key " + keyFile + ";"},
	} {
		re := regexp.MustCompile(r.re)
		if !re.MatchString(conf) {
			t.Fatalf("the recipe has no line matching %s", r.re)
		}
		conf = re.ReplaceAllLiteralString(conf, r.with)
	}
	if !strings.Contains(conf, "underscores_in_headers on;") {
		t.Fatal("the recipe does not keep token_crm (underscores_in_headers on)")
	}
	return conf
}

// startNginx runs nginx in the foreground with the recipe in its own
// prefix, and waits for it to listen.
func startNginx(t *testing.T, conf, listen string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cti3cx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	u, _ := user.Current()
	main := fmt.Sprintf(`user %s;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 256; }
http {
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[2]s/cti3cx.conf;
}
`, u.Username, dir)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginxBinary(t), "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-g", "daemon off;")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// The workers inherit the output pipe: never wait on it for long.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM: the master stops its workers, then exits.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out, log)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", listen); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nginx did not listen on %s:\n%s", listen, out)
}

// The proxy recipe with a real nginx in front of the real binary: a
// consult-phone and an end-call go through with token_crm intact, over TLS,
// and the API sees the client's address and nginx's request id.
func TestE2EBehindNginx(t *testing.T) {
	w := newWorld(t)
	p := start(t, w.url, "--trusted-proxies", "127.0.0.1/32")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert := writeCert(t, certFile, keyFile, "nginx")
	listen := freePort(t)
	startNginx(t, recipe(t, listen, strings.TrimPrefix(p.base, "http://"), certFile, keyFile), listen)

	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	send := func(method, path, body string) (int, string, http.Header) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequestWithContext(context.Background(), method, "https://"+listen+path, rd)
		req.Header["token_crm"] = []string{w.acme.Token}
		req.Header["tenant"] = []string{"acme"}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s through nginx: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	status, body, hdr := send("GET", "/cti3cx/consult-phone/5547999887766", "")
	if status != 200 || !strings.Contains(body, `"id":"C-1001"`) {
		t.Fatalf("consult-phone through nginx: %d %s", status, body)
	}
	if id := hdr.Get("X-Request-Id"); len(id) != 32 {
		t.Errorf("X-Request-Id %q: want nginx's $request_id passed through", id)
	}
	callID := regexp.MustCompile(`"customvalue":"(\d+)"`).FindStringSubmatch(body)[1]
	status, body, _ = send("PUT", "/cti3cx/end-call/"+callID,
		`{"data":"2024-05-31","hora_inicio":"14:03:10","hora_fim":"14:07:55","telefone":"5547999887766","calltype":"Inbound","agent":"201"}`)
	if status != 200 || body != `{"success":"call `+callID+` recorded"}`+"\n" {
		t.Fatalf("end-call through nginx: %d %s", status, body)
	}
	var ended bool
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT ended_at IS NOT NULL FROM calls WHERE tenant_id = $1 AND call_no = $2`, w.acme.ID, callID).Scan(&ended); err != nil || !ended {
		t.Errorf("call %s not journaled through nginx (%v)", callID, err)
	}
	if status, _, _ := send("GET", "/metrics", ""); status != 404 {
		t.Errorf("/metrics through nginx: %d, want 404", status)
	}
	if strings.Contains(p.stderr.String(), "no token_crm") {
		t.Error("the API warned that token_crm was dropped, through the recipe")
	}
}
