package main

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// The hostile-input benchmarks run the built loader as a child process on
// generated inputs and report the child's peak RSS (ru_maxrss), its wall
// time and its exit code. A child is killed past hostileRSSCap or
// hostileTimeCap, so that a loader without limits cannot take the machine
// down; such a run reports killed=1.

const (
	hostileRSSCap  = 3 << 30
	hostileTimeCap = 3 * time.Minute
)

var (
	releaseBinOnce sync.Once
	releaseBinPath string
	releaseBinErr  error
)

// releaseBinary builds cti3cx-loader without -race, as shipped, so that its
// RSS is the product's; CTI3CX_BENCH_LOADER_BIN names a binary to use
// instead (to measure another commit with the same inputs).
func releaseBinary(b testing.TB) string {
	if bin := os.Getenv("CTI3CX_BENCH_LOADER_BIN"); bin != "" {
		return bin // another build to compare, e.g. an older commit's
	}
	releaseBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cti3cx-bench-bin-")
		if err != nil {
			releaseBinErr = err
			return
		}
		releaseBinPath = filepath.Join(dir, "cti3cx-loader")
		out, err := exec.Command("go", "build", "-o", releaseBinPath, ".").CombinedOutput()
		if err != nil {
			releaseBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if releaseBinErr != nil {
		b.Fatal(releaseBinErr)
	}
	return releaseBinPath
}

// childResult is what one run of the binary did.
type childResult struct {
	exit    int
	maxRSS  int64 // bytes
	elapsed time.Duration
	killed  string // why the harness killed it, "" if it ended on its own
	stderr  string
}

// runChild runs the loader with args against url, watching its RSS.
func runChild(b testing.TB, url string, args ...string) childResult {
	return runChildFor(b, hostileTimeCap, url, args...)
}

// runChildFor is runChild with its own time cap.
func runChildFor(b testing.TB, timeCap time.Duration, url string, args ...string) childResult {
	cmd := exec.Command(releaseBinary(b), args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "CTI3CX_LOG_FORMAT=json")
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var killed string
	var mu sync.Mutex
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			why := ""
			if rss := procRSS(cmd.Process.Pid); rss > hostileRSSCap {
				why = fmt.Sprintf("RSS over %d MB", hostileRSSCap>>20)
			} else if time.Since(start) > timeCap {
				why = fmt.Sprintf("still running after %s", timeCap)
			}
			if why != "" {
				mu.Lock()
				killed = why
				mu.Unlock()
				cmd.Process.Kill()
				return
			}
		}
	}()
	cmd.Wait()
	close(done)
	res := childResult{elapsed: time.Since(start), stderr: stderr.String()}
	mu.Lock()
	res.killed = killed
	mu.Unlock()
	res.exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSS = ru.Maxrss << 10 // kilobytes on Linux
	}
	return res
}

// procRSS is a live process's resident set, in bytes (0 if unknown).
func procRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb << 10
		}
	}
	return 0
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// hostileCase is one input of issue 10's table.
type hostileCase struct {
	name string
	// make writes the input into dir and returns the import's arguments
	// after --tenant, with a cleanup for servers it started.
	make func(b *testing.B, dir string) ([]string, func())
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{"CSVNoNewline100MB", func(b *testing.B, dir string) ([]string, func()) {
			p := writeGenerated(b, filepath.Join(dir, "nonewline.csv"), func(w *bufio.Writer) {
				for written(w) < 100<<20 {
					w.WriteString("1234567;(47) 3333-4444;")
				}
			})
			return []string{"--kind", "contacts", "--file", p}, nil
		}},
		{"CSVField100MB", func(b *testing.B, dir string) ([]string, func()) {
			p := writeGenerated(b, filepath.Join(dir, "bigfield.csv"), func(w *bufio.Writer) {
				w.WriteString("Código;Nome;Telefone\n1;")
				writeRepeated(w, 'a', 100<<20)
				w.WriteString(";(47) 3333-4444\n2;Maria;(47) 3333-4445\n")
			})
			return []string{"--kind", "contacts", "--file", p}, nil
		}},
		{"JSONRecord200MB", func(b *testing.B, dir string) ([]string, func()) {
			p := writeGenerated(b, filepath.Join(dir, "bigrecord.json"), func(w *bufio.Writer) {
				w.WriteString(`[{"Código": "1", "Nome": "`)
				writeRepeated(w, 'a', 200<<20)
				w.WriteString(`", "Telefone": "(47) 3333-4444"}, {"Código": "2", "Nome": "Maria", "Telefone": "(47) 3333-4445"}]`)
			})
			return []string{"--kind", "contacts", "--file", p}, nil
		}},
		{"FeedEndlessString", func(b *testing.B, dir string) ([]string, func()) {
			srv := httptest.NewServer(http.HandlerFunc(endlessString))
			return []string{"--kind", "contacts", "--feed", srv.URL + "/contacts", "--feed-retries", "0"}, srv.Close
		}},
		{"XLSXBlankBomb", func(b *testing.B, dir string) ([]string, func()) {
			p := filepath.Join(dir, "bomb.xlsx")
			writeBlankBomb(b, p, 1000<<20) // under the 1 GiB unzip limit: the other guards must refuse it
			return []string{"--kind", "contacts", "--file", p}, nil
		}},
	}
}

// endlessString answers a JSON array whose first record's name never ends.
func endlessString(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `[{"Código": "1", "Nome": "`)
	chunk := []byte(strings.Repeat("a", 64<<10))
	fl, _ := w.(http.Flusher)
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

