package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := schematest.Run(m) // drops the test databases this binary created
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds the real cti3cx-api once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "cti3cx-api-e2e")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "cti3cx-api")
		// -buildvcs=auto: stamp the revision when the checkout allows it,
		// whatever GOFLAGS says, as make build does.
		out, err := exec.Command("go", "build", "-race", "-buildvcs=auto", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running cti3cx-api.
type proc struct {
	cmd     *exec.Cmd
	base    string
	metrics string // the metrics listener's base URL, with --metrics-addr
	stderr  *syncBuffer
	done    chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the binary on a random loopback port and waits for the line
// that announces its address.
func start(t *testing.T, dbURL string, args ...string) *proc {
	t.Helper()
	return startWrapped(t, dbURL, nil, args...)
}

// startWrapped runs the binary through wrap (e.g. a shell that lowers its
// file-descriptor limit), which must exec its arguments.
func startWrapped(t *testing.T, dbURL string, wrap []string, args ...string) *proc {
	t.Helper()
	argv := append(append(wrap, binary(t), "--addr", "127.0.0.1:0", "--auth-ttl", "0", "--log-level", "debug"), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("cti3cx-api stderr:\n%s", p.stderr)
		}
	})
	lines, metricsLine := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m, ok := strings.CutPrefix(sc.Text(), "cti3cx-api metrics on "); ok {
				metricsLine <- strings.TrimSuffix(m, "/metrics")
			}
			if strings.HasPrefix(sc.Text(), "cti3cx-api listening on ") {
				lines <- strings.TrimPrefix(sc.Text(), "cti3cx-api listening on ")
			}
		}
	}()
	select {
	case p.base = <-lines:
	case err := <-p.done:
		t.Fatalf("cti3cx-api exited: %v\n%s", err, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("cti3cx-api did not start:\n%s", p.stderr)
	}
	// The metrics line comes before the listening one.
	select {
	case p.metrics = <-metricsLine:
	default:
	}
	return p
}

