package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// fixture is the API on a real listener over a fresh database, with the
// tenant acme (DDD 47): Maria Silva (C-1001) of Acme on
// +5547999887766 and +554733334444, and the account itself on its switchboard.
type fixture struct {
	t      *testing.T
	db     *schema.DB
	srv    *api.Server
	http   *httptest.Server
	acme   *apitest.Tenant
	maria  int64
	acmeID int64
}

func newFixture(t *testing.T, deps api.Deps) *fixture {
	t.Helper()
	db := schematest.New(t)
	deps.DB = db
	if deps.Logger == nil {
		deps.Logger = schematest.Logger(t)
	}
	if deps.AuthTTL == 0 {
		deps.AuthTTL = -1 // see revocations at once
	}
	srv := api.NewServer(deps)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close(context.Background())
	})
	f := &fixture{t: t, db: db, srv: srv, http: hs}
	f.acme = apitest.NewTenant(t, db, schema.Tenant{Slug: "acme", Name: "Acme", DefaultDDD: "47", ContactURL: "https://crm.example/{kind}/{id}?src=3cx&x=1"})
	f.acmeID = f.acme.Account(t, "A-1", "Acme Comércio Ltda", "Acme", "contato@acme.example")
	f.acme.AccountPhone(t, f.acmeID, schema.FieldBusiness, 0, "+554730001000")
	f.maria = f.acme.Contact(t, "C-1001", "Maria", "Silva", "maria@acme.example", &f.acmeID, "")
	f.acme.ContactPhone(t, f.maria, schema.FieldMobile, 0, "+5547999887766")
	f.acme.ContactPhone(t, f.maria, schema.FieldBusiness, 0, "+554733334444")
	return f
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(method, path string, hdr map[string]string, body string) reply {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.http.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header[k] = []string{v} // as sent: token_crm keeps its spelling
	}
	resp, err := f.http.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func auth(t *apitest.Tenant) map[string]string {
	return map[string]string{"token_crm": t.Token, "tenant": t.Slug}
}

func (f *fixture) consult(t *apitest.Tenant, number string) reply {
	return f.do("GET", "/cti3cx/consult-phone/"+number, auth(t), "")
}

func decodeContacts(t *testing.T, r reply) []api.Contact {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var resp api.ConsultResponse
	if err := json.Unmarshal([]byte(r.body), &resp); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return resp.Contact
}

