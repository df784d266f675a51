package review_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/loader/report"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/review"
	"github.com/cti3cx/cti3cx/schema"
)

var rowID = regexp.MustCompile(`<tr id="t(\d+)"`)

// rowsOf lists the phone ids of a list page's rows.
func rowsOf(html string) []int64 {
	var ids []int64
	for _, m := range rowID.FindAllStringSubmatch(html, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

func TestListCountsFiltersAndSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	b, _ := w.signedIn("acme")
	id := func(raw string) int64 { return w.ids["acme"][raw] }
	flagged := []int64{id("(47) 8765-4321"), id("3333-4444"), id("não tem"), id("(20) 3333-4444")}

	// The counts are the report's: same selection, same groups.
	summary, err := w.db.ReportSummary(context.Background(), w.acme.ID, schema.ReportFilter{Statuses: report.DefaultStatuses})
	if err != nil {
		t.Fatal(err)
	}
	list := b.do("GET", "/revisao/", nil, nil).body
	for _, g := range report.Groups(summary) {
		want := fmt.Sprintf(`data-motivo="%s">%s <span class="n">%d</span>`, g.Group, g.Title, g.Count)
		if !strings.Contains(list, want) {
			t.Errorf("list lacks the count %q", want)
		}
	}
	if !strings.Contains(list, "4 telefone(s)") {
		t.Errorf("list does not count 4 phones")
	}
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"", flagged},
		{"motivo=added_ninth_digit", []int64{id("(47) 8765-4321")}},
		{"motivo=invalid_ddd", []int64{id("(20) 3333-4444")}},
		{"motivo=too_long", nil},
		{"situacao=invalid", []int64{id("não tem"), id("(20) 3333-4444")}},
		{"situacao=fixed&campo=businessphone", []int64{id("3333-4444")}},
		{"campo=mobilephone", []int64{id("(47) 8765-4321")}},
		{"tipo=account", []int64{id("(20) 3333-4444")}},
		{"tipo=contact&situacao=invalid", []int64{id("não tem")}},
		{"busca=fantasia", flagged}, // the account's trade name: its own phone, and its contact's company
		{"busca=" + url.QueryEscape("comércio"), flagged},
		{"busca=silva", flagged[:3]},
		{"busca=MARIA", flagged[:3]},
		{"busca=C1", flagged[:3]},
		{"busca=" + url.QueryEscape("87654"), []int64{id("(47) 8765-4321")}},
		{"busca=" + url.QueryEscape("(20) 3333"), []int64{id("(20) 3333-4444")}},
		{"busca=" + url.QueryEscape("100%_"), nil},
	} {
		a := b.do("GET", "/revisao/?"+tc.query, nil, nil)
		got := rowsOf(a.body)
		if a.status != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("?%s: %d rows %v, want %v", tc.query, a.status, got, tc.want)
		}
	}
	page := b.do("GET", "/revisao/?motivo=placeholder", nil, nil).body
	for _, want := range []string{"Maria Silva acme", "telefone residencial", "não tem", "inválido",
		"valor de preenchimento, não um telefone", "Valor de preenchimento, não um telefone: informe o número real"} {
		if !strings.Contains(page, want) {
			t.Errorf("the placeholder's row lacks %q", want)
		}
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	const n = 2*review.PageSize + 7
	var phones []rt.Phone
	for i := range n {
		c := rt.Contact(t, w.db, w.acme.ID, fmt.Sprintf("P%03d", i), "Pessoa", strconv.Itoa(i), 0)
		phones = append(phones, rt.Phone{ContactID: c, Field: schema.FieldMobile, Raw: fmt.Sprintf("(47) 8%03d-0000", i)})
	}
	rt.Phones(t, w.db, w.acme.ID, rt.Profile(t, w.acme.Tenant), normalize.RulesVersion, phones)
	b, _ := w.signedIn("acme")
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	prev := regexp.MustCompile(`href="([^"]+)" rel="prev"`)
	q := "/revisao/?motivo=added_ninth_digit"
	var seen []int64
	var pages []string
	for {
		body := b.do("GET", q, nil, nil).body
		pages = append(pages, q)
		ids := rowsOf(body)
		if len(ids) == 0 || len(ids) > review.PageSize || !slices.IsSorted(ids) {
			t.Fatalf("%s: rows %v", q, ids)
		}
		seen = append(seen, ids...)
		m := next.FindStringSubmatch(body)
		if m == nil {
			break
		}
		q = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	if want := n + 1; len(seen) != want || len(pages) != 3 {
		t.Errorf("walked %d phones over %d pages, want %d over 3", len(seen), len(pages), want)
	}
	slices.Sort(seen)
	if len(slices.Compact(seen)) != n+1 {
		t.Errorf("a phone was listed twice")
	}
	// Back from the last page: the previous page is the second one.
	body := b.do("GET", q, nil, nil).body
	m := prev.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no previous page on the last page")
	}
	back := rowsOf(b.do("GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil, nil).body)
	second := rowsOf(b.do("GET", pages[1], nil, nil).body)
	if !slices.Equal(back, second) {
		t.Errorf("previous page %v, want the second page %v", back, second)
	}
}

// consult asks consult-phone with the tenant's pbx token, as 3CX does.
func (w *world) consult(ten string, number string) []api.Contact {
	w.t.Helper()
	tok := map[string]string{"acme": w.acme.Token, "beta": w.beta.Token}[ten]
	req, _ := http.NewRequest("GET", w.srv.URL+"/cti3cx/consult-phone/"+number, nil)
	req.Header[api.HeaderToken] = []string{tok}
	req.Header[api.HeaderTenant] = []string{ten}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var out api.ConsultResponse
	if resp.StatusCode != 200 {
		w.t.Fatalf("consult %s: %d", number, resp.StatusCode)
	}
	if err := jsonDecode(resp, &out); err != nil {
		w.t.Fatal(err)
	}
	return out.Contact
}

func (w *world) actors(ten *schemaTenant) []string {
	w.t.Helper()
	rows, err := w.db.Pool.Query(context.Background(), `SELECT actor FROM phone_changes WHERE tenant_id = $1 ORDER BY id`, ten.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

func TestActions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	b, csrf := w.signedIn("acme")
	ids := w.ids["acme"]
	path := func(raw, action string) string {
		return "/revisao/telefone/" + strconv.FormatInt(ids[raw], 10) + "/" + action
	}
	post := func(raw, action string, extra url.Values) answer {
		t.Helper()
		form := url.Values{"csrf": {csrf}, "ref": {w.ref("acme", raw)}, "volta": {"/revisao/?motivo=added_ninth_digit"}}
		for k, v := range extra {
			form[k] = v
		}
		return b.do("POST", path(raw, action), form, nil)
	}
	if len(w.consult("acme", "554733335555")) != 0 {
		t.Fatal("the correction's number answers before it is typed")
	}
	staleRef := w.ref("acme", "(47) 8765-4321")

	// Aceitar sugestão.
	a := post("(47) 8765-4321", "aceitar", nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/revisao/?motivo=added_ninth_digit" {
		t.Fatalf("accept: %d %s", a.status, a.header.Get("Location"))
	}
	notice := b.do("GET", a.header.Get("Location"), nil, nil).body
	if !strings.Contains(notice, "Sugestão aceita: Maria Silva acme (celular), o 3CX vai discar 0047987654321.") {
		t.Errorf("no notice after accepting:\n%s", notice)
	}
	// The counts (cached since the sign-in's list) lost the accepted phone.
	if l := b.do("GET", "/revisao/", nil, nil).body; !strings.Contains(l, `Todos <span class="n">3</span>`) ||
		strings.Contains(l, `data-motivo="added_ninth_digit"`) {
		t.Errorf("counts after accepting: %s", l)
	}
	if s := rt.Get(t, w.db, ids["(47) 8765-4321"]); s.Override == nil || *s.Override != "+5547987654321" || s.Status != "ok" {
		t.Errorf("accepted phone stored as %+v", s)
	}
	if cs := w.consult("acme", "5547987654321"); len(cs) != 1 || cs[0].ID != "C1" {
		t.Errorf("consult after accept: %+v", cs)
	}
	// The same click again, from a page opened before: stale, nothing changes.
	a = b.do("POST", path("(47) 8765-4321", "aceitar"), url.Values{"csrf": {csrf}, "ref": {staleRef}}, nil)
	if n := b.do("GET", "/revisao/", nil, nil).body; !strings.Contains(n, "o telefone mudou desde que a página foi aberta") {
		t.Errorf("stale accept: %d, no stale notice", a.status)
	}

	correct(t, w, post)

	// Não é telefone.
	if a = post("não tem", "nao-e-telefone", nil); a.status != http.StatusSeeOther {
		t.Fatalf("not a phone: %d %s", a.status, a.body)
	}
	if s := rt.Get(t, w.db, ids["não tem"]); s.Override == nil || *s.Override != "" || s.E164 != "" || s.Dial != "" || s.Status != "fixed" {
		t.Errorf("cleared phone stored as %+v", s)
	}

	// Accept a selection.
	sel := url.Values{"csrf": {csrf}, "sel": {w.ref("acme", "3333-4444")}}
	if a = b.do("POST", "/revisao/aceitar", sel, nil); a.status != http.StatusSeeOther {
		t.Fatalf("accept selected: %d", a.status)
	}
	if !strings.Contains(b.do("GET", "/revisao/", nil, nil).body, "1 sugestão(ões) aceita(s).") {
		t.Errorf("no notice after accepting the selection")
	}
	if cs := w.consult("acme", "554733334444"); len(cs) != 1 || cs[0].ID != "C1" {
		t.Errorf("consult after accepting the selection: %+v", cs)
	}

	// The list is empty now, and each change is audited under the staff label.
	empty := b.do("GET", "/revisao/", nil, nil).body
	if rows := rowsOf(empty); len(rows) != 0 || !strings.Contains(empty, `Todos <span class="n">0</span>`) {
		t.Errorf("list after fixing everything: %v", rows)
	}
	actor := "staff:Maria (atendimento) de acme"
	if got := w.actors(&schemaTenant{w.acme.ID}); !slices.Equal(got, []string{actor, actor, actor, actor}) {
		t.Errorf("audit actors %q", got)
	}
}

// correct: an invalid correction stays on the page, says why and stores
// nothing; a valid one is stored and answers consult-phone.
func correct(t *testing.T, w *world, post func(raw, action string, extra url.Values) answer) {
	t.Helper()
	ids := w.ids["acme"]
	a := post("(20) 3333-4444", "corrigir", url.Values{"numero": {"(20) 3333-5555"}})
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "DDD inexistente") ||
		!strings.Contains(a.body, `value="(20) 3333-5555"`) || !strings.Contains(a.body, `data-estado="invalido"`) {
		t.Errorf("invalid correction: %d\n%s", a.status, a.body)
	}
	if s := rt.Get(t, w.db, ids["(20) 3333-4444"]); s.Override != nil {
		t.Errorf("an invalid correction was stored: %+v", s)
	}
	a = post("(20) 3333-4444", "corrigir", url.Values{"numero": {"(47) 3333-5555"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("correction: %d %s", a.status, a.body)
	}
	if cs := w.consult("acme", "554733335555"); len(cs) != 1 || cs[0].ID != "A1" {
		t.Errorf("consult after correction: %+v", cs)
	}

}

type schemaTenant struct{ ID int64 }

func TestValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	b, _ := w.signedIn("acme")
	for _, tc := range []struct {
		number   string
		status   string
		accepted bool
		dial     string
		reasons  []string
	}{
		{"(47) 9988-7766", "fixed", true, "0047999887766", []string{"added_ninth_digit"}},
		{"(47) 99988-7766 ramal 12", "ok", true, "0047999887766", []string{"extension_split"}},
		{"(20) 3333-4444", "invalid", false, "", []string{"invalid_ddd"}},
		{"3333-4444 / 3333-5555", "invalid", false, "", []string{"multiple_numbers"}},
		{"", "invalid", false, "", []string{}},
	} {
		a := b.do("GET", "/revisao/validar?numero="+url.QueryEscape(tc.number), nil, nil)
		rd := decode[review.Reading](t, a.body)
		if a.status != 200 || rd.Status != tc.status || rd.Accepted != tc.accepted || rd.Dial != tc.dial ||
			!slices.Equal(rd.Reasons, tc.reasons) || rd.Accepted == (rd.Problem != "") {
			t.Errorf("%q: %d %+v", tc.number, a.status, rd)
		}
		// The validation endpoint answers the same for a pbx or staff token.
		for _, tok := range []string{w.acme.Token, w.staff["acme"]} {
			req, _ := http.NewRequest("GET", w.srv.URL+"/cti3cx/normalize?number="+url.QueryEscape(tc.number), nil)
			req.Header[api.HeaderToken] = []string{tok}
			req.Header[api.HeaderTenant] = []string{"acme"}
			resp, err := w.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var got review.Reading
			err = jsonDecode(resp, &got)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || !slices.Equal(got.Reasons, rd.Reasons) || got.Dial != rd.Dial || got.Problem != rd.Problem {
				t.Errorf("/cti3cx/normalize %q: %d %+v, want %+v", tc.number, resp.StatusCode, got, rd)
			}
		}
	}
	sync := w.acme.IssueToken(t, "sync", schema.RoleSync)
	for tok, want := range map[string]int{sync: 403, "c3x_nope": 401} {
		req, _ := http.NewRequest("GET", w.srv.URL+"/cti3cx/normalize?number=4733334444", nil)
		req.Header[api.HeaderToken] = []string{tok}
		req.Header[api.HeaderTenant] = []string{"acme"}
		resp, err := w.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("normalize with a %d token: %d", want, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", w.srv.URL+"/cti3cx/normalize", nil)
	req.Header[api.HeaderToken] = []string{w.acme.Token}
	req.Header[api.HeaderTenant] = []string{"acme"}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("normalize without number: %d", resp.StatusCode)
	}
}

// The DDD cell the import kept beside the phone cell (phones.ddd) shows on
// the list and the phone page, since reasons such as ddd_split talk about it;
// a phone without one shows none.
func TestDDDCellIsShown(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	withDDD, without := w.ids["acme"]["(20) 3333-4444"], w.ids["acme"]["não tem"]
	if _, err := w.db.Pool.Exec(context.Background(), `UPDATE phones SET ddd = '03' WHERE id = $1`, withDDD); err != nil {
		t.Fatal(err)
	}
	b, _ := w.signedIn("acme")
	list := b.do("GET", "/revisao/", nil, nil)
	row := func(id int64) string {
		start := strings.Index(list.body, fmt.Sprintf(`<tr id="t%d"`, id))
		if start < 0 {
			t.Fatalf("phone %d not on the list:\n%s", id, list.body)
		}
		end := strings.Index(list.body[start:], "</tr>")
		return list.body[start : start+end]
	}
	if r := row(withDDD); !strings.Contains(r, `<span class="ddd">DDD 03</span> · (20) 3333-4444`) {
		t.Errorf("the row does not show the DDD cell beside the stored value:\n%s", r)
	}
	if r := row(without); strings.Contains(r, "DDD ") {
		t.Errorf("a phone without a DDD cell shows one:\n%s", r)
	}
	page := b.do("GET", fmt.Sprintf("/revisao/telefone/%d", withDDD), nil, nil)
	if page.status != 200 || !strings.Contains(page.body, `<dt>DDD no CRM</dt><dd class="numero" id="ddd">03</dd>`) {
		t.Errorf("phone page: %d, no DDD no CRM field:\n%s", page.status, page.body)
	}
	if other := b.do("GET", fmt.Sprintf("/revisao/telefone/%d", without), nil, nil); strings.Contains(other.body, "DDD no CRM") {
		t.Errorf("a phone without a DDD cell shows the field:\n%s", other.body)
	}
}
