// Command cti3cx-demo is `make demo`: it runs the product's main job end to
// end on the files in samples/, with the real binaries in bin/, against a
// throwaway database, and prints every step as a person would type it.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/charmap"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

type demo struct {
	out    io.Writer
	bin    string
	env    []string
	api    string // base URL of the running API
	token  string
	tenant string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cti3cx-demo", flag.ContinueOnError)
	bin := fs.String("bin", "bin", "folder holding cti3cx-loader and cti3cx-api")
	keep := fs.Bool("keep", false, "keep the throwaway database and print its URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d := &demo{out: out, bin: *bin, tenant: "demo"}

	dbURL, drop, err := throwawayDatabase(ctx)
	if err != nil {
		return err
	}
	if *keep {
		defer fmt.Fprintf(out, "\nkept the database: DATABASE_URL=%s\n", redact(dbURL))
	} else {
		defer drop()
	}
	d.env = append(os.Environ(), "DATABASE_URL="+dbURL, "CTI3CX_LOG_FORMAT=text")

	d.title("1. Create the schema")
	if _, err := d.loader(ctx, "migrate"); err != nil {
		return err
	}
	d.title("2. A tenant for the PBX (default DDD 47), and a token for 3CX's token_crm header")
	if _, err := d.loader(ctx, "tenant", "add", d.tenant, "--name", "Demo Comércio Ltda", "--ddd", "47",
		"--contact-url", "https://crm.example.com.br/contatos/{id}"); err != nil {
		return err
	}
	tok, err := d.loader(ctx, "token", "issue", d.tenant, "--label", "demo-pbx")
	if err != nil {
		return err
	}
	d.token = strings.TrimSpace(tok)

	d.title("3. Load the example CRM exports from samples/ (rejected rows go to a file staff can fix)")
	rejects, err := os.MkdirTemp("", "cti3cx-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(rejects)
	for _, f := range []struct{ kind, file string }{{"accounts", "samples/accounts.csv"}, {"contacts", "samples/contacts.csv"}} {
		rejectsFile := filepath.Join(rejects, f.kind+".rejeitados.csv")
		if _, err := d.loader(ctx, "import", "--tenant", d.tenant, "--kind", f.kind, "--file", f.file, "--rejects", rejectsFile); err != nil {
			return err
		}
		if b, err := os.ReadFile(rejectsFile); err == nil {
			fmt.Fprintf(d.out, "$ cat %s\n%s", filepath.Base(rejectsFile), decodeLatin1(b))
		}
	}

	d.title("4. Start the API")
	stopAPI, err := d.startAPI(ctx)
	if err != nil {
		return err
	}
	defer stopAPI()

	if err := d.callRoundTrip(ctx); err != nil {
		return err
	}
	if err := d.staffRoundTrip(ctx, rejects); err != nil {
		return err
	}
	stopAPI()
	fmt.Fprintf(out, "\nDone. What happened: the schema was migrated, samples/ loaded into the phone index "+
		"(see the import summaries above for numbers flagged ok/fixed/invalid), the API answered 3CX's lookup "+
		"in two caller formats and journaled the call; revalidation re-checked every number, the report listed "+
		"the ones that need a human, one staff fix went back in and 3CX found the fixed number at once. "+
		"Next: README.md, then docs/.\n")
	return nil
}

// callRoundTrip is 3CX's side: a lookup in two caller formats, the end of
// the call, and the call in the contact's history.
func (d *demo) callRoundTrip(ctx context.Context) error {
	d.title("5. 3CX looks up a caller: E.164 as the trunk delivers it, then in the tenant's dial format (00+DDD+number)")
	callID := ""
	for _, number := range []string{"+5547999887766", "0047999887766"} {
		id, err := d.lookup(ctx, number)
		if err != nil {
			return err
		}
		callID = id
	}

	d.title("6. The call ends: 3CX reports it with the call id it got in customvalue")
	report := map[string]string{
		"data": time.Now().Format("2006-01-02"), "hora_inicio": "10:00:00", "hora_fim": "10:03:25",
		"telefone": "0047999887766", "calltype": "Inbound", "agent": "201",
	}
	if _, err := d.call(ctx, http.MethodPut, "/cti3cx/end-call/"+callID, report); err != nil {
		return err
	}

	d.title("7. The call is in the contact's activity history")
	_, err := d.loader(ctx, "calls", "--tenant", d.tenant)
	return err
}

// The staff round trip fixes the sample account whose phone is a filler.
const (
	fixRecord = "A-500"
	fixNumber = "(47) 3027-5500"
	fixE164   = "+554730275500"
)

// staffRoundTrip is the CRM staff's side: revalidation, the report, one fix
// typed into it as staff would, the fix applied, and 3CX finding the number.
func (d *demo) staffRoundTrip(ctx context.Context, dir string) error {
	d.title("8. Revalidation re-checks every stored number (the worker, cti3cx-loader run, does it on a schedule)")
	if _, err := d.loader(ctx, "revalidate", "--tenant", d.tenant, "--all"); err != nil {
		return err
	}

	d.title("9. A report for CRM staff: the numbers that need a human, in Portuguese, for Excel")
	reportFile := filepath.Join(dir, "revisar.csv")
	if _, err := d.loader(ctx, "report", "--tenant", d.tenant, "--out", reportFile); err != nil {
		return err
	}
	b, err := os.ReadFile(reportFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "$ cat %s\n%s", filepath.Base(reportFile), b)

	d.title("10. Staff type the real number of " + fixRecord + " into \"Corrigir para\", and the fix is applied")
	if err := fillFix(reportFile, fixRecord, fixNumber); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "(in %s, row %s: Corrigir para = %s)\n", filepath.Base(reportFile), fixRecord, fixNumber)
	if _, err := d.loader(ctx, "fixes", "apply", "--tenant", d.tenant, "--file", reportFile); err != nil {
		return err
	}

	d.title("11. 3CX finds the fixed number at once")
	_, err = d.lookup(ctx, fixE164)
	return err
}

// fillFix writes number into the "Corrigir para" cell of record's row of a
// CSV report, keeping the file as the report wrote it (UTF-8 with BOM, ';',
// CRLF), as a spreadsheet would save it.
func fillFix(path, record, number string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return fmt.Errorf("read report %s: %v", path, err)
	}
	idCol, fixCol := slices.Index(rows[0], "ID no CRM"), slices.Index(rows[0], "Corrigir para")
	if idCol < 0 || fixCol < 0 {
		return fmt.Errorf("report %s: no \"ID no CRM\" or \"Corrigir para\" column in %q", path, rows[0])
	}
	found := false
	for _, row := range rows[1:] {
		if row[idCol] == record {
			row[fixCol], found = number, true
		}
	}
	if !found {
		return fmt.Errorf("report %s lists no row of %s", path, record)
	}
	var out bytes.Buffer
	out.WriteString("\uFEFF")
	w := csv.NewWriter(&out)
	w.Comma, w.UseCRLF = ';', true
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// lookup asks consult-phone for number, as 3CX does, and returns the call id
// of the first contact found (its customvalue).
func (d *demo) lookup(ctx context.Context, number string) (string, error) {
	body, err := d.call(ctx, http.MethodGet, "/cti3cx/consult-phone/"+url.PathEscape(number), nil)
	if err != nil {
		return "", err
	}
	var answer struct {
		Contact []struct {
			CustomValue string `json:"customvalue"`
		} `json:"contact"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || len(answer.Contact) == 0 {
		return "", fmt.Errorf("consult-phone %s found nobody: %s", number, body)
	}
	return answer.Contact[0].CustomValue, nil
}

func (d *demo) title(s string) { fmt.Fprintf(d.out, "\n== %s\n", s) }

// loader runs bin/cti3cx-loader, echoing the command line and its output.
func (d *demo) loader(ctx context.Context, args ...string) (string, error) {
	fmt.Fprintf(d.out, "$ cti3cx-loader %s\n", strings.Join(quoteArgs(args), " "))
	cmd := exec.CommandContext(ctx, filepath.Join(d.bin, "cti3cx-loader"), args...)
	cmd.Env = d.env
	var stdout bytes.Buffer
	cmd.Stdout = io.MultiWriter(&stdout, d.hideSecrets())
	cmd.Stderr = d.out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("cti3cx-loader %s: %w", args[0], err)
	}
	return stdout.String(), nil
}

// hideSecrets writes the loader's stdout to the demo's output with a freshly
// issued token shortened: a demo's transcript gets copied around.
func (d *demo) hideSecrets() io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		s := string(p)
		if strings.HasPrefix(s, "c3x_") {
			s = s[:8] + "…(token, shown once)\n"
		}
		_, err := io.WriteString(d.out, s)
		return len(p), err
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (d *demo) startAPI(ctx context.Context) (stop func(), err error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(d.out, "$ cti3cx-api --addr %s\n", addr)
	cmd := exec.Command(filepath.Join(d.bin, "cti3cx-api"), "--addr", addr)
	cmd.Env = d.env
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		fmt.Fprintf(d.out, "(API stopped)\n")
	}
	d.api = "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(d.api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Fprintf(d.out, "API ready on %s (GET /readyz answered 200)\n", d.api)
				return stop, nil
			}
		}
		select {
		case err := <-done:
			return nil, fmt.Errorf("cti3cx-api exited: %v\n%s", err, logs)
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	stop()
	return nil, fmt.Errorf("cti3cx-api not ready after 15s:\n%s", logs)
}

// call makes a request as 3CX would and prints it curl-style.
func (d *demo) call(ctx context.Context, method, path string, body any) ([]byte, error) {
	var reqBody io.Reader
	shown := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reqBody = bytes.NewReader(b)
		shown = fmt.Sprintf(" -d '%s'", b)
	}
	fmt.Fprintf(d.out, "$ curl -X %s -H 'token_crm: %s…' -H 'tenant: %s' -H 'Content-Type: application/json'%s %s%s\n",
		method, d.token[:8], d.tenant, shown, d.api, path)
	req, err := http.NewRequestWithContext(ctx, method, d.api+path, reqBody)
	if err != nil {
		return nil, err
	}
	req.Header.Set("token_crm", d.token)
	req.Header.Set("tenant", d.tenant)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, b, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(b)
	}
	fmt.Fprintf(d.out, "HTTP %s (%s)\n%s\n", resp.Status, time.Since(start).Round(time.Microsecond), pretty.String())
	if resp.StatusCode >= 300 {
		return b, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return b, nil
}

// localServer is where the demo looks without DATABASE_URL, as the tests do.
const localServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// findServer returns DATABASE_URL's server, else the one the tests are told
// about (CTI3CX_TEST_DATABASE_URL), else a local one. The demo does not start
// a container as the tests can: it links no test package.
func findServer(ctx context.Context) (url, how string, err error) {
	for _, env := range []string{"DATABASE_URL", "CTI3CX_TEST_DATABASE_URL"} {
		if u := os.Getenv(env); u != "" {
			return u, env, nil
		}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(pingCtx, localServer)
	if err != nil {
		return "", "", fmt.Errorf("no PostgreSQL for the demo: set DATABASE_URL=postgres://user@host:port/postgres or start a server on 127.0.0.1:5432 with user postgres (%v)", err)
	}
	_ = conn.Close(pingCtx)
	return localServer, "local server", nil
}

// throwawayDatabase creates an empty database on the server findServer finds
// and returns its URL and a dropper.
func throwawayDatabase(ctx context.Context) (string, func(), error) {
	server, how, err := findServer(ctx)
	if err != nil {
		return "", nil, err
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	name := fmt.Sprintf("cti3cx_demo_%d", time.Now().UnixNano()%1e9)
	admin := *u
	admin.Path = "/postgres"
	u.Path = "/" + name
	fmt.Printf("PostgreSQL found through %s; throwaway database %s\n", how, name)
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin.String())
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// decodeLatin1 shows a Windows-1252 rejects file (it keeps the input's
// encoding) readably on a UTF-8 terminal.
func decodeLatin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(out)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func quoteArgs(args []string) []string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " {}'\"") {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return q
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable)"
	}
	return p.Redacted()
}