func TestConsultPhoneExactBytes(t *testing.T) {
	f := newFixture(t, api.Deps{})
	r := f.consult(f.acme, "5547999887766")
	if got := r.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if r.header.Get(api.HeaderRequestID) == "" {
		t.Error("no request id header")
	}
	cs := decodeContacts(t, r)
	want := `{"contact":[{"id":"C-1001","firstname":"Maria","lastname":"Silva","company":"Acme","email":"maria@acme.example",` +
		`"businessphone":"004733334444","businessphone2":"","mobilephone":"5547999887766","mobilephone2":"",` +
		`"url":"https://crm.example/contact/C-1001?src=3cx&x=1","customvalue":"` + cs[0].CustomValue + `"}]}` + "\n"
	if r.body != want {
		t.Errorf("body\n got %s\nwant %s", r.body, want)
	}
	id, err := strconv.ParseInt(cs[0].CustomValue, 10, 64)
	if err != nil || id <= 0 {
		t.Fatalf("customvalue %q is not a call id", cs[0].CustomValue)
	}
	var number, e164 string
	var contact *int64
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT number, e164, contact_id FROM calls WHERE call_no = $1 AND tenant_id = $2`, id, f.acme.ID).Scan(&number, &e164, &contact); err != nil {
		t.Fatal(err)
	}
	if number != "5547999887766" || e164 != "+5547999887766" || contact == nil || *contact != f.maria {
		t.Errorf("call record: %q %q %v", number, e164, contact)
	}
	// A second lookup is a second call.
	cs2 := decodeContacts(t, f.consult(f.acme, "5547999887766"))
	if cs2[0].CustomValue == cs[0].CustomValue {
		t.Error("two lookups share a call id")
	}
}

// Every form 3CX may send for Maria's mobile finds her, and the matched field
// carries the number exactly as sent.
func TestConsultPhoneCallerForms(t *testing.T) {
	f := newFixture(t, api.Deps{})
	for _, number := range []string{
		"+5547999887766",  // E.164
		"0047999887766",   // the tenant's dial format (outbound calls)
		"5547999887766",   // E.164 without +
		"005547999887766", // 00 + country code
		"47999887766",     // national
		"047999887766",    // national with trunk 0
		"999887766",       // no DDD: the tenant's default
		"99887766",        // last 8 digits
		"4799887766",      // legacy 8-digit mobile with DDD
	} {
		t.Run(number, func(t *testing.T) {
			cs := decodeContacts(t, f.consult(f.acme, number))
			if len(cs) != 1 || cs[0].ID != "C-1001" {
				t.Fatalf("got %+v", cs)
			}
			if cs[0].MobilePhone != number {
				t.Errorf("mobilephone %q, want the number as sent %q", cs[0].MobilePhone, number)
			}
		})
	}
}

func TestConsultPhoneOwners(t *testing.T) {
	f := newFixture(t, api.Deps{})
	// The account answers for its switchboard, as a company entry.
	cs := decodeContacts(t, f.consult(f.acme, "+554730001000"))
	if len(cs) != 1 {
		t.Fatalf("got %+v", cs)
	}
	want := api.Contact{ID: "A-1", FirstName: "Acme", Company: "Acme", Email: "contato@acme.example",
		BusinessPhone: "+554730001000", URL: "https://crm.example/account/A-1?src=3cx&x=1", CustomValue: cs[0].CustomValue}
	if cs[0] != want {
		t.Errorf("account entry\n got %+v\nwant %+v", cs[0], want)
	}

	// A number only in a field 3CX has no slot for lands in the first free slot;
	// a contact without account keeps its company text; deleted ones vanish.
	joao := f.acme.Contact(t, "C-2", "João", "Souza", "", nil, "Souza & Filhos")
	f.acme.ContactPhone(t, joao, schema.FieldBusiness, 0, "+554732221111")
	f.acme.ContactPhone(t, joao, schema.FieldFax, 0, "+554732229999")
	gone := f.acme.Contact(t, "C-3", "Gone", "", "", nil, "")
	f.acme.ContactPhone(t, gone, schema.FieldFax, 0, "+554732229999")
	f.acme.SoftDelete(t, gone)
	cs = decodeContacts(t, f.consult(f.acme, "4732229999"))
	if len(cs) != 1 || cs[0].ID != "C-2" || cs[0].Company != "Souza & Filhos" ||
		cs[0].BusinessPhone != "004732221111" || cs[0].BusinessPhone2 != "4732229999" {
		t.Errorf("fax owner: %+v", cs)
	}

	// Two contacts on one number: both answer, sharing one call.
	pedro := f.acme.Contact(t, "C-4", "Pedro", "Silva", "", &f.acmeID, "")
	f.acme.ContactPhone(t, pedro, schema.FieldMobile2, 0, "+5547999887766")
	cs = decodeContacts(t, f.consult(f.acme, "47999887766"))
	if len(cs) != 2 || cs[0].CustomValue != cs[1].CustomValue || cs[1].MobilePhone2 != "47999887766" {
		t.Errorf("shared number: %+v", cs)
	}
	var calls int
	_ = f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM calls WHERE call_no = $1`, cs[0].CustomValue).Scan(&calls)
	if calls != 1 {
		t.Errorf("%d call records for one lookup", calls)
	}
}

