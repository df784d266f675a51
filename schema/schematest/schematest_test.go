package schematest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// A database whose owner binary is gone (its lock is free) is dropped by the
// next binary; one whose owner still runs (its lock is held) is left alone.
func TestOrphansOfDeadBinariesAreDropped(t *testing.T) {
	ctx := context.Background()
	setup(t)
	dead, alive := owner^0x5a5a5a5a, owner^0xa5a5a5a5
	deadDB := fmt.Sprintf("%s%08x_%s", testPrefix, dead, randomHex(6))
	aliveDB := fmt.Sprintf("%s%08x_%s", testPrefix, alive, randomHex(6))
	for _, name := range []string{deadDB, aliveDB} {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dropDatabase(name) })
	}
	other, err := pgx.Connect(ctx, serverURL.String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	if _, err := other.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", ownerLockSpace, int32(alive)); err != nil {
		t.Fatal(err)
	}

	if err := dropOrphans(ctx); err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool {
		var n int
		if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if exists(deadDB) {
		t.Errorf("%s (owner gone) was not dropped", deadDB)
	}
	if !exists(aliveDB) {
		t.Errorf("%s (owner running) was dropped", aliveDB)
	}
}

func TestOwnerOf(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"cti3cx_test_0badf00d_a1b2c3d4e5f6": true,
		"cti3cx_test_a1b2c3d4e5f6":          false, // a name from before owner ids
		"cti3cx_tmpl_0123456789abcdef":      false,
		"cti3cx_test_zzzzzzzz_a1":           false,
	} {
		if _, ok := ownerOf(name); ok != want {
			t.Errorf("ownerOf(%q) ok = %v, want %v", name, ok, want)
		}
	}
}
