package api

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Headers 3CX sends, as the seed names them.
const (
	HeaderToken  = "token_crm"
	HeaderTenant = "tenant"
)

// maxCachedTenants bounds the cache: random tenant names from an attacker
// must not grow memory without end.
const maxCachedTenants = 10000

// validSlug is the tenants table's slug rule (^[a-z0-9][a-z0-9_-]{0,62}$),
// checked without a regexp on the hot path.
func validSlug(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || i > 0 && (c == '_' || c == '-')) {
			return false
		}
	}
	return true
}

// tenantEntry is what a request needs about its tenant, loaded once per TTL.
type tenantEntry struct {
	creds      schema.TenantCredentials
	found      bool
	profile    normalize.Profile
	profileErr error
	loaded     time.Time
}

// authCache keeps tenants' credentials in memory so that the hot path does
// no auth query, and collects tokens' last use for a batched write.
type authCache struct {
	db    *schema.DB
	ttl   time.Duration
	group singleflight.Group

	mu      sync.RWMutex
	entries map[string]*tenantEntry

	usedMu sync.Mutex
	used   map[int64]time.Time
}

func newAuthCache(db *schema.DB, ttl time.Duration) *authCache {
	return &authCache{db: db, ttl: ttl, entries: map[string]*tenantEntry{}, used: map[int64]time.Time{}}
}

func (c *authCache) tenant(ctx context.Context, slug string) (*tenantEntry, error) {
	if c.ttl > 0 {
		c.mu.RLock()
		e := c.entries[slug]
		c.mu.RUnlock()
		if e != nil && time.Since(e.loaded) < c.ttl {
			return e, nil
		}
	}
	v, err, _ := c.group.Do(slug, func() (any, error) { return c.load(ctx, slug) })
	if err != nil {
		return nil, err
	}
	return v.(*tenantEntry), nil
}

func (c *authCache) load(ctx context.Context, slug string) (*tenantEntry, error) {
	creds, err := c.db.Credentials(ctx, slug)
	e := &tenantEntry{creds: creds, found: err == nil, loaded: time.Now()}
	if err != nil && cti3cx.ErrorCode(err) != cti3cx.ENOTFOUND {
		return nil, err
	}
	if e.found {
		e.profile, e.profileErr = normalize.NewProfile(creds.Tenant.DefaultDDD, creds.Tenant.DialFormat)
	}
	if c.ttl > 0 {
		c.mu.Lock()
		if len(c.entries) >= maxCachedTenants {
			clear(c.entries)
		}
		c.entries[slug] = e
		c.mu.Unlock()
	}
	return e, nil
}

func (c *authCache) markUsed(tokenID int64, at time.Time) {
	c.usedMu.Lock()
	c.used[tokenID] = at
	c.usedMu.Unlock()
}

func (c *authCache) takeUsed() map[int64]time.Time {
	c.usedMu.Lock()
	defer c.usedMu.Unlock()
	used := c.used
	c.used = map[int64]time.Time{}
	return used
}

// giveBackUsed keeps a failed flush's times for the next one, unless newer
// ones arrived meanwhile.
func (c *authCache) giveBackUsed(used map[int64]time.Time) {
	c.usedMu.Lock()
	defer c.usedMu.Unlock()
	for id, at := range used {
		if cur, ok := c.used[id]; !ok || cur.Before(at) {
			c.used[id] = at
		}
	}
}

// tenantHandler is a handler that runs for an authenticated tenant.
type tenantHandler func(w http.ResponseWriter, r *http.Request, t *tenantEntry)

// Principal is who made an authenticated request: the tenant and the token,
// with its role and label (the label names a staff member in audit rows).
type Principal struct {
	TenantID int64
	TokenID  int64
	Label    string
	Role     schema.Role
}

type principalKey struct{}

// principalFrom returns the request's authenticated principal; ok is false
// outside withTenant.
func principalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// withTenant authenticates the request by its token_crm and tenant headers
// and lets it through only for a token of one of roles. Every authentication
// failure is the same 401, so that callers learn nothing about which tenants
// exist; a valid token of another role is a 403 that names its role, which
// tells nothing its holder does not know.
func (s *Server) withTenant(next tenantHandler, roles ...schema.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		slug := r.Header.Get(HeaderTenant)
		secret := r.Header.Get(HeaderToken)
		if secret == "" || !validSlug(slug) {
			s.writeError(w, r, schema.ErrUnauthorized)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		defer cancel()
		e, err := s.auth.tenant(ctx, slug)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		tok, ok := e.creds.Match(secret)
		if !e.found || !ok {
			s.writeError(w, r, schema.ErrUnauthorized)
			return
		}
		if !slices.Contains(roles, tok.Role) {
			s.writeError(w, r, cti3cx.Errorf(cti3cx.EFORBIDDEN, "this token's role (%s) may not use this endpoint", tok.Role))
			return
		}
		if e.profileErr != nil {
			s.writeError(w, r, cti3cx.Errorf(cti3cx.EINTERNAL, "tenant %s: phone profile: %w", slug, e.profileErr))
			return
		}
		s.auth.markUsed(tok.ID, time.Now())
		ctx = context.WithValue(ctx, principalKey{}, Principal{TenantID: e.creds.Tenant.ID, TokenID: tok.ID, Label: tok.Label, Role: tok.Role})
		next(w, r.WithContext(ctx), e)
	}
}