func TestConsultPhoneNotFoundAndBadNumbers(t *testing.T) {
	f := newFixture(t, api.Deps{})
	count := func() int {
		var n int
		_ = f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM calls`).Scan(&n)
		return n
	}
	r := f.consult(f.acme, "4733330000")
	if r.status != 404 || !strings.HasPrefix(r.body, `{"error":"`) || count() != 0 {
		t.Errorf("unknown number: %d %s, %d calls", r.status, r.body, count())
	}
	for _, bad := range []string{"47%209999-8877", "abc", "%2B%2B5547", "123456789012345678901", "+"} {
		r := f.consult(f.acme, bad)
		if r.status != 400 || !strings.HasPrefix(r.body, `{"error":"phone`) {
			t.Errorf("%q: %d %s", bad, r.status, r.body)
		}
	}
	if count() != 0 {
		t.Errorf("bad numbers made %d calls", count())
	}
}

func TestConsultPhonePlaceholder(t *testing.T) {
	f := newFixture(t, api.Deps{})
	ten := f.acme.Tenant
	ten.Settings.PlaceholderUnknown = true
	if _, err := f.db.UpdateTenant(context.Background(), ten); err != nil {
		t.Fatal(err)
	}
	cs := decodeContacts(t, f.consult(f.acme, "4733330000"))
	if len(cs) != 1 || cs[0].FirstName != "4733330000" || cs[0].BusinessPhone != "4733330000" || cs[0].ID == "" {
		t.Fatalf("placeholder: %+v", cs)
	}
	var contact, account *int64
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT contact_id, account_id FROM calls WHERE call_no = $1`, cs[0].CustomValue).Scan(&contact, &account); err != nil {
		t.Fatalf("placeholder call not journaled: %v", err)
	}
	if contact != nil || account != nil {
		t.Errorf("placeholder call points at %v %v", contact, account)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t, api.Deps{})
	other := apitest.NewTenant(t, f.db, schema.Tenant{Slug: "other", DefaultDDD: "11"})
	revoked := apitest.NewTenant(t, f.db, schema.Tenant{Slug: "revoked", DefaultDDD: "47"})
	if err := f.db.RevokeToken(context.Background(), revoked.ID, revoked.TokenID); err != nil {
		t.Fatal(err)
	}
	cases := map[string]map[string]string{
		"no headers":          {},
		"no token":            {"tenant": "acme"},
		"wrong token":         {"tenant": "acme", "token_crm": "c3x_wrong"},
		"other tenant's":      {"tenant": "acme", "token_crm": other.Token},
		"revoked":             {"tenant": "revoked", "token_crm": revoked.Token},
		"unknown tenant":      {"tenant": "nobody", "token_crm": f.acme.Token},
		"malformed tenant":    {"tenant": "ACME;drop", "token_crm": f.acme.Token},
		"tenant case differs": {"tenant": "Acme", "token_crm": f.acme.Token},
	}
	var first string
	for name, hdr := range cases {
		for _, path := range []string{"/cti3cx/consult-phone/5547999887766", "/cti3cx/end-call/1"} {
			method := "GET"
			if strings.Contains(path, "end-call") {
				method = "PUT"
			}
			r := f.do(method, path, hdr, `{}`)
			if r.status != 401 {
				t.Errorf("%s %s: status %d %s", name, path, r.status, r.body)
			}
			if first == "" {
				first = r.body
			}
			if r.body != first {
				t.Errorf("%s: body %s differs from %s: it leaks which check failed", name, r.body, first)
			}
		}
	}
	if strings.Contains(first, "acme") {
		t.Errorf("401 body names the tenant: %s", first)
	}
}

// Tokens' last use reaches the database at Close, not per request.
func TestTokensTouched(t *testing.T) {
	f := newFixture(t, api.Deps{TouchInterval: -1})
	decodeContacts(t, f.consult(f.acme, "5547999887766"))
	lastUsed := func() *time.Time {
		toks, err := f.db.ListTokens(context.Background(), f.acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		return toks[0].LastUsedAt
	}
	if lastUsed() != nil {
		t.Fatal("last use written on the request path")
	}
	if err := f.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if lastUsed() == nil {
		t.Fatal("last use not written at Close")
	}
}

// With a TTL the hot path trusts memory: a revocation takes effect only
// once the TTL has passed.
func TestAuthCacheTTL(t *testing.T) {
	f := newFixture(t, api.Deps{AuthTTL: 300 * time.Millisecond})
	if r := f.consult(f.acme, "5547999887766"); r.status != 200 {
		t.Fatal(r.body)
	}
	if err := f.db.RevokeToken(context.Background(), f.acme.ID, f.acme.TokenID); err != nil {
		t.Fatal(err)
	}
	if r := f.consult(f.acme, "5547999887766"); r.status != 200 {
		t.Fatalf("within the TTL the cached credentials answer: %d", r.status)
	}
	time.Sleep(350 * time.Millisecond)
	if r := f.consult(f.acme, "5547999887766"); r.status != 401 {
		t.Fatalf("after the TTL a revoked token must fail: %d", r.status)
	}
}

func TestHealthMetricsOpenAPI(t *testing.T) {
	f := newFixture(t, api.Deps{})
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := f.do("GET", p, nil, ""); r.status != 200 {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	sp := f.acme.Contact(t, "C-SP", "Paulo", "", "", nil, "")
	f.acme.ContactPhone(t, sp, schema.FieldMobile, 0, "+5511987654321")
	f.consult(f.acme, "5547999887766")
	f.consult(f.acme, "4733330000")
	if cs := decodeContacts(t, f.consult(f.acme, "87654321")); cs[0].ID != "C-SP" || cs[0].MobilePhone != "87654321" {
		t.Errorf("suffix lookup: %+v", cs)
	}
	r := f.do("GET", "/metrics", nil, "")
	for _, want := range []string{
		`cti3cx_http_requests_total{route="GET /cti3cx/consult-phone/{phone}",status="200"} 2`,
		`cti3cx_http_requests_total{route="GET /cti3cx/consult-phone/{phone}",status="404"} 1`,
		`cti3cx_lookups_total{outcome="exact"} 1`,
		`cti3cx_lookups_total{outcome="suffix"} 1`,
		`cti3cx_lookups_total{outcome="not_found"} 1`,
		`cti3cx_http_request_duration_seconds_bucket{route="GET /cti3cx/consult-phone/{phone}"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, secret := range []string{"99887766", "4733330000", f.acme.Token} {
		if strings.Contains(r.body, secret) {
			t.Errorf("metrics contain %q", secret)
		}
	}
	r = f.do("GET", "/openapi.yaml", nil, "")
	if r.status != 200 || r.body != string(api.OpenAPI) {
		t.Errorf("openapi: %d", r.status)
	}
	r = f.do("GET", "/nowhere", nil, "")
	if r.status != 404 || !strings.HasPrefix(r.body, `{"error":`) {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}

// TestTokenRoles proves least privilege: only a pbx token reaches
// consult-phone and end-call; sync and staff tokens of the same tenant get a
// 403 that names their role, and no call is recorded for them.
func TestTokenRoles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, api.Deps{})
	tests := []struct {
		role   schema.Role
		status int
	}{
		{schema.RolePBX, http.StatusOK},
		{schema.RoleSync, http.StatusForbidden},
		{schema.RoleStaff, http.StatusForbidden},
	}
	for _, tt := range tests {
		secret := f.acme.IssueToken(t, string(tt.role)+"-token", tt.role)
		hdr := map[string]string{api.HeaderToken: secret, api.HeaderTenant: "acme"}
		var before int
		if err := f.db.Pool.QueryRow(context.Background(), "SELECT count(*) FROM calls").Scan(&before); err != nil {
			t.Fatal(err)
		}
		consult := f.do("GET", "/cti3cx/consult-phone/47999887766", hdr, "")
		end := f.do("PUT", "/cti3cx/end-call/1", hdr, `{"calltype":"Inbound","telefone":"47999887766","data":"2026-01-01 10:00:00","duracao":"10"}`)
		if consult.status != tt.status {
			t.Errorf("%s token: consult-phone = %d %s, want %d", tt.role, consult.status, consult.body, tt.status)
		}
		if tt.status == http.StatusForbidden {
			if end.status != http.StatusForbidden {
				t.Errorf("%s token: end-call = %d %s, want 403", tt.role, end.status, end.body)
			}
			want := `{"error":"this token's role (` + string(tt.role) + `) may not use this endpoint"}`
			if strings.TrimSpace(consult.body) != want {
				t.Errorf("%s token: body %s, want %s", tt.role, consult.body, want)
			}
			var after int
			if err := f.db.Pool.QueryRow(context.Background(), "SELECT count(*) FROM calls").Scan(&after); err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("%s token: a refused consult-phone recorded a call", tt.role)
			}
		}
	}
}
