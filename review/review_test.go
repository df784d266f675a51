package review_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/api/apitest"
	"github.com/cti3cx/cti3cx/loader/report"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/review"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// world is the API over a fresh database with two tenants, acme and beta,
// each holding the same kinds of flagged phones, and a staff token each.
type world struct {
	t     *testing.T
	db    *schema.DB
	srv   *httptest.Server
	acme  *apitest.Tenant
	beta  *apitest.Tenant
	staff map[string]string // tenant slug -> staff token secret
	ids   map[string]map[string]int64
}

// cells are the phones of each tenant's Maria (a contact) and Acme (an
// account), by raw value.
var cells = []struct {
	account bool
	field   string
	raw     string
}{
	{false, schema.FieldMobile, "(47) 8765-4321"},   // fixed: ninth digit added
	{false, schema.FieldBusiness, "3333-4444"},      // fixed: default DDD
	{false, schema.FieldHome, "não tem"},            // invalid: placeholder
	{true, schema.FieldBusiness, "(20) 3333-4444"},  // invalid: DDD 20
	{true, schema.FieldMobile, "+55 47 99988-7766"}, // ok: not listed
}

func newWorld(t *testing.T, tls bool) *world {
	t.Helper()
	return newWorldDeps(t, tls, api.Deps{})
}

func newWorldDeps(t *testing.T, tls bool, deps api.Deps) *world {
	t.Helper()
	db := schematest.New(t)
	deps.DB, deps.Logger, deps.AuthTTL = db, schematest.Logger(t), -1
	srv := api.NewServer(deps)
	hs := httptest.NewUnstartedServer(srv)
	if tls {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close(context.Background())
	})
	w := &world{t: t, db: db, srv: hs, staff: map[string]string{}, ids: map[string]map[string]int64{}}
	w.acme = w.tenant("acme")
	w.beta = w.tenant("beta")
	return w
}

func (w *world) tenant(slug string) *apitest.Tenant {
	t := w.t
	ten := apitest.NewTenant(t, w.db, schema.Tenant{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:], DefaultDDD: "47"})
	w.staff[slug] = ten.IssueToken(t, "Maria (atendimento) de "+slug, schema.RoleStaff)
	acc := rt.Account(t, w.db, ten.ID, "A1", slug+" Comércio Ltda", slug+" Fantasia")
	con := rt.Contact(t, w.db, ten.ID, "C1", "Maria", "Silva "+slug, acc)
	var phones []rt.Phone
	for _, c := range cells {
		p := rt.Phone{ContactID: con, Field: c.field, Raw: c.raw}
		if c.account {
			p = rt.Phone{AccountID: acc, Field: c.field, Raw: c.raw}
		}
		phones = append(phones, p)
	}
	ids := rt.Phones(t, w.db, ten.ID, rt.Profile(t, ten.Tenant), normalize.RulesVersion, phones)
	w.ids[slug] = map[string]int64{}
	for i, c := range cells {
		w.ids[slug][c.raw] = ids[i]
	}
	return ten
}

// browser is a client with its own cookies, as one browser.
type browser struct {
	w      *world
	client *http.Client
}

func (w *world) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: w.srv.Client().Transport, Jar: jar, // srv.Client() is one shared client
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{w: w, client: c}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, hdr map[string]string) answer {
	b.w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.w.srv.URL+path, body)
	if err != nil {
		b.w.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header[k] = []string{v}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, html string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no csrf field in:\n%s", html)
	}
	return m[1]
}

// signIn posts the sign-in form as a browser would, and returns the answer.
func (b *browser) signIn(slug, secret string) answer {
	b.w.t.Helper()
	form := b.do("GET", "/revisao/entrar", nil, nil)
	return b.do("POST", "/revisao/entrar", url.Values{"csrf": {csrfOf(b.w.t, form.body)}, "empresa": {slug}, "chave": {secret}}, nil)
}

// signedIn is a browser signed in to slug, with the session's CSRF token.
func (w *world) signedIn(slug string) (*browser, string) {
	w.t.Helper()
	b := w.browser()
	if a := b.signIn(slug, w.staff[slug]); a.status != http.StatusSeeOther || a.header.Get("Location") != "/revisao/" {
		w.t.Fatalf("sign in as %s: %d %s", slug, a.status, a.body)
	}
	list := b.do("GET", "/revisao/", nil, nil)
	if list.status != 200 {
		w.t.Fatalf("list after sign-in: %d %s", list.status, list.body)
	}
	return b, csrfOf(w.t, list.body)
}

