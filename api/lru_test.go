package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

func TestLRUKeepsWhatIsUsed(t *testing.T) {
	t.Parallel()
	c := newLRU[string, int](3)
	for i, k := range []string{"a", "b", "c"} {
		c.put(k, i)
	}
	c.get("a") // a is now the most recent
	c.put("d", 3)
	if _, ok := c.get("b"); ok {
		t.Error("b, the least recently used, was kept")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if c.len() != 3 {
		t.Errorf("len %d", c.len())
	}
}

// A flood of unknown slugs is bounded and never evicts a known tenant, and
// each unknown slug is asked once per TTL, not once per request.
func TestAuthCacheUnknownSlugFlood(t *testing.T) {
	t.Parallel()
	db := schematest.New(t)
	ctx := context.Background()
	if _, err := db.CreateTenant(ctx, schema.Tenant{Slug: "acme", DefaultDDD: "47"}); err != nil {
		t.Fatal(err)
	}
	c := newAuthCache(db, time.Hour)
	if e, err := c.tenant(ctx, "acme"); err != nil || !e.found {
		t.Fatalf("acme: %+v %v", e, err)
	}
	for i := range maxCachedTenants + 500 {
		if e, err := c.tenant(ctx, fmt.Sprintf("nobody-%d", i)); err != nil || e.found {
			t.Fatalf("unknown %d: %+v %v", i, e, err)
		}
	}
	if n := c.unknown.len(); n != maxCachedTenants {
		t.Errorf("%d unknown slugs cached, want the bound %d", n, maxCachedTenants)
	}
	if c.cached("acme") == nil {
		t.Error("the flood evicted the known tenant")
	}
	if c.cached("nobody-0") != nil || c.cached(fmt.Sprintf("nobody-%d", maxCachedTenants+499)) == nil {
		t.Error("the unknown cache does not keep the most recent slugs")
	}
	// A tenant created after its slug was cached as unknown is found once
	// the entry expires.
	c.ttl = time.Nanosecond
	if _, err := db.CreateTenant(ctx, schema.Tenant{Slug: "nobody-10499", DefaultDDD: "47"}); err != nil {
		t.Fatal(err)
	}
	if e, err := c.tenant(ctx, "nobody-10499"); err != nil || !e.found {
		t.Errorf("new tenant: %+v %v", e, err)
	}
}
