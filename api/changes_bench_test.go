package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// BenchmarkChangesFeed100k: a sync client pages through 100,000 changes
// (contacts with a phone each) over HTTP, 1,000 per page, the default.
// Target: at least 50,000 changes/s.
//
//	go test -run '^$' -bench ChangesFeed -benchtime 1x ./api/
func BenchmarkChangesFeed100k(b *testing.B) {
	const n = 100_000
	db := schematest.New(b)
	ten := apitest.NewTenant(b, db, schema.Tenant{Slug: "bench", DefaultDDD: "47"})
	ten.Bulk(b, 0, n) // one transaction: n changes
	secret := ten.IssueToken(b, "sync", schema.RoleSync)
	srv := api.NewServer(api.Deps{DB: db})
	hs, base := serve(b, srv)
	b.Cleanup(func() { hs.Close(); _ = srv.Close(context.Background()) })
	client := &http.Client{Timeout: time.Minute}
	// The client decodes what a sync needs to count: the page's size and
	// its next.
	type lightPage struct {
		Changes []struct {
			ChangeID int64 `json:"change_id"`
		} `json:"changes"`
		Next string `json:"next"`
	}
	page := func(since string) lightPage {
		req, _ := http.NewRequest("GET", base+"/cti3cx/changes?limit=1000&since="+url.QueryEscape(since), nil)
		req.Header["token_crm"] = []string{secret}
		req.Header["tenant"] = []string{"bench"}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var p lightPage
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != 200 {
			b.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		return p
	}
	// Wait until the seeding is below the horizon (another test's
	// transaction in this database may still be running).
	deadline := time.Now().Add(time.Minute)
	for len(page("").Changes) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		seen, since := 0, ""
		for {
			p := page(since)
			if len(p.Changes) == 0 {
				break
			}
			seen += len(p.Changes)
			since = p.Next
		}
		elapsed := time.Since(start)
		if seen != n {
			b.Fatalf("paged %d changes, want %d", seen, n)
		}
		rate := float64(seen) / elapsed.Seconds()
		b.ReportMetric(rate, "changes/s")
		if rate < 50_000 {
			b.Errorf("%.0f changes/s, want at least 50,000", rate)
		}
	}
}