func (p *proc) do(t *testing.T, method, path string, ten *apitest.Tenant, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if ten != nil {
		req.Header["token_crm"] = []string{ten.Token}
		req.Header["tenant"] = []string{ten.Slug}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *proc) contacts(t *testing.T, path string, ten *apitest.Tenant) []api.Contact {
	t.Helper()
	status, body := p.do(t, "GET", path, ten, "")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var r api.ConsultResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return r.Contact
}

// world is a database with two tenants holding the same ids and numbers.
type world struct {
	url        string
	db         *schema.DB
	acme, beta *apitest.Tenant
}

func newWorld(t *testing.T) *world {
	t.Helper()
	u := schematest.URL(t)
	db, err := schema.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	w := &world{url: u, db: db}
	w.acme = apitest.NewTenant(t, db, schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	w.beta = apitest.NewTenant(t, db, schema.Tenant{Slug: "beta", DefaultDDD: "47"})
	for _, ten := range []*apitest.Tenant{w.acme, w.beta} {
		acc := ten.Account(t, "A-1", ten.Slug+" Ltda", "", "")
		c := ten.Contact(t, "C-1001", "Maria of "+ten.Slug, "Silva", "", &acc, "")
		ten.ContactPhone(t, c, schema.FieldMobile, 0, "+5547999887766")
		sp := ten.Contact(t, "C-SP", "Paulo of "+ten.Slug, "", "", nil, "")
		ten.ContactPhone(t, sp, schema.FieldMobile, 0, "+5511987654321")
	}
	return w
}

func TestE2ECallerFormsAndTenants(t *testing.T) {
	w := newWorld(t)
	p := start(t, w.url)
	for _, tc := range []struct{ number, id string }{
		{"+5547999887766", "C-1001"},
		{"0047999887766", "C-1001"}, // the tenant's dial format (outbound)
		{"5547999887766", "C-1001"},
		{"005547999887766", "C-1001"},
		{"47999887766", "C-1001"},
		{"047999887766", "C-1001"},
		{"999887766", "C-1001"},  // without DDD: the tenant's default
		{"4799887766", "C-1001"}, // legacy 8-digit mobile
		{"87654321", "C-SP"},     // 3CX's last 8 digits
		{"987654321", "C-SP"},    // last 9
		{"1987654321", "C-SP"},   // last 10
		{"11987654321", "C-SP"},  // national, another DDD
		{"+5511987654321", "C-SP"},
	} {
		for _, ten := range []*apitest.Tenant{w.acme, w.beta} {
			cs := p.contacts(t, "/cti3cx/consult-phone/"+tc.number, ten)
			if len(cs) != 1 || cs[0].ID != tc.id || !strings.HasSuffix(cs[0].FirstName, "of "+ten.Slug) {
				t.Errorf("%s as %s: %+v", tc.number, ten.Slug, cs)
				continue
			}
			if cs[0].MobilePhone != tc.number {
				t.Errorf("%s: mobilephone %q, want the number as sent", tc.number, cs[0].MobilePhone)
			}
		}
	}
	// A call belongs to the tenant whose lookup made it.
	cs := p.contacts(t, "/cti3cx/consult-phone/5547999887766", w.acme)
	body := `{"data":"2024-05-31","hora_inicio":"10:00","hora_fim":"10:05","telefone":"5547999887766","calltype":"Inbound","agent":"201"}`
	if status, b := p.do(t, "PUT", "/cti3cx/end-call/"+cs[0].CustomValue, w.beta, body); status != 404 {
		t.Errorf("beta ended acme's call: %d %s", status, b)
	}
	if status, b := p.do(t, "PUT", "/cti3cx/end-call/"+cs[0].CustomValue, w.acme, body); status != 200 {
		t.Errorf("acme's end-call: %d %s", status, b)
	}
}

func TestE2ETokensAndPlaceholder(t *testing.T) {
	w := newWorld(t)
	p := start(t, w.url)
	ctx := context.Background()
	wrong := *w.acme
	wrong.Token = "c3x_not-a-token"
	crossed := *w.acme
	crossed.Token = w.beta.Token
	revoked := apitest.NewTenant(t, w.db, schema.Tenant{Slug: "gone", DefaultDDD: "47"})
	if status, _ := p.do(t, "GET", "/cti3cx/consult-phone/5547999887766", revoked, ""); status != 404 {
		t.Fatalf("before revocation: %d", status)
	}
	if err := w.db.RevokeToken(ctx, revoked.ID, revoked.TokenID); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, ten := range []*apitest.Tenant{&wrong, &crossed, revoked} {
		status, body := p.do(t, "GET", "/cti3cx/consult-phone/5547999887766", ten, "")
		if status != 401 {
			t.Errorf("%s/%s: %d %s", ten.Slug, ten.Token[:6], status, body)
		}
		bodies = append(bodies, body)
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("401 bodies differ: %q", bodies)
	}

	if status, _ := p.do(t, "GET", "/cti3cx/consult-phone/4733330000", w.acme, ""); status != 404 {
		t.Fatalf("unknown number without placeholder: %d", status)
	}
	ten := w.acme.Tenant
	ten.Settings.PlaceholderUnknown = true
	if _, err := w.db.UpdateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	cs := p.contacts(t, "/cti3cx/consult-phone/4733330000", w.acme)
	if len(cs) != 1 || cs[0].FirstName != "4733330000" || cs[0].CustomValue == "" {
		t.Fatalf("placeholder: %+v", cs)
	}
	body := `{"data":"31/05/2024","hora_inicio":"23:58","hora_fim":"00:02","telefone":"4733330000","calltype":"missed","agent":"201"}`
	for range 2 {
		if status, b := p.do(t, "PUT", "/cti3cx/end-call/"+cs[0].CustomValue, w.acme, body); status != 200 {
			t.Fatalf("end-call of a placeholder call: %d %s", status, b)
		}
	}
	if status, b := p.do(t, "PUT", "/cti3cx/end-call/"+cs[0].CustomValue, w.acme, `{“data”: “31/05/2024”}`); status != 400 {
		t.Errorf("typographic quotes: %d %s", status, b)
	}
	if status, b := p.do(t, "PUT", "/cti3cx/end-call/"+cs[0].CustomValue, w.acme, strings.Replace(body, "missed", "busy", 1)); status != 422 || !strings.Contains(b, "calltype") {
		t.Errorf("bad calltype: %d %s", status, b)
	}
	calls, err := w.db.ListCalls(ctx, w.acme.ID, schema.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	last := calls[len(calls)-1]
	if last.Type != "Missed" || *last.Duration != 4*time.Minute {
		t.Errorf("placeholder call stored as %+v", last)
	}
}

// proxy forwards loopback TCP to PostgreSQL and can cut every connection,
// which is how the test takes "the database" away without touching the
// server the machine runs.
type proxy struct {
	t      *testing.T
	target string
	mu     sync.Mutex
	ln     net.Listener
	addr   string
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up() {
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestE2EDatabaseDownAndBack(t *testing.T) {
	w := newWorld(t)
	u, err := url.Parse(w.url)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, u.Host)
	u.Host = px.addr
	p := start(t, u.String())
	lookup := func() (int, string, time.Duration) {
		t0 := time.Now()
		status, body := p.do(t, "GET", "/cti3cx/consult-phone/5547999887766", w.acme, "")
		return status, body, time.Since(t0)
	}
	if status, body, _ := lookup(); status != 200 {
		t.Fatalf("before: %d %s", status, body)
	}
	px.down()
	for i := range 3 {
		status, body, took := lookup()
		if status != 503 || body != `{"error":"database unavailable"}`+"\n" {
			t.Errorf("down #%d: %d %s", i, status, body)
		}
		if took > 1500*time.Millisecond {
			t.Errorf("down #%d took %v: 3CX gives up after ~2s", i, took)
		}
	}
	if status, _ := p.do(t, "GET", "/readyz", nil, ""); status != 503 {
		t.Errorf("readyz while down: %d", status)
	}
	if status, _ := p.do(t, "GET", "/healthz", nil, ""); status != 200 {
		t.Errorf("healthz while down: %d", status)
	}
	px.up()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body, _ := lookup()
		if status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the database came back: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, _ := p.do(t, "GET", "/readyz", nil, ""); status != 200 {
		t.Errorf("readyz after recovery: %d", status)
	}
	if strings.Contains(p.stderr.String(), w.acme.Token) {
		t.Error("a token reached the logs")
	}
}

// SIGTERM while 3CX is calling: requests in flight finish, the process exits
// cleanly, and tokens' last use is flushed.
func TestE2ESigtermDuringLoad(t *testing.T) {
	w := newWorld(t)
	p := start(t, w.url, "--touch-interval", "1h")
	var (
		mu       sync.Mutex
		ok, fail int
		bad      []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", p.base+"/cti3cx/consult-phone/5547999887766", nil)
				req.Header["token_crm"] = []string{w.acme.Token}
				req.Header["tenant"] = []string{"acme"}
				resp, err := client.Do(req)
				mu.Lock()
				switch {
				case err != nil:
					fail++ // refused once the listener closed: expected
				case resp.StatusCode == 200:
					ok++
				default:
					bad = append(bad, resp.Status)
				}
				mu.Unlock()
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var exitErr error
	select {
	case exitErr = <-p.done:
		p.done <- exitErr
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	close(stop)
	wg.Wait()
	if exitErr != nil {
		t.Errorf("exit after SIGTERM: %v", exitErr)
	}
	if ok == 0 || len(bad) > 0 {
		t.Errorf("%d ok, %d refused after close, non-200 answers: %v", ok, fail, bad)
	}
	if !strings.Contains(p.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the logs")
	}
	toks, err := w.db.ListTokens(context.Background(), w.acme.ID)
	if err != nil || toks[0].LastUsedAt == nil {
		t.Errorf("tokens' last use not flushed at shutdown: %v %+v", err, toks)
	}
	t.Logf("%d requests answered before and during shutdown, %d refused after", ok, fail)
}

func TestE2ERefusesOldSchema(t *testing.T) {
	u := schematest.UnmigratedURL(t)
	if err := schema.EnsureDatabase(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+u)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	msg := stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "cti3cx-loader migrate") || !strings.HasPrefix(msg, "cti3cx-api: database schema is at version 0") {
		t.Errorf("want one clear line, got %q", msg)
	}
}

func TestRunUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "no database"},
		{[]string{"--pool-size", "0"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "--pool-size"},
		{nil, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x", "CTI3CX_REQUEST_TIMEOUT": "soon"}, "CTI3CX_REQUEST_TIMEOUT"},
		{[]string{"extra"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "unexpected argument"},
		// The loader exits 2 on the same URL (TestBadDatabaseURLExitCode there).
		{nil, map[string]string{"DATABASE_URL": "postgres://u:hunter2@host:port/db"}, "invalid DATABASE_URL"},
		{[]string{"--log-format", "xml"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "--log-format"},
		{[]string{"--tls-cert", "c.pem"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "--tls-cert and --tls-key go together"},
		{[]string{"--trusted-proxies", "10.0.0.0/8,nginx"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "--trusted-proxies"},
		{[]string{"--idle-timeout", "0s"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "--idle-timeout"},
		{[]string{"--max-conns", "-1"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "--max-conns"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &out, &errb)
		if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got %v (exit %d), want usage error about %s", tc.args, tc.env, err, cli.ExitCode(err), tc.want)
		}
	}
	// A database that does not answer is a failure, not a usage error.
	err := run(context.Background(), nil, func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://x@127.0.0.1:1/x?connect_timeout=1"
		}
		return ""
	}, io.Discard, io.Discard)
	if err == nil || cli.ExitCode(err) != 1 || !strings.Contains(cli.ErrorLine(err), "cannot connect") {
		t.Errorf("dead database: %v", err)
	}
}

// --help and flag errors print the flags' defaults: the database URL from
// the environment, which may hold a password, must not be among them.
func TestHelpNeverShowsTheDatabasePassword(t *testing.T) {
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://u:hunter2@127.0.0.1:1/x"
		}
		return ""
	}
	for _, args := range [][]string{{"--help"}, {"--bogus"}} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, env, &out, &errb)
		if err == nil {
			t.Fatalf("%v: no error", args)
		}
		if all := out.String() + errb.String() + err.Error(); strings.Contains(all, "hunter2") {
			t.Errorf("%v printed the password:\n%s", args, all)
		}
	}
}

// run in process on a real listener, as the demo does.
func TestRunInProcess(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	r, wr := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--log-format", "text"}, func(k string) string {
			if k == "DATABASE_URL" {
				return w.url
			}
			return ""
		}, wr, io.Discard)
		wr.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	p := &proc{base: strings.TrimSpace(strings.TrimPrefix(line, "cti3cx-api listening on "))}
	if status, body := p.do(t, "GET", "/readyz", nil, ""); status != 200 {
		t.Fatalf("readyz %d %s", status, body)
	}
	p.contacts(t, "/cti3cx/consult-phone/+5547999887766", w.acme)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
