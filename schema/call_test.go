package schema_test

import (
	"context"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// Call ids are each tenant's own count: a tenant's ids say nothing about
// another's volume, and end-call with an id finds only the tenant's call.
func TestCallNumbersPerTenant(t *testing.T) {
	t.Parallel()
	db := schematest.New(t)
	ctx := context.Background()
	a, b := newSeed(t, db, "alpha"), newSeed(t, db, "beta")
	var got [2][]int64
	for range 3 {
		for i, s := range []*seed{a, b, b} {
			id, err := db.CreateCall(ctx, s.ten, schema.NewCall{Number: "4733330000"})
			if err != nil {
				t.Fatal(err)
			}
			got[min(i, 1)] = append(got[min(i, 1)], id)
		}
	}
	want := [2][]int64{{1, 2, 3}, {1, 2, 3, 4, 5, 6}}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("ids %v, want %v", got, want)
		}
		for j := range got[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("ids %v, want %v", got, want)
			}
		}
	}
	// alpha ends its call 2; beta's call 2 stays unreported.
	if err := db.CompleteCall(ctx, a.ten, 2, schema.CallReport{Date: time.Now(), Type: schema.CallInbound}); err != nil {
		t.Fatal(err)
	}
	calls, err := db.ListCalls(ctx, b.ten, schema.CallFilter{ReportedOnly: true})
	if err != nil || len(calls) != 0 {
		t.Errorf("beta's reported calls: %v %+v", err, calls)
	}
	if err := db.CompleteCall(ctx, a.ten, 4, schema.CallReport{Date: time.Now(), Type: schema.CallInbound}); err == nil {
		t.Error("alpha ended call 4, which only beta has")
	}
}

// A number three records own: the call is in each listed owner's history,
// shown under that owner; unreported calls can be left out.
func TestCallInEveryOwnersHistory(t *testing.T) {
	t.Parallel()
	db := schematest.New(t)
	ctx := context.Background()
	s := newSeed(t, db, "acme")
	acc := s.account("A-9", "Filial Ltda", "Filial")
	first := s.contact("C-1004", "Ana", "Lima", nil, "")
	second := s.contact("C-1005", "Bruno", "Reis", &acc, "")
	s.phone(ptr(first), nil, schema.FieldBusiness, 0, "+554733334444")
	s.phone(ptr(second), nil, schema.FieldBusiness, 0, "+554733334444")
	s.phone(nil, ptr(acc), schema.FieldBusiness, 0, "+554733334444")

	owners, callNo, err := db.AnswerExact(ctx, s.ten, []string{"+554733334444"}, "4733334444", 10)
	if err != nil || len(owners) != 3 {
		t.Fatalf("answer: %v %+v", err, owners)
	}
	if err := db.RecordCallOwners(ctx, s.ten, callNo, owners); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ filter, wantContact, wantAccount string }{
		{"C-1004", "C-1004", ""},
		{"C-1005", "C-1005", "A-9"},
		{"A-9", "C-1005", "A-9"}, // the account's contact is listed before the account itself
		{"", "C-1004", ""},
	} {
		calls, err := db.ListCalls(ctx, s.ten, schema.CallFilter{ContactExternalID: tc.filter})
		if err != nil || len(calls) != 1 {
			t.Fatalf("%q: %v, %d calls", tc.filter, err, len(calls))
		}
		c := calls[0]
		if c.ID != callNo || c.ContactExternalID != tc.wantContact || c.AccountExternalID != tc.wantAccount || c.Ended {
			t.Errorf("%q: %+v", tc.filter, c)
		}
	}
	if calls, err := db.ListCalls(ctx, s.ten, schema.CallFilter{ContactExternalID: "C-1005", ReportedOnly: true}); err != nil || len(calls) != 0 {
		t.Errorf("reported only: %v %+v", err, calls)
	}
	if err := db.CompleteCall(ctx, s.ten, callNo, schema.CallReport{Date: time.Now(), Type: schema.CallInbound}); err != nil {
		t.Fatal(err)
	}
	if calls, err := db.ListCalls(ctx, s.ten, schema.CallFilter{ContactExternalID: "C-1005", ReportedOnly: true}); err != nil || len(calls) != 1 || !calls[0].Ended {
		t.Errorf("reported only, after end-call: %v %+v", err, calls)
	}
}

// Pruning deletes old unreported lookups, in batches, and journaled calls
// only when their retention is set.
func TestPruneCalls(t *testing.T) {
	t.Parallel()
	db := schematest.New(t)
	ctx := context.Background()
	s := newSeed(t, db, "acme")
	now := time.Now()
	mk := func(age time.Duration, reported bool) int64 {
		id, err := db.CreateCall(ctx, s.ten, schema.NewCall{Number: "4733330000"})
		if err != nil {
			t.Fatal(err)
		}
		if reported {
			if err := db.CompleteCall(ctx, s.ten, id, schema.CallReport{Date: now, Type: schema.CallMissed}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Pool.Exec(ctx, `UPDATE calls SET created_at = $3 WHERE tenant_id = $1 AND call_no = $2`, s.ten, id, now.Add(-age)); err != nil {
			t.Fatal(err)
		}
		return id
	}
	day := 24 * time.Hour
	for range 5 {
		mk(40*day, false) // old unreported: pruned
	}
	recent := mk(day, false)
	oldReported := mk(400*day, true)

	n, err := db.PruneCalls(ctx, schema.CallRetention{Unreported: 30 * day, Batch: 2}, now)
	if err != nil || n != 5 {
		t.Fatalf("pruned %d (%v), want 5", n, err)
	}
	left := func() []int64 {
		calls, err := db.ListCalls(ctx, s.ten, schema.CallFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range calls {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if ids := left(); len(ids) != 2 || ids[0] != oldReported || ids[1] != recent {
		t.Errorf("left %v, want the old journaled call %d and the recent lookup %d", ids, oldReported, recent)
	}
	if n, err := db.PruneCalls(ctx, schema.CallRetention{Unreported: 30 * day, Reported: 365 * day}, now); err != nil || n != 1 {
		t.Errorf("with a calls retention: pruned %d (%v), want 1", n, err)
	}
	if ids := left(); len(ids) != 1 || ids[0] != recent {
		t.Errorf("left %v, want %d", ids, recent)
	}
}
