package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

func (f *fixture) changes(secret, since string, limit int) (api.ChangesPage, reply) {
	f.t.Helper()
	r := f.do("GET", fmt.Sprintf("/cti3cx/changes?since=%s&limit=%d", url.QueryEscape(since), limit),
		map[string]string{"token_crm": secret, "tenant": "acme"}, "")
	var page api.ChangesPage
	if r.status == 200 {
		if err := json.Unmarshal([]byte(r.body), &page); err != nil {
			f.t.Fatalf("%v: %s", err, r.body)
		}
	}
	return page, r
}

// waitChanges reads the page after since until it holds n changes: a
// transaction of another test in the same server holds the feed back until
// it ends (the feed reads below the oldest transaction in flight).
func (f *fixture) waitChanges(secret, since string, n int) (api.ChangesPage, reply) {
	f.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		page, r := f.changes(secret, since, 100)
		if r.status != 200 || len(page.Changes) >= n || time.Now().After(deadline) {
			return page, r
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The feed answers sync tokens only, and says why to others; a bad cursor
// or limit is a 400.
func TestChangesFeedRolesAndArguments(t *testing.T) {
	f := newFixture(t, api.Deps{})
	syncTok := f.acme.IssueToken(t, "crm sync", schema.RoleSync)
	if _, r := f.changes(f.acme.Token, "", 10); r.status != 403 || !strings.Contains(r.body, "(pbx)") {
		t.Errorf("pbx token: %d %s", r.status, r.body)
	}
	if _, r := f.changes("nope", "", 10); r.status != 401 {
		t.Errorf("bad token: %d %s", r.status, r.body)
	}
	for _, q := range []string{"since=garbage", "since=1.people.2", "limit=0", "limit=10001", "limit=x"} {
		r := f.do("GET", "/cti3cx/changes?"+q, map[string]string{"token_crm": syncTok, "tenant": "acme"}, "")
		if r.status != 400 || !strings.HasPrefix(r.body, `{"error":`) {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	// The fixture's seeds are changes too, with the records' data: one per
	// statement (each its own transaction): the account and its phone, the
	// contact and its two phones.
	page, r := f.waitChanges(syncTok, "", 5)
	if r.status != 200 || len(page.Changes) != 5 {
		t.Fatalf("first page: %d %s", r.status, r.body)
	}
	if !strings.Contains(r.body, `"kind":"contact","id":"C-1001","deleted":false`) ||
		!strings.Contains(r.body, `"value":"0047999887766","e164":"+5547999887766"`) {
		t.Errorf("first page: %s", r.body)
	}
	again, _ := f.changes(syncTok, page.Next, 100)
	if len(again.Changes) != 0 || again.Next != page.Next {
		t.Errorf("past the end: %+v (next %q)", again, page.Next)
	}
	f.acme.SoftDelete(t, f.maria)
	page, r = f.waitChanges(syncTok, page.Next, 1)
	if len(page.Changes) != 1 || !page.Changes[0].Deleted || page.Changes[0].ID != "C-1001" {
		t.Errorf("after the soft delete: %s", r.body)
	}
}

// Concurrent imports and staff fixes, one of them holding its transaction
// open while later ones commit, with a reader following the feed in small
// pages all along: the reader sees every change exactly once.
func TestChangesFeedConcurrentWritersExactlyOnce(t *testing.T) {
	f := newFixture(t, api.Deps{})
	ctx := context.Background()
	syncTok := f.acme.IssueToken(t, "crm sync", schema.RoleSync)
	ten, err := f.db.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	importFile := func(name, content string) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Error(err)
			return
		}
		if _, err := loader.Import(ctx, f.db, ten, loader.Options{File: path, Kind: "contacts",
			RejectsPath: filepath.Join(dir, name+".rej")}); err != nil {
			t.Errorf("import %s: %v", name, err)
		}
	}
	// Contacts with invalid numbers, for the fixes.
	var fixCSV strings.Builder
	fixCSV.WriteString("codigo;nome;celular\n")
	for i := range 6 {
		fmt.Fprintf(&fixCSV, "F%d;Fix;12%d\n", i, i)
	}
	importFile("fix.csv", fixCSV.String())
	expected := map[string]int{"C-1001": 3, "A-1": 2} // the fixture's seeds, one transaction each
	for i := range 6 {
		expected[fmt.Sprintf("F%d", i)] = 2 // imported, then fixed
	}
	var invalid []int64
	err = f.db.ExportRecords(ctx, ten.ID, schema.KindContact, schema.ExportFilter{}, nil, func(r *schema.RecordState) error {
		if strings.HasPrefix(r.ExternalID, "F") {
			for _, ph := range r.Phones {
				invalid = append(invalid, ph.ID)
			}
		}
		return nil
	})
	if err != nil || len(invalid) != 6 {
		t.Fatalf("fix targets %v (%v)", invalid, err)
	}

	const importers, rounds, perFile = 3, 4, 15
	for g := range importers {
		for i := range perFile {
			expected[fmt.Sprintf("G%d-%d", g, i)] = rounds
		}
	}
	p, _ := normalize.NewProfile("47", "")
	fix := func(phoneID int64, n int, hold <-chan struct{}) {
		fx := p.Normalize(fmt.Sprintf("(47) 3232-%04d", n))[0]
		err := f.db.ApplyFix(ctx, ten.ID, schema.Fix{PhoneID: phoneID, Override: fx.Input, Actor: "fix:test",
			Fields:       schema.Normalized{E164: fx.E164, Dial: fx.Dial, Type: string(fx.Type), Status: string(fx.Status)},
			RulesVersion: normalize.RulesVersion, ProfileFingerprint: p.Fingerprint()},
			func(schema.FixTarget) error {
				if hold != nil {
					<-hold // the row is locked: this transaction has its id and stays open
				}
				return nil
			})
		if err != nil {
			t.Errorf("fix %d: %v", phoneID, err)
		}
	}

	// The reader starts before the writers and follows until it has seen
	// everything expected, then one more empty page.
	var got []api.Change
	readerDone := make(chan struct{})
	writersDone := make(chan struct{})
	pagesDuringWrites := 0
	go func() {
		defer close(readerDone)
		since, deadline := "", time.Now().Add(2*time.Minute)
		for time.Now().Before(deadline) {
			page, r := f.changes(syncTok, since, 7)
			if r.status != 200 {
				t.Errorf("feed: %d %s", r.status, r.body)
				return
			}
			got = append(got, page.Changes...)
			since = page.Next
			select {
			case <-writersDone:
				if len(page.Changes) == 0 && len(got) >= total(expected) {
					return
				}
			default:
				pagesDuringWrites++
			}
			if len(page.Changes) == 0 {
				time.Sleep(20 * time.Millisecond)
			}
		}
		t.Error("the reader timed out")
	}()

	hold := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // opens first, commits last
		defer wg.Done()
		fix(invalid[0], 0, hold)
	}()
	time.Sleep(50 * time.Millisecond)
	for g := range importers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				var b strings.Builder
				b.WriteString("codigo;nome;celular;telefone\n")
				for i := range perFile {
					fmt.Fprintf(&b, "G%d-%d;Nome %d;(47) 9%d%03d-%04d;\n", g, i, r, g, r, i)
				}
				importFile(fmt.Sprintf("g%d-%d.csv", g, r), b.String())
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, id := range invalid[1:] {
			fix(id, i+1, nil)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	close(hold)
	wg.Wait()
	close(writersDone)
	<-readerDone

	ids := map[int64]bool{}
	count := map[string]int{}
	for _, c := range got {
		if ids[c.ChangeID] {
			t.Errorf("change %d (%s) seen twice", c.ChangeID, c.ID)
		}
		ids[c.ChangeID] = true
		count[c.ID]++
	}
	for id, n := range expected {
		if count[id] != n {
			t.Errorf("%s: seen %d times, want %d", id, count[id], n)
		}
	}
	for id := range count {
		if _, ok := expected[id]; !ok {
			t.Errorf("%s: seen, never written", id)
		}
	}
	if pagesDuringWrites < 3 {
		t.Errorf("the reader read only %d pages while the writers ran", pagesDuringWrites)
	}
	t.Logf("%d changes in %d pages while writing", len(got), pagesDuringWrites)
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
