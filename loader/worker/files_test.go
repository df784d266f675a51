package worker_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/loader/worker"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// The scheduled reports are for staff: folders 0755 and files 0644 under
// umask 022, "Gerado em" in the worker's time zone.
func TestReportsJobFilesForStaff(t *testing.T) {
	syscall.Umask(0o022)
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "47", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme", "")
	rt.Phones(t, db, tenant.ID, rt.Profile(t, tenant), "v", []rt.Phone{{AccountID: acc, Field: schema.FieldBusiness, Raw: "(20) 3333-4444"}})
	dir := filepath.Join(t.TempDir(), "relatorios")
	loc, err := time.LoadLocation("Asia/Tokyo") // far from the machine's zone, whatever it is
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, db, worker.Config{ScheduleReports: "@daily", ReportsDir: dir, ReportsKeep: 2, Location: loc}, nil)
	before := time.Now().In(loc)
	w.RunNow(worker.JobReports)
	path := worker.ReportPath(dir, "acme", time.Now().In(loc), "xlsx")
	for p, want := range map[string]os.FileMode{dir: 0o755, filepath.Dir(path): 0o755, path: 0o644} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows("Resumo")
	var generated string
	for _, r := range rows {
		if len(r) > 1 && r[0] == "Gerado em" {
			generated = r[1]
		}
	}
	// The minute may turn between the job and this check.
	ok := false
	for _, m := range []time.Time{before, before.Add(time.Minute)} {
		ok = ok || generated == m.Format("02/01/2006 15:04")+" (Asia/Tokyo)"
	}
	if !ok || !strings.Contains(generated, "Asia/Tokyo") {
		t.Errorf("Gerado em %q, want %s (Asia/Tokyo)", generated, before.Format("02/01/2006 15:04"))
	}
}
