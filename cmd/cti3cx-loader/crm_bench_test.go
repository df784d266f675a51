package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers/v2"
)

// The CRM benchmarks run the built loader (releaseBinary) as a child and
// compare its CPU time (user + system, all cores) with libphonenumber's on
// the same cells in this process: Parse + IsValidNumber + Format(E164), the
// least a program calling it directly would do. Sizes: CTI3CX_BENCH_ROWS
// rows (default 1,000,000) for rewrite, 200,000 cells for normalize.

// realisticCell is a phone cell as CRM exports have them: the usual
// spellings of landlines and mobiles, the "00" mask, numbers without DDD,
// legacy 8-digit mobiles, extensions, two numbers in a cell, toll-free and
// fillers, with random digits.
func realisticCell(r *rand.Rand) string {
	d := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	ddds := []string{"11", "21", "47", "48", "41", "51", "31", "61", "71", "85", "19", "62"}
	ddd := ddds[r.IntN(len(ddds))]
	switch r.IntN(20) {
	case 0, 1, 2:
		return "(" + ddd + ") 3" + d(3) + "-" + d(4)
	case 3, 4, 5:
		return "(" + ddd + ") 9" + d(4) + "-" + d(4)
	case 6:
		return ddd + " 9" + d(4) + d(4)
	case 7:
		return "+55 " + ddd + " 9" + d(4) + "-" + d(4)
	case 8:
		return "+55" + ddd + "3" + d(7)
	case 9:
		return "00" + ddd + "9" + d(8)
	case 10:
		return "0" + ddd + " 3" + d(3) + " " + d(4)
	case 11:
		return "3" + d(3) + "-" + d(4)
	case 12:
		return "9" + d(4) + "-" + d(4)
	case 13:
		return "(" + ddd + ") 8" + d(3) + "-" + d(4) // legacy mobile
	case 14:
		return "(" + ddd + ") 3" + d(3) + "-" + d(4) + " ramal " + d(3)
	case 15:
		return "(" + ddd + ") 3" + d(3) + "-" + d(4) + " / (" + ddd + ") 9" + d(4) + "-" + d(4)
	case 16:
		return "0800 " + d(3) + " " + d(4)
	case 17:
		return "0xx" + ddd + " 3" + d(3) + "-" + d(4)
	case 18:
		return ddd + "3" + d(7)
	default:
		return []string{"", "***", "0000-0000", "não tem", "(" + ddd + ") 3" + d(2)}[r.IntN(5)]
	}
}

// cpuTime is the process's own user + system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// libphonenumberCPU parses every cell as a caller of libphonenumber would,
// on one goroutine, and returns the CPU time it took.
func libphonenumberCPU(cells []string) time.Duration {
	start := cpuTime()
	var sink string
	for _, c := range cells {
		num, err := phonenumbers.Parse(c, "BR")
		if err != nil {
			continue
		}
		if phonenumbers.IsValidNumber(num) {
			sink = phonenumbers.Format(num, phonenumbers.E164)
		}
	}
	_ = sink
	return cpuTime() - start
}

// childRun runs the built loader and returns its CPU time and peak RSS.
// The peak is VmHWM polled from /proc while it runs: the child's
// ru_maxrss would count the parent's pages (Go starts children with
// vfork, and this parent holds every cell for libphonenumber).
func childRun(b *testing.B, stdin io.Reader, args ...string) (cpu time.Duration, rssMB float64, wall time.Duration) {
	b.Helper()
	cmd := exec.Command(releaseBinary(b), args...)
	cmd.Stdin, cmd.Stdout = stdin, io.Discard
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var max int64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if hwm := procHWM(cmd.Process.Pid); hwm > max {
				max = hwm
			}
			select {
			case <-done:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	if err != nil {
		b.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	wall = time.Since(start)
	cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return cpu, float64(<-peak) / (1 << 20), wall
}

// procHWM is a running process's peak resident set (VmHWM), in bytes.
func procHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func crmBenchRows() int {
	if n, err := strconv.Atoi(os.Getenv("CTI3CX_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// BenchmarkRewrite1M: `rewrite` of a CSV of a million contacts with four
// phone columns, against libphonenumber on the same 4 million cells.
// Targets: at least 20 times less CPU, under 256 MB of RSS.
func BenchmarkRewrite1M(b *testing.B) {
	n := crmBenchRows()
	dir := b.TempDir()
	in, out := filepath.Join(dir, "contatos.csv"), filepath.Join(dir, "contatos-3cx.csv")
	f, err := os.Create(in)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	cells := make([]string, 0, 4*n)
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("Código;Nome;Sobrenome;E-mail;Empresa;Telefone;Celular;Whatsapp;Telefone residencial\r\n")
	for i := range n {
		var c [4]string
		for j := range c {
			c[j] = realisticCell(r)
			cells = append(cells, c[j])
		}
		fmt.Fprintf(w, "C-%d;\"Nome %d\";Sobrenome;c%d@example.com.br;Empresa %d;%s;\"%s\";%s;%s\r\n", i, i, i, i%1000, c[0], c[1], c[2], c[3])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	releaseBinary(b)
	b.ResetTimer()
	for b.Loop() {
		cpu, rss, wall := childRun(b, nil, "rewrite", "--file", in, "--out", out, "--ddd", "47", "--kind", "contacts")
		lpn := libphonenumberCPU(cells)
		ratio := lpn.Seconds() / cpu.Seconds()
		b.ReportMetric(cpu.Seconds(), "rewrite-cpu-s")
		b.ReportMetric(wall.Seconds(), "rewrite-wall-s")
		b.ReportMetric(lpn.Seconds(), "libphonenumber-cpu-s")
		b.ReportMetric(ratio, "cpu-ratio")
		b.ReportMetric(rss, "rewrite-peak-RSS-MB")
		b.ReportMetric(float64(n)/wall.Seconds(), "rows/s")
		if ratio < 20 {
			b.Errorf("rewrite spent %.2fs of CPU, libphonenumber %.2fs: %.1fx, want at least 20x", cpu.Seconds(), lpn.Seconds(), ratio)
		}
		if rss >= 256 {
			b.Errorf("rewrite peaked at %.0f MB of RSS, want under 256", rss)
		}
	}
}

// BenchmarkNormalizeCLI200k: `normalize` on 200,000 realistic cells,
// against libphonenumber on the same cells; target at least 20 times less
// CPU.
func BenchmarkNormalizeCLI200k(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	cells := make([]string, 200_000)
	var in strings.Builder
	for i := range cells {
		cells[i] = realisticCell(r)
		in.WriteString(cells[i])
		in.WriteByte('\n')
	}
	releaseBinary(b)
	b.ResetTimer()
	for b.Loop() {
		cpu, _, wall := childRun(b, strings.NewReader(in.String()), "normalize", "--ddd", "47")
		lpn := libphonenumberCPU(cells)
		ratio := lpn.Seconds() / cpu.Seconds()
		b.ReportMetric(cpu.Seconds(), "normalize-cpu-s")
		b.ReportMetric(wall.Seconds(), "normalize-wall-s")
		b.ReportMetric(lpn.Seconds(), "libphonenumber-cpu-s")
		b.ReportMetric(ratio, "cpu-ratio")
		if ratio < 20 {
			b.Errorf("normalize spent %.2fs of CPU, libphonenumber %.2fs: %.1fx, want at least 20x", cpu.Seconds(), lpn.Seconds(), ratio)
		}
	}
}
