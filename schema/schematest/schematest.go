// Package schematest gives each test its own migrated, empty PostgreSQL
// database, cloned from a template database that is migrated once per set of
// migrations (and shared by every test binary on the server).
//
// Cloning costs ~100 ms on a server with fsync on, so a test's database is
// not dropped when the test ends: it is emptied (every table cascades from
// tenants), checked, and handed to the next test of the same binary. A
// database that a test left altered (schema changed, rows that did not go) is
// dropped instead. Tests must not assume ids start at 1.
//
// Nothing outlives the test binary: every package that uses schematest calls
// Main from its TestMain, which drops the databases the binary created once
// its tests are done. A binary that dies before (a panic, a timeout, kill -9)
// leaves its databases behind under a name carrying its owner id, and the
// next binary to start drops them: each binary holds a PostgreSQL advisory
// lock on its owner id for its lifetime, so a free lock means a dead owner.
// The template is shared by every binary on the server (one per set of
// migrations) and kept.
//
// The server is found in this order: CTI3CX_TEST_DATABASE_URL; a server on
// 127.0.0.1:5432 as user postgres; a throwaway container through dockertest
// where a Docker engine answers. Without any, the test fails and says how to
// provide one: the tests never skip silently.
package schematest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"

	"github.com/cti3cx/cti3cx/schema"
)

// EnvURL names the variable that points the tests at a PostgreSQL server.
const EnvURL = "CTI3CX_TEST_DATABASE_URL"

// LocalURL is the server tried when EnvURL is unset.
const LocalURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// templateLockKey serialises template creation across test binaries.
const templateLockKey int64 = 0x63746933746d706c

// ownerLockSpace is the first key of the advisory lock each test binary holds
// on its owner id (the second key) while it runs.
const ownerLockSpace int32 = 0x63743378

// testPrefix starts every test database's name: cti3cx_test_<owner>_<random>.
const testPrefix = "cti3cx_test_"

var (
	setupOnce sync.Once
	setupErr  error
	admin     *pgxpool.Pool // connected to the server's maintenance database
	serverURL *url.URL
	template  string

	mainCalled atomic.Bool
	owner      uint32    // this binary's owner id, in its databases' names
	ownerConn  *pgx.Conn // holds the advisory lock on owner until the binary exits
	created    struct {
		sync.Mutex
		names map[string]bool
	}
)

// Main runs a package's tests, then drops every database the test binary
// created, and exits. Every package whose tests use schematest calls it:
//
//	func TestMain(m *testing.M) { schematest.Main(m) }
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain with more to do after the tests (it returns the
// exit code instead of exiting).
func Run(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	DropAll()
	return code
}

// DropAll drops every database this binary created and releases its owner
// lock. Main calls it; call it yourself only outside a test binary.
func DropAll() {
	created.Lock()
	names := created.names
	created.names = nil
	created.Unlock()
	for name := range names {
		_ = dropDatabase(name) // what is left, the next binary drops
	}
	if ownerConn != nil {
		_ = ownerConn.Close(context.Background())
		ownerConn = nil
	}
}

// newName returns a fresh database name of this binary's, remembered so that
// DropAll drops it.
func newName() string {
	name := fmt.Sprintf("%s%08x_%s", testPrefix, owner, randomHex(6))
	created.Lock()
	if created.names == nil {
		created.names = map[string]bool{}
	}
	created.names[name] = true
	created.Unlock()
	return name
}

// New returns a handle on a fresh migrated database, closed when the test
// ends and its database handed back (emptied for the next test, see URL).
func New(tb testing.TB) *schema.DB {
	tb.Helper()
	db, err := schema.Open(context.Background(), URL(tb))
	if err != nil {
		tb.Fatalf("schematest: open test database: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}

// URL returns the URL of a migrated, empty database of the test's own; when
// the test ends the database is emptied for the next test of the binary (or
// dropped if it cannot be). Use it to hand a database to a binary.
func URL(tb testing.TB) string {
	tb.Helper()
	setup(tb)
	url, release, err := Acquire(context.Background())
	if err != nil {
		tb.Fatalf("schematest: %v", err)
	}
	tb.Cleanup(release)
	return url
}

// Acquire is URL without a testing.TB: it returns a migrated empty database
// and the function that hands it back. For benchmarks of the mechanism.
func Acquire(ctx context.Context) (url string, release func(), err error) {
	if setupOnce.Do(func() { setupErr = connect() }); setupErr != nil {
		return "", nil, setupErr
	}
	name, err := take(ctx)
	if err != nil {
		return "", nil, err
	}
	return databaseURL(name), func() { releaseDatabase(name) }, nil
}

// reusable holds emptied test databases ready for the next test.
var reusable struct {
	sync.Mutex
	names []string
}

func take(ctx context.Context) (string, error) {
	reusable.Lock()
	if n := len(reusable.names); n > 0 {
		name := reusable.names[n-1]
		reusable.names = reusable.names[:n-1]
		reusable.Unlock()
		return name, nil
	}
	reusable.Unlock()
	name := newName()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		return "", fmt.Errorf("create database from template: %w", err)
	}
	return name, nil
}

// releaseDatabase empties the database for the next test, or drops it when
// it cannot be proven back to the template's state.
func releaseDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := reset(ctx, name); err != nil {
		dropDatabase(name)
		return
	}
	reusable.Lock()
	reusable.names = append(reusable.names, name)
	reusable.Unlock()
}

func reset(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, databaseURL(name))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// Sessions the test left open (a binary, a pool) would see a half-reset
	// database or hold locks: end them first.
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "DELETE FROM tenants"); err != nil {
		return err
	}
	state, err := databaseState(ctx, conn)
	if err != nil {
		return err
	}
	if state != templateState {
		return fmt.Errorf("database %s differs from the template after reset", name)
	}
	return nil
}