// ref is the phone's ref as the pages carry it.
func (w *world) ref(slug, raw string) string {
	w.t.Helper()
	s := rt.Get(w.t, w.db, w.ids[slug][raw])
	return report.Ref(s.ID, s.Raw, s.Override)
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	pbx := w.browser()
	if a := pbx.signIn("acme", w.acme.Token); a.status != http.StatusForbidden || !strings.Contains(a.body, "não é de equipe") {
		t.Errorf("pbx token: %d %s", a.status, a.body)
	}
	bad := w.browser()
	wrong := bad.signIn("acme", "c3x_wrong")
	unknown := bad.signIn("nobody", w.staff["acme"])
	crossed := bad.signIn("beta", w.staff["acme"])
	for _, a := range []answer{wrong, unknown, crossed} {
		if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "Empresa ou chave de acesso inválida") {
			t.Errorf("bad sign-in: %d %s", a.status, a.body)
		}
		if c := a.header.Get("Set-Cookie"); strings.Contains(c, "cti3cx_revisao=") {
			t.Errorf("a failed sign-in set a session cookie: %s", c)
		}
	}
	// Without the form's pairing cookie: refused, even with a good token.
	nocookie := w.browser()
	if a := nocookie.do("POST", "/revisao/entrar", url.Values{"csrf": {"x"}, "empresa": {"acme"}, "chave": {w.staff["acme"]}}, nil); a.status != http.StatusForbidden {
		t.Errorf("sign-in without the form's cookie: %d", a.status)
	}

	b := w.browser()
	a := b.signIn("acme", w.staff["acme"])
	if a.status != http.StatusSeeOther {
		t.Fatalf("staff sign-in: %d %s", a.status, a.body)
	}
	var session string
	for _, c := range a.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "cti3cx_revisao=") {
			session = c
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/revisao/", "Max-Age=28800", "Expires="} {
		if !strings.Contains(session, want) {
			t.Errorf("session cookie %q lacks %s", session, want)
		}
	}
	if strings.Contains(session, "Secure") {
		t.Errorf("session cookie over plain HTTP is Secure: %q", session)
	}
	// Behind a proxy that terminates TLS and says so, the cookie is Secure.
	proxied := w.browser()
	form := proxied.do("GET", "/revisao/entrar", nil, nil)
	pa := proxied.do("POST", "/revisao/entrar", url.Values{"csrf": {csrfOf(t, form.body)}, "empresa": {"acme"}, "chave": {w.staff["acme"]}},
		map[string]string{"X-Forwarded-Proto": "https"})
	if c := strings.Join(pa.header.Values("Set-Cookie"), "\n"); !regexp.MustCompile(`cti3cx_revisao=[^;]+;.*Secure`).MatchString(c) {
		t.Errorf("session cookie behind a TLS proxy: %d %s\n%s", pa.status, c, pa.body)
	}
	list := b.do("GET", "/revisao/", nil, nil)
	if list.status != 200 || !strings.Contains(list.body, "Maria (atendimento) de acme") {
		t.Fatalf("list: %d", list.status)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if list.header.Get(h) == "" {
			t.Errorf("list page without %s", h)
		}
	}
	if cc := list.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("list page Cache-Control %q", cc)
	}

	// Sign out: the cookie the browser had is dead on the server too.
	jarCookies := b.client.Jar.Cookies(mustURL(t, w.srv.URL+"/revisao/"))
	if a := b.do("POST", "/revisao/sair", url.Values{"csrf": {csrfOf(t, list.body)}}, nil); a.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d %s", a.status, a.body)
	}
	replay := w.browser()
	replay.client.Jar.SetCookies(mustURL(t, w.srv.URL+"/revisao/"), jarCookies)
	if a := replay.do("GET", "/revisao/", nil, nil); a.status != http.StatusSeeOther || a.header.Get("Location") != "/revisao/entrar" {
		t.Errorf("the old cookie after sign-out: %d %s", a.status, a.header.Get("Location"))
	}
}

func TestSessionCookieIsSecureUnderTLS(t *testing.T) {
	t.Parallel()
	w := newWorld(t, true)
	a := w.browser().signIn("acme", w.staff["acme"])
	if a.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", a.status)
	}
	if c := strings.Join(a.header.Values("Set-Cookie"), "\n"); !regexp.MustCompile(`cti3cx_revisao=[^;]+;.*Secure`).MatchString(c) {
		t.Errorf("session cookie under TLS: %s", c)
	}
}

