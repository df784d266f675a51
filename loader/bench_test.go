package loader

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// Benchmarks run on generated files of CTI3CX_BENCH_ROWS contacts (default
// 1,000,000), each with four phone columns. RSS is the process's peak
// resident set (VmHWM in /proc/self/status), reset through
// /proc/self/clear_refs before the measured work, so that generating the
// file does not count.

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("CTI3CX_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

const benchHeader = "Código;Nome;Sobrenome;E-mail;Empresa;Telefone;Celular;Whatsapp;Fax\n"

func benchPhones(i int) [4]string {
	return [4]string{
		fmt.Sprintf("(47) 3%03d-%04d", i/10000%1000, i%10000),
		fmt.Sprintf("(47) 9%04d-%04d", i/10000%10000, i%10000),
		fmt.Sprintf("47 9%04d%04d", (i/10000+1)%10000, i%10000),
		fmt.Sprintf("%03d-%04d", i/10000%1000+3000, i%10000),
	}
}

func writeBenchCSV(b *testing.B, n int) string {
	path := filepath.Join(b.TempDir(), "contacts.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(benchHeader)
	for i := range n {
		p := benchPhones(i)
		fmt.Fprintf(w, "C-%d;Nome%d;Sobrenome;c%d@example.com.br;A-%d;%s;%s;%s;%s\n", i, i, i, i%1000, p[0], p[1], p[2], p[3])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB reads VmHWM, the peak resident set since the last reset.
func peakRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return -1
}

func benchTenant(b *testing.B) (*schema.DB, schema.Tenant) {
	db := schematest.New(b)
	t, err := db.CreateTenant(context.Background(), schema.Tenant{Slug: "bench", DefaultDDD: "47"})
	if err != nil {
		b.Fatal(err)
	}
	return db, t
}

func runImport(b *testing.B, db *schema.DB, t schema.Tenant, opts Options) Summary {
	sum, err := Import(context.Background(), db, t, opts)
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

func report(b *testing.B, rows int, d time.Duration) {
	b.ReportMetric(float64(rows)/d.Seconds(), "rows/s")
	b.ReportMetric(peakRSSMB(), "peakRSS_MB")
}

// benchFullImport imports the n-row file at path into an empty tenant each
// iteration, timing the import alone.
func benchFullImport(b *testing.B, path string, n int) {
	for b.Loop() {
		b.StopTimer()
		db, t := benchTenant(b)
		resetPeakRSS()
		start := time.Now()
		b.StartTimer()
		sum := runImport(b, db, t, Options{File: path, Kind: KindContacts})
		b.StopTimer()
		if sum.Inserted != n {
			b.Fatalf("inserted %d of %d", sum.Inserted, n)
		}
		report(b, n, time.Since(start))
		b.StartTimer()
	}
}

// BenchmarkImportCSV1M: the whole import of a CSV into an empty tenant.
func BenchmarkImportCSV1M(b *testing.B) {
	n := benchRows()
	path := writeBenchCSV(b, n)
	benchFullImport(b, path, n)
}

// BenchmarkBareCopyUpsert1M: the database work alone for the same final
// rows: COPY of ready records into the stage, then the upsert.
func BenchmarkBareCopyUpsert1M(b *testing.B) {
	n := benchRows()
	for b.Loop() {
		b.StopTimer()
		db, t := benchTenant(b)
		im := schema.Importer{TenantID: t.ID, Kind: schema.ImportContacts, Source: "bench", RulesVersion: "r", Fingerprint: "f"}
		resetPeakRSS()
		start := time.Now()
		b.StartTimer()
		var rec schema.StagedRecord
		i := 0
		err := db.InTx(context.Background(), func(tx pgx.Tx) error {
			if _, err := im.Stage(context.Background(), tx, func() (*schema.StagedRecord, error) {
				if i == n {
					return nil, nil
				}
				fillBenchRecord(&rec, i)
				i++
				return &rec, nil
			}); err != nil {
				return err
			}
			_, err := im.Apply(context.Background(), tx, schema.ApplyOptions{})
			return err
		})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		report(b, n, time.Since(start))
		b.StartTimer()
	}
}

var benchFields = [4]string{schema.FieldBusiness, schema.FieldMobile, schema.FieldMobile2, schema.FieldFax}

func fillBenchRecord(rec *schema.StagedRecord, i int) {
	id := "C-" + strconv.Itoa(i)
	*rec = schema.StagedRecord{Line: i + 2, ExternalID: id, FirstName: "Nome" + strconv.Itoa(i), LastName: "Sobrenome",
		Email: "c" + strconv.Itoa(i) + "@example.com.br", AccountExternalID: "A-" + strconv.Itoa(i%1000),
		Hash: id, Phones: rec.Phones[:0]}
	for k, raw := range benchPhones(i) {
		e164 := "+5547" + strconv.Itoa(900000000+i)
		rec.Phones = append(rec.Phones, schema.StagedPhone{Field: benchFields[k], Raw: raw, Input: raw, E164: e164,
			Dial: "0047" + e164[5:], Type: "mobile", Status: "ok"})
	}
}

// BenchmarkReimportUnchanged1M: the same file imported again.
func BenchmarkReimportUnchanged1M(b *testing.B) {
	n := benchRows()
	path := writeBenchCSV(b, n)
	db, t := benchTenant(b)
	runImport(b, db, t, Options{File: path, Kind: KindContacts})
	b.ResetTimer()
	for b.Loop() {
		resetPeakRSS()
		start := time.Now()
		sum := runImport(b, db, t, Options{File: path, Kind: KindContacts})
		if sum.Unchanged != n || sum.Inserted+sum.Updated != 0 {
			b.Fatalf("re-import: %+v", sum.ImportCounts)
		}
		b.StopTimer()
		report(b, n, time.Since(start))
		b.StartTimer()
	}
}

func writeBenchXLSX(b *testing.B, n int) string {
	path := filepath.Join(b.TempDir(), "contacts.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	head := strings.Split(strings.TrimSpace(benchHeader), ";")
	row := make([]any, len(head))
	for i, h := range head {
		row[i] = h
	}
	sw.SetRow("A1", row)
	for i := range n {
		p := benchPhones(i)
		vals := []string{"C-" + strconv.Itoa(i), "Nome" + strconv.Itoa(i), "Sobrenome", "c" + strconv.Itoa(i) + "@example.com.br",
			"A-" + strconv.Itoa(i%1000), p[0], p[1], p[2], p[3]}
		for j, v := range vals {
			row[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

// BenchmarkXLSX1M: the whole import of an XLSX sheet.
func BenchmarkXLSX1M(b *testing.B) {
	n := benchRows()
	path := writeBenchXLSX(b, n)
	benchFullImport(b, path, n)
}

// BenchmarkExcelizeRows1M: excelize's bare streaming iteration of the same
// sheet, the floor for BenchmarkXLSX1M's reading.
func BenchmarkExcelizeRows1M(b *testing.B) {
	n := benchRows()
	path := writeBenchXLSX(b, n)
	for b.Loop() {
		resetPeakRSS()
		start := time.Now()
		f, err := excelize.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		rows, _ := f.Rows("Sheet1")
		got := 0
		for rows.Next() {
			if _, err := rows.Columns(); err != nil {
				b.Fatal(err)
			}
			got++
		}
		rows.Close()
		f.Close()
		if got != n+1 {
			b.Fatalf("%d rows", got)
		}
		b.StopTimer()
		report(b, n, time.Since(start))
		b.StartTimer()
	}
}
