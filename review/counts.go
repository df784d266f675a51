package review

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cti3cx/cti3cx/schema"
)

// DefaultCountsTTL is how long the counts per reason are kept.
const DefaultCountsTTL = 30 * time.Second

// maxCounts bounds the cache: one entry per tenant and combination of
// status, field and record kind filters.
const maxCounts = 10000

// counts keeps the counts per reason of the list. Counting a tenant's
// 100,000 flagged phones reads all of them (some 100-300 ms on a loaded
// machine), while a page of 50 is an index walk of a few milliseconds: so
// the counts are computed at most once per TTL for each set of filters, and
// a correction stored through these pages takes its phone off them. What
// imports and revalidation change shows within the TTL.
type counts struct {
	db    *schema.DB
	ttl   time.Duration
	group singleflight.Group

	mu sync.Mutex
	by map[countKey]countEntry
}

type countKey struct {
	tenantID              int64
	statuses, field, kind string
}

type countEntry struct {
	groups []schema.ReportGroup
	at     time.Time
}

func newCounts(db *schema.DB, ttl time.Duration) *counts {
	return &counts{db: db, ttl: ttl, by: map[countKey]countEntry{}}
}

// get returns the counts for the filter (its reasons and search aside).
func (c *counts) get(ctx context.Context, tenantID int64, f schema.ReviewFilter) ([]schema.ReportGroup, error) {
	key := countKey{tenantID: tenantID, statuses: strings.Join(f.Statuses, ","), field: f.Field, kind: string(f.Kind)}
	c.mu.Lock()
	e, ok := c.by[key]
	c.mu.Unlock()
	if ok && time.Since(e.at) < c.ttl {
		return e.groups, nil
	}
	sk := itoa(tenantID) + "|" + key.statuses + "|" + key.field + "|" + key.kind
	v, err, _ := c.group.Do(sk, func() (any, error) {
		start := time.Now()
		groups, err := c.db.ReviewGroups(ctx, tenantID, f)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if len(c.by) >= maxCounts {
			clear(c.by)
		}
		c.by[key] = countEntry{groups: groups, at: start}
		c.mu.Unlock()
		return groups, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]schema.ReportGroup), nil
}

// left takes a phone that a correction just took out of the list off the
// tenant's cached counts it was in, so that the page after a correction
// needs no recount. A phone that was not in the list changes nothing.
func (c *counts) left(tenantID int64, r schema.ReviewRow) {
	if r.Status == "ok" || (r.Override != nil && r.Status != "invalid") {
		return // not in the list: fixed by staff already
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.by {
		if k.tenantID != tenantID || !slices.Contains(strings.Split(k.statuses, ","), r.Status) ||
			(k.field != "" && k.field != r.Field) || (k.kind != "" && k.kind != string(r.Kind)) {
			continue
		}
		// A new slice: a request may be reading the old one.
		groups := make([]schema.ReportGroup, 0, len(e.groups))
		for _, g := range e.groups {
			if g.Status == r.Status && g.Reasons == r.Reasons {
				g.Count--
			}
			if g.Count > 0 {
				groups = append(groups, g)
			}
		}
		c.by[k] = countEntry{groups: groups, at: e.at}
	}
}