func TestRevokingTheTokenEndsItsSessions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	b, _ := w.signedIn("acme")
	toks, err := w.db.ListTokens(context.Background(), w.acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok.Role == schema.RoleStaff {
			if err := w.db.RevokeToken(context.Background(), w.acme.ID, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if a := b.do("GET", "/revisao/", nil, nil); a.status != http.StatusSeeOther || a.header.Get("Location") != "/revisao/entrar" {
		t.Errorf("list after revocation: %d %s", a.status, a.header.Get("Location"))
	}
	if a := b.do("GET", "/revisao/validar?numero=4799887766", nil, nil); a.status != http.StatusUnauthorized {
		t.Errorf("validation after revocation: %d", a.status)
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	b := w.browser()
	// Only failures count: signing in again and again is never refused.
	for i := range 2 * review.DefaultSignInBurst {
		if a := b.signIn("acme", w.staff["acme"]); a.status != http.StatusSeeOther {
			t.Fatalf("sign-in #%d: %d", i, a.status)
		}
	}
	statuses := []int{}
	for range review.DefaultSignInBurst + 1 {
		statuses = append(statuses, b.signIn("acme", "c3x_guess").status)
	}
	last := statuses[len(statuses)-1]
	if last != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want 429 after %d attempts", statuses, review.DefaultSignInBurst)
	}
	// Even the right token waits now.
	if a := b.signIn("acme", w.staff["acme"]); a.status != http.StatusTooManyRequests {
		t.Errorf("good token while limited: %d", a.status)
	}
}

// Behind a trusted proxy, each client named by X-Forwarded-For has its own
// sign-in budget.
func TestSignInLimitBehindAProxy(t *testing.T) {
	t.Parallel()
	w := newWorldDeps(t, false, api.Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	b := w.browser()
	from := func(client string) answer {
		form := b.do("GET", "/revisao/entrar", nil, nil)
		return b.do("POST", "/revisao/entrar", url.Values{"csrf": {csrfOf(t, form.body)}, "empresa": {"acme"}, "chave": {"c3x_guess"}},
			map[string]string{"X-Forwarded-For": client})
	}
	for range review.DefaultSignInBurst {
		from("203.0.113.1")
	}
	if a := from("203.0.113.1"); a.status != http.StatusTooManyRequests {
		t.Errorf("the guessing client: %d, want 429", a.status)
	}
	if a := from("203.0.113.2"); a.status != http.StatusUnauthorized {
		t.Errorf("another client behind the same proxy: %d, want 401", a.status)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	b, csrf := w.signedIn("acme")
	ref := w.ref("acme", "(47) 8765-4321")
	path := "/revisao/telefone/" + strconv.FormatInt(w.ids["acme"]["(47) 8765-4321"], 10) + "/aceitar"
	for name, tc := range map[string]struct {
		form url.Values
		hdr  map[string]string
	}{
		"no token":           {url.Values{"ref": {ref}}, nil},
		"wrong token":        {url.Values{"ref": {ref}, "csrf": {csrf + "x"}}, nil},
		"other origin":       {url.Values{"ref": {ref}, "csrf": {csrf}}, map[string]string{"Origin": "https://evil.example"}},
		"cross-site":         {url.Values{"ref": {ref}, "csrf": {csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"sign-out, no token": {nil, nil},
	} {
		p := path
		if tc.form == nil {
			p, tc.form = "/revisao/sair", url.Values{}
		}
		if a := b.do("POST", p, tc.form, tc.hdr); a.status != http.StatusForbidden || !strings.Contains(a.body, "Requisição recusada") {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	if s := rt.Get(t, w.db, w.ids["acme"]["(47) 8765-4321"]); s.Override != nil {
		t.Errorf("a refused request changed the phone: %+v", s)
	}
	if a := b.do("POST", path, url.Values{"ref": {ref}, "csrf": {csrf}}, nil); a.status != http.StatusSeeOther {
		t.Errorf("with the token: %d %s", a.status, a.body)
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	b, csrf := w.signedIn("acme")
	list := b.do("GET", "/revisao/", nil, nil).body
	if strings.Contains(list, "beta") || !strings.Contains(list, "Silva acme") {
		t.Errorf("acme's list shows beta's data or lacks its own")
	}
	if a := b.do("GET", "/revisao/?busca=beta", nil, nil); strings.Contains(a.body, "Silva beta") {
		t.Errorf("search reached beta")
	}
	betaID := strconv.FormatInt(w.ids["beta"]["(47) 8765-4321"], 10)
	if a := b.do("GET", "/revisao/telefone/"+betaID, nil, nil); a.status != http.StatusNotFound || strings.Contains(a.body, "beta") {
		t.Errorf("acme sees beta's phone page: %d", a.status)
	}
	betaRef := w.ref("beta", "(47) 8765-4321")
	for _, p := range []string{"/aceitar", "/nao-e-telefone"} {
		b.do("POST", "/revisao/telefone/"+betaID+p, url.Values{"ref": {betaRef}, "csrf": {csrf}}, nil)
	}
	b.do("POST", "/revisao/telefone/"+betaID+"/corrigir", url.Values{"ref": {betaRef}, "csrf": {csrf}, "numero": {"(47) 3333-5555"}}, nil)
	b.do("POST", "/revisao/aceitar", url.Values{"sel": {betaRef}, "csrf": {csrf}}, nil)
	if s := rt.Get(t, w.db, w.ids["beta"]["(47) 8765-4321"]); s.Override != nil || s.Status != "fixed" {
		t.Errorf("acme's session changed beta's phone: %+v", s)
	}
	var n int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM phone_changes WHERE tenant_id = $1`, w.beta.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("beta has %d audit rows (%v)", n, err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