// databaseState summarises what a test could leave behind: the relations,
// the schema version, and which tables still hold rows.
func databaseState(ctx context.Context, conn *pgx.Conn) (string, error) {
	rows, err := conn.Query(ctx, `
		SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'm', 'i') ORDER BY c.relname`)
	if err != nil {
		return "", err
	}
	var relations, tables []string
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			return "", err
		}
		relations = append(relations, name+":"+kind)
		if kind == "r" && name != "schema_migrations" {
			tables = append(tables, name)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	q := "SELECT (SELECT coalesce(max(version), 0) FROM schema_migrations)::text"
	for _, t := range tables {
		q += " || CASE WHEN EXISTS (SELECT 1 FROM " + pgx.Identifier{t}.Sanitize() + ") THEN ' " + t + "' ELSE '' END"
	}
	var content string
	if err := conn.QueryRow(ctx, q).Scan(&content); err != nil {
		return "", err
	}
	return strings.Join(relations, ",") + "|" + content, nil
}

// templateState is stateQuery's answer on a fresh clone.
var templateState string

// Clone creates a database from the migrated template and returns its URL
// and the function that drops it, for benchmarks of the cloning itself (tests
// use URL or New). DropAll drops it too, if it is still there.
func Clone(ctx context.Context) (url string, drop func(), err error) {
	if setupOnce.Do(func() { setupErr = connect() }); setupErr != nil {
		return "", nil, setupErr
	}
	name := newName()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		return "", nil, fmt.Errorf("create database from template: %w", err)
	}
	return databaseURL(name), func() { dropDatabase(name) }, nil
}

// UnmigratedURL returns the URL of a database name that does not exist yet,
// dropped at the end of the test if something created it: for tests of
// migrate itself.
func UnmigratedURL(tb testing.TB) string {
	tb.Helper()
	setup(tb)
	name := newName()
	tb.Cleanup(func() { dropDatabase(name) })
	return databaseURL(name)
}

// Logger returns a logger that writes through tb.Log, so that a test's logs
// show only when it fails or runs verbosely.
func Logger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// dropDatabase removes a test database. DROP DATABASE waits for a
// checkpoint, which takes long on a loaded server: it gets two minutes. A
// failure leaves a database that the next binary drops (a name of ours) or
// a person does.
func dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}

func databaseURL(name string) string {
	u := *serverURL
	u.Path = "/" + name
	return u.String()
}

func setup(tb testing.TB) {
	tb.Helper()
	if !mainCalled.Load() {
		tb.Fatalf("schematest: this package's TestMain must call schematest.Main(m), which drops the test databases when the tests end:\n\tfunc TestMain(m *testing.M) { schematest.Main(m) }")
	}
	setupOnce.Do(func() { setupErr = connect() })
	if setupErr != nil {
		tb.Fatalf("schematest: %v", setupErr)
	}
}

func connect() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	raw, how, err := findServer(ctx)
	if err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", how, err)
	}
	serverURL = u
	admin, err = pgxpool.New(ctx, raw)
	if err != nil {
		return fmt.Errorf("%s: %w", how, err)
	}
	if err := admin.Ping(ctx); err != nil {
		return fmt.Errorf("%s: %w", how, err)
	}
	if err := claimOwner(ctx, raw); err != nil {
		return err
	}
	if err := dropOrphans(ctx); err != nil {
		return err
	}
	if err := prepareTemplate(ctx); err != nil {
		return err
	}
	return readTemplateState(ctx)
}

