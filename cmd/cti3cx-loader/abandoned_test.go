package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx/schema"
)

// An import killed with -9 stays "running" only until the next loader
// command starts: that one finds its lease free and marks it abandoned,
// with when and why; a live import is left alone.
func TestKilledImportIsMarkedAbandoned(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	bin := releaseBinary(t)
	cmd := exec.Command(bin, "import", "--tenant", "acme", "--kind", "contacts", "--file", "-")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+e.cli.env["DATABASE_URL"], "CTI3CX_LOG_FORMAT=json")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	io.WriteString(stdin, "Código;Nome;Sobrenome;Celular\n")
	for i := range 5000 {
		fmt.Fprintf(stdin, "C-%d;N%d;S;(47) 9%04d-%04d\n", i, i, i, i)
	}
	waitFor(t, func() bool { return e.count(`SELECT count(*) FROM import_runs WHERE outcome = 'running'`) == 1 })

	// A command starting while the import lives leaves it running.
	e.cli.ok("runs", "--tenant", "acme")
	if r := e.lastRun(); r.Outcome != schema.OutcomeRunning {
		t.Fatalf("a live import was marked %q", r.Outcome)
	}
	cmd.Process.Kill() // SIGKILL: nothing runs in the loader after this
	cmd.Wait()
	if r := e.lastRun(); r.Outcome != schema.OutcomeRunning {
		t.Fatalf("the killed import recorded %q itself", r.Outcome)
	}
	out := e.cli.ok("runs", "--tenant", "acme")
	r := e.lastRun()
	if r.Outcome != schema.OutcomeAbandoned || r.FinishedAt == nil || !strings.Contains(r.Error, "stopped without recording its end") {
		t.Fatalf("after the next start the killed run is %+v", r)
	}
	if !strings.Contains(out, "abandoned") {
		t.Fatalf("runs does not show the abandoned run:\n%s", out)
	}
	if n := e.count(`SELECT count(*) FROM contacts`); n != 0 {
		t.Fatalf("%d contacts visible after the killed import", n)
	}
}

// A revalidation killed with -9 is marked abandoned at the next start, and
// its counts are those of the batches it committed.
func TestKilledRevalidationIsMarkedAbandoned(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	var b strings.Builder
	b.WriteString("Código;Nome;Sobrenome;Celular;Telefone;Fax\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "C-%d;N%d;S;(47) 9%04d-%04d;(47) 3%03d-%04d;3%03d-%04d\n", i, i, i%10000, i%10000, i%1000, i%10000, i%1000, i%10000)
	}
	e.mustImport("--kind", "contacts", "--file", e.write("c.csv", []byte(b.String())))

	cmd := exec.Command(releaseBinary(t), "revalidate", "--tenant", "acme", "--all", "--batch-size", "50")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+e.cli.env["DATABASE_URL"], "CTI3CX_LOG_FORMAT=json")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, func() bool {
		return e.count(`SELECT coalesce(max(checked), 0) FROM revalidation_runs WHERE outcome = 'running'`) >= 500
	})
	cmd.Process.Kill()
	cmd.Wait()

	e.cli.ok("runs", "--tenant", "acme")
	runs, err := e.db.RevalidationRuns(context.Background(), e.tenant.ID, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %+v %v", runs, err)
	}
	r := runs[0]
	if r.Outcome != schema.OutcomeAbandoned || r.FinishedAt == nil || !strings.Contains(r.Error, "stopped without recording its end") {
		t.Fatalf("killed revalidation: %+v", r)
	}
	stamped := e.count(`SELECT count(*) FROM phones WHERE checked_at >= $1`, r.StartedAt)
	if r.Checked == 0 || r.Checked != stamped || r.Checked >= 60000 {
		t.Fatalf("the run counts %d checked, %d phones were checked by its committed batches (of 60000)", r.Checked, stamped)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A newcomer's mistakes get a sentence that says what to do.
func TestNewcomerMessages(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	u, err := url.Parse(e.cli.env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	// A database that does not exist: migrate creates it.
	missing := *u
	missing.Path = fmt.Sprintf("/cti3cx_missing_%d", time.Now().UnixNano())
	c := newCLI(t, missing.String())
	code, _, errOut := c.run("", "tenant", "list")
	if code == 0 || !strings.Contains(errOut, "does not exist; `cti3cx-loader migrate` creates it") {
		t.Fatalf("missing database: exit %d: %s", code, errOut)
	}
	// A database without the schema: run migrate first.
	bare := *u
	bare.Path = fmt.Sprintf("/cti3cx_bare_%d", time.Now().UnixNano())
	if err := schema.EnsureDatabase(context.Background(), bare.String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), e.cli.env["DATABASE_URL"])
		if err == nil {
			conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{strings.TrimPrefix(bare.Path, "/")}.Sanitize())
			conn.Close(context.Background())
		}
	})
	c = newCLI(t, bare.String())
	code, _, errOut = c.run("", "import", "--tenant", "acme", "--file", "x.csv")
	if code == 0 || !strings.Contains(errOut, "database schema is at version 0 but this binary needs version") || !strings.Contains(errOut, "run `cti3cx-loader migrate` first") || strings.Contains(errOut, "SQLSTATE") {
		t.Fatalf("database without schema: exit %d: %s", code, errOut)
	}
}

// A database lost in the middle of an import: the message names the file
// and says nothing was written.
func TestLostDatabaseMessage(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	pr, pw := io.Pipe()
	done := make(chan int)
	var out, errOut strings.Builder
	go func() {
		done <- run(context.Background(), []string{"import", "--tenant", "acme", "--kind", "contacts", "--file", "-"},
			func(k string) string { return e.cli.env[k] }, pr, &out, &errOut)
	}()
	io.WriteString(pw, "Código;Nome;Sobrenome;Celular\n")
	for i := range 3000 {
		fmt.Fprintf(pw, "C-%d;N%d;S;(47) 9%04d-%04d\n", i, i, i, i)
	}
	waitFor(t, func() bool { return e.count(`SELECT count(*) FROM import_runs WHERE outcome = 'running'`) == 1 })
	// Every other session of the test database goes, as in a server restart.
	e.count(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	go func() {
		for i := range 3000 {
			if _, err := fmt.Fprintf(pw, "D-%d;N;S;(47) 9%04d-%04d\n", i, i, i); err != nil {
				return
			}
		}
		pw.Close()
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the import did not end after losing its database")
	}
	pr.Close()
	if code != 1 || !strings.Contains(errOut.String(), "stdin: lost the database while importing; nothing was written") {
		t.Fatalf("exit %d:\n%s", code, errOut.String())
	}
}
