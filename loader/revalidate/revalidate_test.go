package revalidate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/loader/revalidate"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

func ptr(s string) *string { return &s }

// A change of rules and profile re-flags the number the new rules reject,
// un-flags the one the new profile completes, and leaves the rest alone.
func TestRevalidateReflagsAndUnflags(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "", "")
	other := rt.Tenant(t, db, "other", "", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme Ltda", "Acme")
	con := rt.Contact(t, db, tenant.ID, "C1", "Ana", "Silva", acc)
	otherAcc := rt.Account(t, db, other.ID, "A1", "Other", "")

	old := rt.Profile(t, tenant)
	ids := rt.Phones(t, db, tenant.ID, old, "old", []rt.Phone{
		{AccountID: acc, Field: schema.FieldBusiness, Raw: "(20) 3333-4444"},                  // DDD 20 does not exist
		{AccountID: acc, Field: schema.FieldMobile, Raw: "3333-4444"},                         // no DDD: invalid until the tenant has one
		{ContactID: con, Field: schema.FieldBusiness, Raw: "(47) 3333-4444"},                  // ok before and after
		{ContactID: con, Field: schema.FieldMobile, Raw: "não tem"},                           // invalid before and after
		{ContactID: con, Field: schema.FieldHome, Raw: "xx", Override: ptr("(47) 3322-1100")}, // a staff fix
	})
	if len(ids) != 5 {
		t.Fatalf("seeded %d rows, want 5", len(ids))
	}
	otherIDs := rt.Phones(t, db, other.ID, old, "old", []rt.Phone{{AccountID: otherAcc, Field: schema.FieldBusiness, Raw: "3333-4444"}})
	// What older rules made of the first number: a valid landline.
	if _, err := db.Pool.Exec(ctx, `UPDATE phones SET status = 'ok', reasons = '', e164 = '+552033334444', dial = '002033334444'
		WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	// And of the override: nothing yet, so revalidation must produce it.
	if _, err := db.Pool.Exec(ctx, `UPDATE phones SET status = 'invalid', e164 = '', dial = '' WHERE id = $1`, ids[4]); err != nil {
		t.Fatal(err)
	}
	before := map[int64]rt.Stored{}
	for _, id := range ids {
		before[id] = rt.Get(t, db, id)
	}
	if before[ids[1]].Status != "invalid" || before[ids[2]].Status != "ok" || before[ids[3]].Status != "invalid" {
		t.Fatalf("seed statuses unexpected: %v %v %v", before[ids[1]], before[ids[2]], before[ids[3]])
	}

	tenant.DefaultDDD = "47"
	tenant, err := db.UpdateTenant(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	run, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{Logger: schematest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}

	newProfile := rt.Profile(t, tenant)
	after := map[int64]rt.Stored{}
	for _, id := range ids {
		after[id] = rt.Get(t, db, id)
		if after[id].RulesVersion != normalize.RulesVersion || after[id].ProfileFingerprint != newProfile.Fingerprint() {
			t.Errorf("%v not stamped: %s %s", after[id], after[id].RulesVersion, after[id].ProfileFingerprint)
		}
	}
	if s := after[ids[0]]; s.Status != "invalid" || s.E164 != "" {
		t.Errorf("DDD 20: want re-flagged invalid with no E.164, got %v", s)
	}
	if s := after[ids[1]]; s.Status == "invalid" || s.E164 != "+5547"+"33334444" {
		t.Errorf("short number: want un-flagged with DDD 47, got %v", s)
	}
	if s := after[ids[2]]; s.Status != before[ids[2]].Status || s.E164 != before[ids[2]].E164 || s.Dial != before[ids[2]].Dial {
		t.Errorf("unchanged number changed: %v -> %v", before[ids[2]], s)
	}
	if s := after[ids[3]]; s.Status != "invalid" {
		t.Errorf("text: want still invalid, got %v", s)
	}
	if s := after[ids[4]]; s.Status == "invalid" || s.E164 != "+554733221100" || s.Raw != "xx" {
		t.Errorf("override: want normalized from the override, raw kept, got %v", s)
	}
	want := schema.RevalidationRun{Checked: 5, Changed: 3, NewlyInvalid: 1, Fixed: 2, StillInvalid: 1, Outcome: "ok"}
	got := schema.RevalidationRun{Checked: run.Checked, Changed: run.Changed, NewlyInvalid: run.NewlyInvalid,
		Fixed: run.Fixed, StillInvalid: run.StillInvalid, Outcome: run.Outcome}
	if got != want {
		t.Errorf("run counts = %+v, want %+v", got, want)
	}

	// Every change is audited, from what to what.
	rows, err := db.Pool.Query(ctx, `SELECT phone_id, actor, before->>'status', after->>'status' FROM phone_changes
		WHERE tenant_id = $1 ORDER BY phone_id`, tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	var audits []string
	for rows.Next() {
		var id int64
		var actor, from, to string
		if err := rows.Scan(&id, &actor, &from, &to); err != nil {
			t.Fatal(err)
		}
		audits = append(audits, fmt.Sprintf("%d %s %s->%s", id, actor, from, to))
	}
	wantAudits := []string{
		fmt.Sprintf("%d revalidation ok->invalid", ids[0]),
		fmt.Sprintf("%d revalidation invalid->%s", ids[1], after[ids[1]].Status),
		fmt.Sprintf("%d revalidation invalid->%s", ids[4], after[ids[4]].Status),
	}
	if fmt.Sprint(audits) != fmt.Sprint(wantAudits) {
		t.Errorf("audit rows = %q, want %q", audits, wantAudits)
	}

	// The other tenant is untouched.
	if s := rt.Get(t, db, otherIDs[0]); s.RulesVersion != "old" || s.Status != "invalid" {
		t.Errorf("other tenant's phone touched: %v", s)
	}

	// Nothing is left to check until the rules or the profile change again.
	again, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{})
	if err != nil || again.Checked != 0 {
		t.Errorf("second run checked %d (err %v), want 0", again.Checked, err)
	}
	all, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{All: true})
	if err != nil || all.Checked != 5 || all.Changed != 0 {
		t.Errorf("--all run checked %d changed %d (err %v), want 5 and 0", all.Checked, all.Changed, err)
	}
	runs, err := db.RevalidationRuns(ctx, tenant.ID, 10)
	if err != nil || len(runs) != 3 || runs[2].ID != run.ID {
		t.Errorf("runs = %+v (err %v), want 3 with the first last", runs, err)
	}
}

// A row whose position the cell no longer reaches is flagged, not dropped.
func TestRevalidateMissingPosition(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "47", "")
	acc := rt.Account(t, db, tenant.ID, "A1", "Acme", "")
	ids := rt.Phones(t, db, tenant.ID, rt.Profile(t, tenant), "old", []rt.Phone{{AccountID: acc, Field: schema.FieldBusiness, Raw: "(47) 3333-4444"}})
	var second int64
	err := db.Pool.QueryRow(ctx, `INSERT INTO phones (tenant_id, account_id, field, position, raw, input, e164, dial, status, rules_version)
		SELECT tenant_id, account_id, field, 1, raw, 'x', '+554799998888', '', 'ok', 'old' FROM phones WHERE id = $1 RETURNING id`, ids[0]).Scan(&second)
	if err != nil {
		t.Fatal(err)
	}
	run, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := rt.Get(t, db, second)
	if s.Status != "invalid" || s.Reasons != "ambiguous" || s.E164 != "" {
		t.Errorf("position 1 of a one-number cell: got %v, want invalid/ambiguous", s)
	}
	if first := rt.Get(t, db, ids[0]); first.Status != "ok" {
		t.Errorf("position 0: got %v", first)
	}
	if run.NewlyInvalid != 1 {
		t.Errorf("newly invalid = %d, want 1", run.NewlyInvalid)
	}
}

// An interrupted run keeps its finished batches; the next run does the rest.
func TestRevalidateInterruptedResumes(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "", "")
	accs := rt.Accounts(t, db, tenant.ID, 5)
	var cells []rt.Phone
	for i := range 25 {
		cells = append(cells, rt.Phone{AccountID: accs[i/5], Field: rt.Field(i), Raw: fmt.Sprintf("3%03d-%04d", 200+i, i)})
	}
	profile := rt.Profile(t, tenant)
	ids := rt.Phones(t, db, tenant.ID, profile, "old", cells)
	tenant.DefaultDDD = "11"
	tenant, _ = db.UpdateTenant(ctx, tenant)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := 0
	run, err := revalidate.Tenant(runCtx, db, tenant, revalidate.Options{BatchSize: 10, AfterBatch: func(revalidate.Counts) {
		batches++
		cancel() // as SIGTERM would, while the first batch commits
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}
	if run.Outcome != "interrupted" || run.Checked != 10 || batches != 1 {
		t.Fatalf("interrupted run = %+v after %d batches, want interrupted with 10 checked", run, batches)
	}
	stored, err := db.RevalidationRuns(ctx, tenant.ID, 1)
	if err != nil || stored[0].Outcome != "interrupted" || stored[0].FinishedAt == nil {
		t.Fatalf("stored run = %+v (%v)", stored, err)
	}
	done := rt.Count(t, db, `SELECT count(*) FROM phones WHERE tenant_id = $1 AND status <> 'invalid'`, tenant.ID)
	if done != 10 {
		t.Fatalf("%d rows fixed after the interrupted batch, want 10", done)
	}
	if s := rt.Get(t, db, ids[0]); s.Status == "invalid" {
		t.Errorf("first row not done: %v", s)
	}
	if s := rt.Get(t, db, ids[24]); s.Status != "invalid" || s.RulesVersion != "old" {
		t.Errorf("last row touched: %v", s)
	}

	resumed, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{BatchSize: 10})
	if err != nil || resumed.Checked != 15 || resumed.Fixed != 15 || resumed.Outcome != "ok" {
		t.Fatalf("resumed run = %+v (%v), want 15 checked and fixed", resumed, err)
	}
	if n := rt.Count(t, db, `SELECT count(*) FROM phones WHERE status = 'invalid'`); n != 0 {
		t.Errorf("%d rows still invalid", n)
	}
	if n := rt.Count(t, db, `SELECT count(*) FROM phone_changes WHERE actor = 'revalidation'`); n != 25 {
		t.Errorf("%d audit rows, want 25", n)
	}
	var audit map[string]any
	if err := db.Pool.QueryRow(ctx, `SELECT after FROM phone_changes WHERE phone_id = $1`, ids[24]).Scan(&audit); err != nil {
		t.Fatal(err)
	}
	if audit["e164"] != rt.Get(t, db, ids[24]).E164 {
		b, _ := json.Marshal(audit)
		t.Errorf("audit after = %s", b)
	}
}

func TestAllTenants(t *testing.T) {
	ctx := context.Background()
	db := schematest.New(t)
	var tenants []schema.Tenant
	for _, slug := range []string{"a", "b"} {
		tn := rt.Tenant(t, db, slug, "47", "")
		acc := rt.Account(t, db, tn.ID, "A1", "X", "")
		rt.Phones(t, db, tn.ID, rt.Profile(t, tn), "old", []rt.Phone{{AccountID: acc, Field: schema.FieldBusiness, Raw: "(47) 3333-4444"}})
		tenants = append(tenants, tn)
	}
	runs, err := revalidate.All(ctx, db, revalidate.Options{})
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs = %+v (%v)", runs, err)
	}
	for i, r := range runs {
		if r.TenantID != tenants[i].ID || r.Checked != 1 || r.Changed != 0 {
			t.Errorf("run %d = %+v", i, r)
		}
	}
}

// A phone staff marked "not a phone" (an empty override) stays cleared when
// revalidated: the empty override is staff's word, not a cell to read.
func TestRevalidateKeepsNotAPhone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := schematest.New(t)
	tenant := rt.Tenant(t, db, "acme", "", "")
	con := rt.Contact(t, db, tenant.ID, "C1", "Ana", "Silva", 0)
	ids := rt.Phones(t, db, tenant.ID, rt.Profile(t, tenant), "old", []rt.Phone{
		{ContactID: con, Field: schema.FieldHome, Raw: "3333-4444"}, // invalid: no DDD yet
	})
	fx, err := report.NewFixer(db, tenant, "staff:test")
	if err != nil {
		t.Fatal(err)
	}
	s := rt.Get(t, db, ids[0])
	out, err := fx.Apply(ctx, report.Correction{Ref: report.Ref(s.ID, s.Raw, s.Override), NotAPhone: true})
	if err != nil || out.Rejected != "" {
		t.Fatalf("not a phone: %+v %v", out, err)
	}
	tenant.DefaultDDD = "47" // would make the raw value valid
	if tenant, err = db.UpdateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if _, err := revalidate.Tenant(ctx, db, tenant, revalidate.Options{Logger: schematest.Logger(t), All: true}); err != nil {
		t.Fatal(err)
	}
	s = rt.Get(t, db, ids[0])
	if s.Override == nil || *s.Override != "" || s.E164 != "" || s.Dial != "" || s.Status != "fixed" ||
		s.Reasons != "not_a_number" || s.ProfileFingerprint != rt.Profile(t, tenant).Fingerprint() {
		t.Errorf("after revalidation: %+v", s)
	}
}
