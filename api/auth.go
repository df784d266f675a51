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

// maxCachedTenants bounds each of the caches (known tenants, unknown
// slugs): random tenant names from an attacker must not grow memory without
// end, and evict the least recently used, so that a flood of unknown slugs
// never pushes out the tenants in use.
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

	known   *lru[string, *tenantEntry]
	unknown *lru[string, *tenantEntry]

	usedMu sync.Mutex
	used   map[int64]time.Time
}

func newAuthCache(db *schema.DB, ttl time.Duration) *authCache {
	return &authCache{db: db, ttl: ttl, used: map[int64]time.Time{},
		known: newLRU[string, *tenantEntry](maxCachedTenants), unknown: newLRU[string, *tenantEntry](maxCachedTenants)}
}

// cached looks in both caches whatever it finds, so that a known tenant
// and an unknown slug cost the same.
func (c *authCache) cached(slug string) *tenantEntry {
	k, okKnown := c.known.get(slug)
	u, okUnknown := c.unknown.get(slug)
	e := k
	if !okKnown {
		e, okKnown = u, okUnknown
	}
	if okKnown && time.Since(e.loaded) < c.ttl {
		return e
	}
	return nil
}

func (c *authCache) tenant(ctx context.Context, slug string) (*tenantEntry, error) {
	if c.ttl > 0 {
		if e := c.cached(slug); e != nil {
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
	// An unknown slug builds a profile too, from the defaults, and drops
	// it: loading costs the same either way.
	e.profile, e.profileErr = normalize.NewProfile(creds.Tenant.DefaultDDD, creds.Tenant.DialFormat)
	if c.ttl > 0 {
		// A slug moves between the caches when a tenant is added or removed.
		if e.found {
			c.unknown.remove(slug)
			c.known.put(slug, e)
		} else {
			c.known.remove(slug)
			c.unknown.put(slug, e)
		}
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
//
// Failed authentications are limited per client address (429 with
// Retry-After once spent), and a tenant header without token_crm, the mark
// of a proxy that drops headers with underscores, is logged once.
func (s *Server) withTenant(next tenantHandler, roles ...schema.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		client := s.clientAddr(r)
		if wait, blocked := s.failures.blocked(client); blocked {
			w.Header().Set("Retry-After", retryAfter(wait))
			writeJSON(w, http.StatusTooManyRequests, errorBody{Error: "too many failed authentications from this address: retry after " + retryAfter(wait) + " s"})
			return
		}
		slug := r.Header.Get(HeaderTenant)
		secret := r.Header.Get(HeaderToken)
		if secret == "" && slug != "" {
			s.warnDroppedToken()
		}
		if secret == "" || !validSlug(slug) {
			s.failures.fail(client)
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
		// Match hashes the secret for an unknown tenant too: both failures
		// cost the same (see BenchmarkAuthTiming).
		tok, ok := e.creds.Match(secret)
		if !e.found || !ok {
			s.failures.fail(client)
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

// warnDroppedToken logs, once per process, the likely cause of requests
// that name a tenant but carry no token: not per request, which an
// attacker could use to flood the log.
func (s *Server) warnDroppedToken() {
	if s.warnedToken.CompareAndSwap(false, true) {
		s.log.Warn("a request has a tenant header but no token_crm: a proxy in front probably drops headers with underscores " +
			"(nginx: underscores_in_headers on; see samples/nginx/cti3cx.conf); logged once")
	}
}
