package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// At 1280 px with real data (long capitalised names and companies, a DDD
// cell, long reasons) the whole list fits the window: the search box and
// the "Ações" column are on screen, nothing needs horizontal scrolling.
func TestE2EReviewListFitsAt1280(t *testing.T) {
	w := &reviewWorld{world: newWorld(t), ids: map[string]int64{}}
	w.staff = w.acme.IssueToken(t, "Maria (atendimento)", schema.RoleStaff)
	acc := rt.Account(t, w.db, w.acme.ID, "CRM-ACC-000000123456", "UNIMED ITAJUBA COOPERATIVA DE TRABALHO MÉDICO",
		"UNIMED ITAJUBA COOPERATIVA DE TRABALHO MÉDICO LTDA")
	con := rt.Contact(t, w.db, w.acme.ID, "CRM-CON-000000654321", "MARIA APARECIDA DOS SANTOS",
		"FERREIRA DE OLIVEIRA CAVALCANTI", acc)
	rt.Phones(t, w.db, w.acme.ID, rt.Profile(t, w.acme.Tenant), normalize.RulesVersion, []rt.Phone{
		{ContactID: con, Field: schema.FieldMobile, Raw: "(47) 8765-4321"},
		{ContactID: con, Field: schema.FieldBusiness2, Raw: "(20) 3333-4444 ramal 2201 / (20) 3333-4445"},
		{AccountID: acc, Field: schema.FieldBusiness, Raw: "832291500"},
		{AccountID: acc, Field: schema.FieldHome, Raw: "NÃO POSSUI TELEFONE RESIDENCIAL CADASTRADO"},
	})
	var withDDD int64
	if err := w.db.Pool.QueryRow(context.Background(), `UPDATE phones SET ddd = '03'
		WHERE account_id = $1 AND field = $2 RETURNING id`, acc, schema.FieldBusiness).Scan(&withDDD); err != nil {
		t.Fatal(err)
	}
	p := start(t, w.url)
	b := tab{t: t, ctx: browse(t), p: p}
	shot := newShots(t)
	b.do("sign in and open the list at 1280×900",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(p.base+"/revisao/"), chromedp.WaitVisible(chromedp.CSS("#empresa")),
		chromedp.SendKeys(chromedp.CSS("#empresa"), "acme"),
		chromedp.SendKeys(chromedp.CSS("#chave"), w.staff+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("table.telefones")), shot.take("lista-nomes-longos-1280"))
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	// The page's width, and the right edges of the search box and of the
	// last column, against the window's.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[
		window.innerWidth,
		document.documentElement.scrollWidth,
		document.querySelector("#f-busca").getBoundingClientRect().right,
		Math.max(...[...document.querySelectorAll("table.telefones th:last-child, table.telefones td.acoes")]
			.map(e => e.getBoundingClientRect().right))]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0] != 1280 {
		t.Fatalf("window and widths: %v", got)
	}
	if got[1] > got[0] || got[2] > got[0] || got[3] > got[0] {
		t.Errorf("at 1280 px the list is %v px wide, the search box ends at %v, the Ações column at %v: "+
			"it needs horizontal scrolling", got[1], got[2], got[3])
	}
	if txt := b.text("#t" + strconv.FormatInt(withDDD, 10)); !strings.Contains(txt, "DDD 03 · 832291500") {
		t.Errorf("the row with a DDD cell: %q", txt)
	}
}