// claimOwner picks this binary's owner id and takes the advisory lock on it,
// on a connection of its own that lives as long as the process.
func claimOwner(ctx context.Context, raw string) error {
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		return err
	}
	for {
		var b [4]byte
		_, _ = rand.Read(b[:])
		owner = binary.BigEndian.Uint32(b[:])
		var got bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, $2)", ownerLockSpace, int32(owner)).Scan(&got); err != nil {
			conn.Close(ctx)
			return err
		}
		if got {
			ownerConn = conn
			return nil
		}
	}
}

// dropOrphans drops the test databases of binaries that are gone: their
// owner's lock is free. Databases of running binaries are left alone.
func dropOrphans(ctx context.Context) error {
	rows, err := admin.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'cti3cx\\_test\\_%'")
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	dead := map[uint32]bool{}
	for _, name := range names {
		id, ok := ownerOf(name)
		if !ok || id == owner {
			continue // an older binary's name, or ours
		}
		gone, seen := dead[id]
		if !seen {
			if err := ownerConn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, $2)", ownerLockSpace, int32(id)).Scan(&gone); err != nil {
				return err
			}
			if gone {
				_, _ = ownerConn.Exec(ctx, "SELECT pg_advisory_unlock($1, $2)", ownerLockSpace, int32(id))
			}
			dead[id] = gone
		}
		if gone {
			if err := dropDatabase(name); err != nil {
				return fmt.Errorf("drop orphan %s: %w", name, err)
			}
		}
	}
	return nil
}

// ownerOf reads the owner id in a test database's name.
func ownerOf(name string) (uint32, bool) {
	rest, ok := strings.CutPrefix(name, testPrefix)
	hexID, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(hexID) != 8 {
		return 0, false
	}
	id, err := strconv.ParseUint(hexID, 16, 32)
	return uint32(id), err == nil
}

// readTemplateState records what an untouched clone looks like, by cloning
// one that then serves as the first test's database.
func readTemplateState(ctx context.Context) error {
	name, err := take(ctx)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, databaseURL(name))
	if err != nil {
		return err
	}
	templateState, err = databaseState(ctx, conn)
	conn.Close(ctx)
	if err != nil {
		return err
	}
	reusable.names = append(reusable.names, name)
	return nil
}

// findServer returns a URL for a PostgreSQL server and how it was found.
func findServer(ctx context.Context) (string, string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, EnvURL, nil
	}
	if ping(ctx, LocalURL) == nil {
		return LocalURL, "local server", nil
	}
	u, dockerErr := startContainer(ctx)
	if dockerErr == nil {
		return u, "dockertest container", nil
	}
	return "", "", fmt.Errorf("no PostgreSQL for the tests: set %s=postgres://user@host:port/postgres, "+
		"or start a server on 127.0.0.1:5432 with user postgres (e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), "+
		"or run a Docker engine (dockertest: %v)", EnvURL, dockerErr)
}

func ping(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// startContainer runs postgres in Docker; the container expires by itself
// because no hook runs after the last test of a package.
func startContainer(ctx context.Context) (string, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return "", err
	}
	if err := pool.Client.Ping(); err != nil {
		return "", err
	}
	res, err := pool.RunWithOptions(&dockertest.RunOptions{
		Repository: "postgres", Tag: "16-alpine",
		Env: []string{"POSTGRES_HOST_AUTH_METHOD=trust"},
	}, func(hc *docker.HostConfig) {
		hc.AutoRemove = true
		hc.RestartPolicy = docker.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return "", err
	}
	_ = res.Expire(1200)
	u := "postgres://postgres@" + res.GetHostPort("5432/tcp") + "/postgres?sslmode=disable"
	pool.MaxWait = 2 * time.Minute
	if err := pool.Retry(func() error { return ping(ctx, u) }); err != nil {
		return "", err
	}
	return u, nil
}

// prepareTemplate makes sure the template for the current migrations exists,
// creating it under an advisory lock so that parallel test binaries agree.
func prepareTemplate(ctx context.Context) error {
	ms, err := schema.Migrations()
	if err != nil {
		return err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d %s\n%s\n", m.Version, m.Name, m.SQL)
	}
	template = "cti3cx_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := admin.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLockKey) //nolint:errcheck

	var ready bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", template).Scan(&ready)
	if err == nil && ready {
		return nil
	}
	// Absent, or left half-made by an interrupted run: build it again.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := schema.MigrateURL(ctx, databaseURL(template), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	_, err = conn.Exec(ctx, "ALTER DATABASE "+template+" IS_TEMPLATE true")
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
