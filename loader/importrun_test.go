package loader_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

func runTenant(t *testing.T) (*schema.DB, schema.Tenant) {
	t.Helper()
	db := schematest.New(t)
	ten, err := db.CreateTenant(context.Background(), schema.Tenant{Slug: "acme", DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	return db, ten
}

// A feed that fails on its first page still leaves a run, marked failed
// with the error: the run is recorded before the feed is fetched.
func TestFeedFailingFirstPageRecordsFailedRun(t *testing.T) {
	db, ten := runTenant(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	sum, err := loader.Import(context.Background(), db, ten, loader.Options{Feed: srv.URL + "/contacts?token=s3cret",
		FeedOptions: loader.FeedOptions{Retries: 1, RetryDelay: time.Millisecond}})
	if err == nil {
		t.Fatal("a feed answering 500 imported")
	}
	runs, lerr := db.ListImportRuns(context.Background(), ten.ID, 10)
	if lerr != nil || len(runs) != 1 {
		t.Fatalf("runs: %v %+v", lerr, runs)
	}
	r := runs[0]
	if r.ID != sum.RunID || r.Outcome != schema.OutcomeFailed || !strings.Contains(r.Error, "500") || r.FinishedAt == nil {
		t.Fatalf("run %+v (summary run %d): want failed with the HTTP error", r, sum.RunID)
	}
	if sum.Outcome != schema.OutcomeFailed || strings.Contains(r.Source, "s3cret") || strings.Contains(r.Error, "s3cret") {
		t.Fatalf("summary %+v, run source %q error %q", sum, r.Source, r.Error)
	}
}

// A feed recorded before its columns are known gets the kind they tell.
func TestFeedRunGetsDetectedKind(t *testing.T) {
	db, ten := runTenant(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"Código":"A-1","Razão Social":"Acme Ltda","CNPJ":"11.222.333/0001-81","Telefone":"(47) 3333-4444"}]`)
	}))
	defer srv.Close()
	sum, err := loader.Import(context.Background(), db, ten, loader.Options{Feed: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.ImportRunByID(context.Background(), ten.ID, sum.RunID)
	if err != nil || r.Kind != loader.KindAccounts || r.Outcome != schema.OutcomeOK || r.Inserted != 1 {
		t.Fatalf("run %+v %v: want accounts, ok, 1 inserted", r, err)
	}
}
