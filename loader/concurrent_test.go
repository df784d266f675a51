package loader_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/schema"
)

// writeContacts writes n contacts with ids in the order given, their names
// tagged so that each file changes every row the other wrote.
func writeContacts(t *testing.T, name, tag string, ids []int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("Código;Nome;Sobrenome;Celular;Telefone\n")
	for _, i := range ids {
		fmt.Fprintf(&b, "C-%d;Nome %s %d;S;(47) 9%04d-%04d;(47) 3%03d-%04d\n", i, tag, i, i%10000, i%10000, i%1000, i%10000)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Two imports of one tenant with overlapping ids in opposite orders (a
// scheduled feed meeting a manual import) never deadlock: they are
// serialised, and both succeed, ten times over.
func TestConcurrentImportsNeverDeadlock(t *testing.T) {
	t.Parallel()
	db, ten := runTenant(t)
	const n = 3000
	up, down := make([]int, n), make([]int, n)
	for i := range n {
		up[i], down[i] = i, n-1-i
	}
	for round := range 10 {
		files := []string{
			writeContacts(t, "up.csv", fmt.Sprintf("a%d", round), up),
			writeContacts(t, "down.csv", fmt.Sprintf("b%d", round), down),
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = loader.Import(context.Background(), db, ten, loader.Options{File: f, Kind: "contacts", Workers: 1})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, import %d: %v", round+1, i+1, err)
			}
		}
	}
	var count int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM contacts`).Scan(&count); err != nil || count != n {
		t.Fatalf("%d contacts (%v), want %d", count, err, n)
	}
}

// An import meeting a running one of the same tenant and kind waits, and
// says so; with NoWait it refuses at once and writes nothing.
func TestImportWaitsOrRefusesWithNoWait(t *testing.T) {
	t.Parallel()
	db, ten := runTenant(t)
	path := writeContacts(t, "c.csv", "x", []int{1, 2, 3})
	hold := make(chan struct{})
	held := make(chan struct{})
	go db.InTx(context.Background(), func(tx pgx.Tx) error {
		ok, err := schema.Importer{TenantID: ten.ID, Kind: schema.ImportContacts}.TryLock(context.Background(), tx)
		if !ok || err != nil {
			t.Errorf("lock: %v %v", ok, err)
		}
		close(held)
		<-hold
		return nil
	})
	<-held
	_, err := loader.Import(context.Background(), db, ten, loader.Options{File: path, Kind: "contacts", NoWait: true})
	if cti3cx.ErrorCode(err) != cti3cx.ECONFLICT || !strings.Contains(err.Error(), "--no-wait refuses") {
		t.Fatalf("--no-wait against a running import: %v", err)
	}
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := loader.Import(context.Background(), db, ten, loader.Options{File: path, Kind: "contacts",
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "waiting for another import") {
		if time.Now().After(deadline) {
			t.Fatalf("no waiting message:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("the import did not wait: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
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

// Progress keeps coming through the whole import, the phase named: the
// database's apply phase logs "writing" as it begins.
func TestProgressNamesTheWritingPhase(t *testing.T) {
	t.Parallel()
	db, ten := runTenant(t)
	ids := make([]int, 2000)
	for i := range ids {
		ids[i] = i
	}
	var logs syncBuffer
	_, err := loader.Import(context.Background(), db, ten, loader.Options{File: writeContacts(t, "p.csv", "p", ids), Kind: "contacts",
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	w := strings.Index(out, `phase=writing rows=2000`)
	f := strings.Index(out, `msg="import finished"`)
	if w < 0 || f < w {
		t.Fatalf("no progress line for the writing phase before the end:\n%s", out)
	}
}
