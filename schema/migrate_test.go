package schema_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

func TestMigrateCreatesDatabaseAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	url := schematest.UnmigratedURL(t)
	log := schematest.Logger(t)

	applied, err := schema.MigrateURL(ctx, url, log)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if len(applied) != migrationCount(t) {
		t.Fatalf("first migrate applied %v, want all %d", applied, migrationCount(t))
	}
	again, err := schema.MigrateURL(ctx, url, log)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(again) != 0 {
		t.Fatalf("second migrate applied %v, want nothing", again)
	}
	db, err := schema.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckCurrent(ctx); err != nil {
		t.Fatalf("CheckCurrent after migrate: %v", err)
	}
	var rows int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != migrationCount(t) {
		t.Fatalf("schema_migrations has %d rows, want %d", rows, migrationCount(t))
	}
}

func TestConcurrentMigrateIsSafe(t *testing.T) {
	ctx := context.Background()
	url := schematest.UnmigratedURL(t)
	log := schematest.Logger(t)

	const runs = 6
	var wg sync.WaitGroup
	errs := make([]error, runs)
	applied := make([][]int, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = schema.MigrateURL(ctx, url, log)
		}()
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		total += len(applied[i])
	}
	if total != migrationCount(t) {
		t.Fatalf("migrations applied %d times in all, want each once (%d)", total, migrationCount(t))
	}
}

// migrationCount is how many migrations there are: versions may have gaps
// (numbers are handed out to parallel work), so it is not LatestVersion.
func migrationCount(t *testing.T) int {
	t.Helper()
	ms, err := schema.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func TestCheckCurrentRefusesOldSchema(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	if _, err := db.Pool.Exec(ctx, "DELETE FROM schema_migrations WHERE version = $1", schema.LatestVersion()); err != nil {
		t.Fatal(err)
	}
	err := db.CheckCurrent(ctx)
	if cti3cx.ErrorCode(err) != cti3cx.ECONFLICT {
		t.Fatalf("CheckCurrent on an old schema = %v, want ECONFLICT", err)
	}
	t.Log(err)
}

func TestOpenBadURLIsOneLine(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, url, code string
	}{
		{"unparseable", "postgres://user:secret@host:notaport/db", cti3cx.EINVALID},
		{"nothing listening", "postgres://postgres:secret@127.0.0.1:1/db?connect_timeout=2", cti3cx.EUNAVAILABLE},
		{"unknown database", "postgres://postgres@127.0.0.1:5432/cti3cx_no_such_db_xyz?sslmode=disable", cti3cx.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.Open(ctx, tt.url)
			if cti3cx.ErrorCode(err) != tt.code {
				t.Fatalf("code = %q (%v), want %q", cti3cx.ErrorCode(err), err, tt.code)
			}
			msg := cti3cx.ErrorMessage(err)
			if len(msg) == 0 || len(msg) > 200 || strings.ContainsAny(msg, "\n") || strings.Contains(msg, "secret") {
				t.Fatalf("message not one clear line without secrets: %q", msg)
			}
			t.Log(msg)
		})
	}
}

// BenchmarkTestDatabase measures what a test pays for its own migrated,
// empty database: taking one, connecting, writing a row, and handing it back
// emptied.
func BenchmarkTestDatabase(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		url, release, err := schematest.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		db, err := schema.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.CreateTenant(ctx, schema.Tenant{Slug: "bench"}); err != nil {
			b.Fatal(err)
		}
		db.Close()
		release()
	}
}

// BenchmarkCloneTemplate measures a fresh clone of the template, what the
// first test of each test binary pays.
func BenchmarkCloneTemplate(b *testing.B) {
	ctx := context.Background()
	schematest.URL(b)
	for b.Loop() {
		url, drop, err := schematest.Clone(ctx)
		if err != nil {
			b.Fatal(err)
		}
		db, err := schema.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
		drop()
	}
}
