package schema_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// seed inserts rows with plain SQL: the loader owns the real write path.
type seed struct {
	t   *testing.T
	db  *schema.DB
	ten int64
}

func newSeed(t *testing.T, db *schema.DB, slug string) *seed {
	t.Helper()
	ten, err := db.CreateTenant(context.Background(), schema.Tenant{Slug: slug, DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	return &seed{t: t, db: db, ten: ten.ID}
}

func (s *seed) exec(sql string, args ...any) int64 {
	s.t.Helper()
	var id int64
	if err := s.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

func (s *seed) account(ext, name, trade string) int64 {
	return s.exec(`INSERT INTO accounts (tenant_id, external_id, name, trade_name, email) VALUES ($1, $2, $3, $4, 'x@acme.example') RETURNING id`, s.ten, ext, name, trade)
}

func (s *seed) contact(ext, first, last string, account *int64, company string) int64 {
	return s.exec(`INSERT INTO contacts (tenant_id, external_id, first_name, last_name, email, account_id, company) VALUES ($1, $2, $3, $4, lower($3) || '@example.com', $5, $6) RETURNING id`, s.ten, ext, first, last, account, company)
}

func (s *seed) phone(contact, account *int64, field string, pos int, e164 string) int64 {
	dial := ""
	if e164 != "" {
		dial = "00" + e164[3:]
	}
	status := "ok"
	if e164 == "" {
		status = "invalid"
	}
	return s.exec(`INSERT INTO phones (tenant_id, contact_id, account_id, field, position, raw, e164, dial, status) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id`,
		s.ten, contact, account, field, pos, e164, dial, status)
}

func ptr(v int64) *int64 { return &v }

func TestLookupExact(t *testing.T) {
	db := schematest.New(t)
	ctx := context.Background()
	s := newSeed(t, db, "acme")
	acc := s.account("A-1", "Acme Ltda", "Acme")
	maria := s.contact("C-1", "Maria", "Silva", &acc, "ignored")
	joao := s.contact("C-2", "João", "Souza", nil, "Free Text Co")
	gone := s.contact("C-3", "Gone", "Away", nil, "")
	s.phone(ptr(maria), nil, schema.FieldMobile, 0, "+5547999887766")
	s.phone(ptr(maria), nil, schema.FieldBusiness, 0, "+554733334444")
	s.phone(ptr(joao), nil, schema.FieldFax, 0, "+5547999887766")
	s.phone(ptr(gone), nil, schema.FieldMobile, 0, "+5547999887766")
	s.phone(nil, ptr(acc), schema.FieldBusiness, 0, "+554733334444")
	if _, err := db.Pool.Exec(ctx, `UPDATE contacts SET deleted_at = now() WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}
	other := newSeed(t, db, "other")
	oc := other.contact("C-1", "Other", "Tenant", nil, "")
	other.phone(ptr(oc), nil, schema.FieldMobile, 0, "+5547999887766")

	owners, err := db.LookupExact(ctx, s.ten, []string{"+5547999887766"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 2 {
		t.Fatalf("got %d owners, want Maria and João (not the deleted one, not the other tenant's): %+v", len(owners), owners)
	}
	m, j := owners[0], owners[1]
	if m.ExternalID != "C-1" || m.Company != "Acme" || m.Field != schema.FieldMobile || m.Kind != schema.KindContact || m.OwnerID != maria {
		t.Errorf("Maria: %+v", m)
	}
	if len(m.Phones) != 2 || m.Phones[0].Field != schema.FieldBusiness || m.Phones[0].E164 != "+554733334444" {
		t.Errorf("Maria's phones: %+v", m.Phones)
	}
	if j.ExternalID != "C-2" || j.Company != "Free Text Co" || j.Field != schema.FieldFax || len(j.Phones) != 0 {
		t.Errorf("João: %+v", j)
	}

	// Answering records one call, attributed to the first owner listed.
	answered, callID, err := db.AnswerExact(ctx, s.ten, []string{"+5547999887766"}, "047999887766", 0)
	if err != nil || len(answered) != 2 || callID <= 0 {
		t.Fatalf("answer: %v %d %+v", err, callID, answered)
	}
	var callContact *int64
	var callE164 string
	if err := db.Pool.QueryRow(ctx, `SELECT contact_id, e164 FROM calls WHERE call_no = $1 AND tenant_id = $2 AND number = '047999887766'`, callID, s.ten).Scan(&callContact, &callE164); err != nil || callContact == nil || *callContact != answered[0].OwnerID || callE164 != "+5547999887766" {
		t.Errorf("call %d: contact %v %q, %v; want %d", callID, callContact, callE164, err, answered[0].OwnerID)
	}
	if _, callID, err := db.AnswerExact(ctx, s.ten, []string{"+5511900000000"}, "11900000000", 0); err != nil || callID != 0 {
		t.Errorf("no match recorded call %d (%v)", callID, err)
	}
	if _, callID, err := db.AnswerSuffix(ctx, s.ten, "99887766", "99887766", 0); err != nil || callID == 0 {
		t.Errorf("suffix answer: call %d (%v)", callID, err)
	}
	var calls int
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM calls`).Scan(&calls)
	if calls != 2 {
		t.Errorf("%d calls recorded, want 2", calls)
	}

	// Only the best-ranked candidate's owners answer.
	owners, err = db.LookupExact(ctx, s.ten, []string{"+5547000000000", "+554733334444", "+5547999887766"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 2 || owners[0].Rank != 1 || owners[0].Kind != schema.KindContact || owners[1].Kind != schema.KindAccount {
		t.Fatalf("rank-1 owners: %+v", owners)
	}
	if a := owners[1]; a.ExternalID != "A-1" || a.FirstName != "Acme" || a.Company != "Acme" || a.LastName != "" {
		t.Errorf("account: %+v", a)
	}

	owners, err = db.LookupExact(ctx, s.ten, []string{"+5511900000000"}, 0)
	if err != nil || len(owners) != 0 {
		t.Fatalf("unknown number: %v %+v", err, owners)
	}
}

func TestLookupSuffixBounded(t *testing.T) {
	db := schematest.New(t)
	ctx := context.Background()
	s := newSeed(t, db, "acme")
	// The same last 8 digits in 30 area codes.
	for ddd := 11; ddd < 41; ddd++ {
		c := s.contact(fmt.Sprintf("C-%d", ddd), "N", fmt.Sprint(ddd), nil, "")
		s.phone(ptr(c), nil, schema.FieldMobile, 0, fmt.Sprintf("+55%d987654321", ddd))
	}
	owners, err := db.LookupSuffix(ctx, s.ten, "87654321", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != schema.MaxLookupOwners {
		t.Fatalf("got %d owners, want the bound %d", len(owners), schema.MaxLookupOwners)
	}
	owners, err = db.LookupSuffix(ctx, s.ten, "21987654321", 0)
	if err != nil || len(owners) != 1 || owners[0].ExternalID != "C-21" || owners[0].Rank != -1 {
		t.Fatalf("11-digit suffix: %v %+v", err, owners)
	}
	owners, err = db.LookupSuffix(ctx, s.ten, "11111111", 0)
	if err != nil || len(owners) != 0 {
		t.Fatalf("no match: %v %+v", err, owners)
	}
	if _, err := db.LookupSuffix(ctx, s.ten, "12%", 0); cti3cx.ErrorCode(err) != cti3cx.EINVALID {
		t.Fatalf("pattern characters must be refused, got %v", err)
	}
}

// The suffix lookup must use the reversed index even with the generic plan
// pgx's statement cache ends up with.
func TestLookupSuffixUsesIndex(t *testing.T) {
	db := schematest.New(t)
	ctx := context.Background()
	s := newSeed(t, db, "acme")
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO contacts (tenant_id, external_id) SELECT $1, 'B-' || g FROM generate_series(1, 5000) g`, s.ten); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO phones (tenant_id, contact_id, field, raw, e164, dial, status)
		SELECT $1, id, 'mobilephone', '', '+55479' || lpad(id::text, 8, '0'), '', 'ok' FROM contacts WHERE tenant_id = $1`, s.ten); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE phones`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET plan_cache_mode`) //nolint:errcheck
	rows, err := conn.Query(ctx, `EXPLAIN SELECT id FROM phones p WHERE p.tenant_id = $1 AND p.e164 <> ''
		AND p.e164_reversed ~>=~ $2 AND p.e164_reversed ~<~ $3 AND p.e164_reversed LIKE $2 || '%'`, s.ten, "1234", "1234:")
	if err != nil {
		t.Fatal(err)
	}
	plan := ""
	for rows.Next() {
		var line string
		_ = rows.Scan(&line)
		plan += line + "\n"
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if !containsAll(plan, "phones_e164_reversed") {
		t.Fatalf("suffix lookup does not use phones_e164_reversed:\n%s", plan)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		found := false
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func TestCalls(t *testing.T) {
	db := schematest.New(t)
	ctx := context.Background()
	s := newSeed(t, db, "acme")
	other := newSeed(t, db, "other")
	acc := s.account("A-1", "Acme Ltda", "")
	maria := s.contact("C-1", "Maria", "Silva", &acc, "")

	id, err := db.CreateCall(ctx, s.ten, schema.NewCall{Number: "5547999887766", E164: "+5547999887766", ContactID: &maria})
	if err != nil {
		t.Fatal(err)
	}
	placeholder, err := db.CreateCall(ctx, s.ten, schema.NewCall{Number: "11999990000"})
	if err != nil {
		t.Fatal(err)
	}
	rep := schema.CallReport{
		Date: time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC), Start: 23*time.Hour + 59*time.Minute,
		End: 2 * time.Minute, Duration: 3 * time.Minute, Type: schema.CallInbound, Agent: "201", Phone: "5547999887766",
	}
	for range 2 { // idempotent
		if err := db.CompleteCall(ctx, s.ten, id, rep); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CompleteCall(ctx, other.ten, id, rep); cti3cx.ErrorCode(err) != cti3cx.ENOTFOUND {
		t.Fatalf("other tenant's call: got %v, want not found", err)
	}
	if err := db.CompleteCall(ctx, s.ten, id+1000, rep); cti3cx.ErrorCode(err) != cti3cx.ENOTFOUND {
		t.Fatalf("unknown call: got %v, want not found", err)
	}

	calls, err := db.ListCalls(ctx, s.ten, schema.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("got %d calls, want 2", len(calls))
	}
	c := calls[0]
	if c.ID != id || c.ContactExternalID != "C-1" || c.ContactName != "Maria Silva" || c.Company != "Acme Ltda" ||
		!c.Answered() || c.Agent != "201" || *c.Duration != 3*time.Minute || *c.Start != rep.Start || *c.End != rep.End ||
		c.Date.Format("2006-01-02") != "2024-05-31" {
		t.Errorf("call: %+v", c)
	}
	if calls[1].ID != placeholder || calls[1].Ended || calls[1].Answered() {
		t.Errorf("placeholder call: %+v", calls[1])
	}
	for _, tc := range []struct {
		f    schema.CallFilter
		want int
	}{
		{schema.CallFilter{ContactExternalID: "C-1"}, 1},
		{schema.CallFilter{ContactExternalID: "A-1"}, 1}, // an account's contacts' calls
		{schema.CallFilter{ContactExternalID: "C-9"}, 0},
		{schema.CallFilter{Since: time.Now().Add(time.Hour)}, 0},
		{schema.CallFilter{Since: time.Now().Add(-time.Hour)}, 2},
	} {
		got, err := db.ListCalls(ctx, s.ten, tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("%+v: got %d calls (%v), want %d", tc.f, len(got), err, tc.want)
		}
	}
	if got, _ := db.ListCalls(ctx, other.ten, schema.CallFilter{}); len(got) != 0 {
		t.Errorf("other tenant sees %d calls", len(got))
	}
}

// A suffix answer records the call against the owner it lists first, even
// when another owner's number sorts first: the INSERT and pickOwners order
// owners by the same rule.
func TestAnswerSuffixCallOwner(t *testing.T) {
	db := schematest.New(t)
	ctx := context.Background()
	for i, tc := range []struct {
		name string
		seed func(s *seed) (want int64, wantKind schema.Kind)
	}{
		{"in slot before a lower number out of slot", func(s *seed) (int64, schema.Kind) {
			first := s.contact("C-1", "Fora", "Slot", nil, "")
			second := s.contact("C-2", "No", "Slot", nil, "")
			s.phone(ptr(first), nil, schema.FieldOther, 0, "+551133334444")
			s.phone(ptr(second), nil, schema.FieldBusiness, 0, "+554733334444")
			return second, schema.KindContact
		}},
		{"contact before an account with a lower number", func(s *seed) (int64, schema.Kind) {
			acc := s.account("A-1", "Conta", "")
			c := s.contact("C-1", "Contato", "", nil, "")
			s.phone(nil, ptr(acc), schema.FieldBusiness, 0, "+551133334444")
			s.phone(ptr(c), nil, schema.FieldMobile, 0, "+554733334444")
			return c, schema.KindContact
		}},
		{"lower id before a lower number", func(s *seed) (int64, schema.Kind) {
			first := s.contact("C-1", "Primeiro", "", nil, "")
			second := s.contact("C-2", "Segundo", "", nil, "")
			s.phone(ptr(first), nil, schema.FieldBusiness, 0, "+554733334444")
			s.phone(ptr(second), nil, schema.FieldBusiness, 0, "+551133334444")
			return first, schema.KindContact
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSeed(t, db, fmt.Sprintf("suffix%d", i))
			want, wantKind := tc.seed(s)
			owners, callID, err := db.AnswerSuffix(ctx, s.ten, "33334444", "33334444", 0)
			if err != nil || len(owners) != 2 || callID <= 0 {
				t.Fatalf("answer: %v %d %+v", err, callID, owners)
			}
			if owners[0].OwnerID != want || owners[0].Kind != wantKind {
				t.Fatalf("answer lists %s %d first, want %s %d", owners[0].Kind, owners[0].OwnerID, wantKind, want)
			}
			var contactID, accountID *int64
			if err := db.Pool.QueryRow(ctx, `SELECT contact_id, account_id FROM calls WHERE call_no = $1 AND tenant_id = $2`, callID, s.ten).Scan(&contactID, &accountID); err != nil {
				t.Fatal(err)
			}
			if contactID == nil || *contactID != want || accountID != nil {
				deref := func(p *int64) any {
					if p == nil {
						return "none"
					}
					return *p
				}
				t.Errorf("call goes to contact %v account %v; the answer lists contact %d first", deref(contactID), deref(accountID), want)
			}
		})
	}
}