// BenchmarkHostileInputs imports each input of issue 10's table with the
// built binary and reports its peak RSS, time and exit code. Nothing may be
// written: each case checks that the tenant has no contact afterwards.
func BenchmarkHostileInputs(b *testing.B) {
	for _, c := range hostileCases() {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			args, cleanup := c.make(b, dir)
			if cleanup != nil {
				defer cleanup()
			}
			if len(args) > 0 && !strings.HasPrefix(args[len(args)-1], "http") {
				if fi, err := os.Stat(args[len(args)-1]); err == nil {
					b.Logf("input %s: %d bytes", filepath.Base(args[len(args)-1]), fi.Size())
				}
			}
			url, db := benchLoaderDB(b)
			for b.Loop() {
				res := runChild(b, url, append([]string{"import", "--tenant", "acme"}, args...)...)
				reportChild(b, res)
				var n int
				if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM contacts`).Scan(&n); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n), "written_rows")
			}
		})
	}
}

// BenchmarkImport1MRowsChild imports a 1,000,000-row CSV (CTI3CX_BENCH_ROWS)
// with the built binary and reports its peak RSS.
func BenchmarkImport1MRowsChild(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("CTI3CX_BENCH_ROWS"); v != "" {
		fmt.Sscan(v, &n)
	}
	p := writeGenerated(b, filepath.Join(b.TempDir(), "contacts.csv"), func(w *bufio.Writer) {
		w.WriteString("Código;Nome;Sobrenome;E-mail;Telefone;Celular;Whatsapp;Fax\n")
		for i := range n {
			fmt.Fprintf(w, "C-%d;Nome%d;Sobrenome;c%d@example.com.br;(47) 3%03d-%04d;(47) 9%04d-%04d;47 9%04d%04d;%03d-%04d\n",
				i, i, i, i/10000%1000, i%10000, i/10000%10000, i%10000, (i/10000+1)%10000, i%10000, i/10000%1000+3000, i%10000)
		}
	})
	for b.Loop() {
		b.StopTimer()
		url, _ := benchLoaderDB(b)
		b.StartTimer()
		// A million rows take minutes on a loaded machine.
		res := runChildFor(b, 30*time.Minute, url, "import", "--tenant", "acme", "--kind", "contacts", "--file", p)
		if res.exit != 0 {
			b.Fatalf("exit %d (killed: %q): %s", res.exit, res.killed, res.stderr)
		}
		reportChild(b, res)
		b.ReportMetric(float64(n)/res.elapsed.Seconds(), "rows/s")
	}
}

func reportChild(b *testing.B, res childResult) {
	b.ReportMetric(float64(res.maxRSS)/(1<<20), "peakRSS_MB")
	b.ReportMetric(res.elapsed.Seconds(), "wall_s")
	b.ReportMetric(float64(res.exit), "exit")
	killed := 0.0
	if res.killed != "" {
		killed = 1
	}
	b.ReportMetric(killed, "killed")
	last := strings.TrimSpace(res.stderr)
	if i := strings.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	}
	b.Logf("exit %d, peak RSS %d MB, %s, killed: %q; last stderr line: %.300s", res.exit, res.maxRSS>>20, res.elapsed.Round(time.Millisecond), res.killed, last)
}

// benchLoaderDB is a migrated database with tenant acme (DDD 47).
func benchLoaderDB(b *testing.B) (string, *schema.DB) {
	url := schematest.URL(b)
	db, err := schema.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	if _, err := db.CreateTenant(context.Background(), schema.Tenant{Slug: "acme", DefaultDDD: "47"}); err != nil {
		b.Fatal(err)
	}
	return url, db
}

// countingWriter lets a generator stop at a size.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

var generatedSizes sync.Map // *bufio.Writer -> *countingWriter

func written(w *bufio.Writer) int64 {
	cw, _ := generatedSizes.Load(w)
	return cw.(*countingWriter).n + int64(w.Buffered())
}

func writeGenerated(b testing.TB, path string, gen func(*bufio.Writer)) string {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	cw := &countingWriter{w: f}
	w := bufio.NewWriterSize(cw, 1<<20)
	generatedSizes.Store(w, cw)
	defer generatedSizes.Delete(w)
	gen(w)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return path
}

func writeRepeated(w *bufio.Writer, c byte, n int) {
	chunk := []byte(strings.Repeat(string(c), 64<<10))
	for ; n > 0; n -= len(chunk) {
		w.Write(chunk[:min(n, len(chunk))])
	}
}

// writeBlankBomb writes a valid workbook whose sheet has a header and then
// about size bytes of rows of 1024 empty cells, the first with its
// reference: deflate packs it a few hundred times, like issue 10's 3.9 MB
// bomb of 1 GB.
func writeBlankBomb(b testing.TB, path string, size int64) {
	writeSheetXLSX(b, path, func(w *bufio.Writer) {
		var n int64
		var s strings.Builder
		for r := 2; n < size; r++ {
			s.Reset()
			fmt.Fprintf(&s, `<row r="%d">`, r)
			fmt.Fprintf(&s, `<c r="A%d"/>`, r)
			s.WriteString(strings.Repeat(`<c/>`, 1023))
			s.WriteString(`</row>`)
			w.WriteString(s.String())
			n += int64(s.Len())
		}
	})
}

// writeSheetXLSX writes a minimal valid workbook with one sheet: a header
// row (Código, Nome, Telefone), then what rows writes.
func writeSheetXLSX(b testing.TB, path string, rows func(*bufio.Writer)) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	files := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
	}
	for _, kv := range files {
		w, err := zw.Create(kv[0])
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(w, kv[1])
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	bw.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>Código</t></is></c><c r="B1" t="inlineStr"><is><t>Nome</t></is></c><c r="C1" t="inlineStr"><is><t>Telefone</t></is></c></row>`)
	rows(bw)
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
}

// startLoader starts the built loader with env.
func startLoader(t testing.TB, bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}
