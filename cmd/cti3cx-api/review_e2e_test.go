package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cti3cx/cti3cx/api/apitest"
	rt "github.com/cti3cx/cti3cx/loader/revalidate/revalidatetest"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// EnvChromium names the browser the review page's end-to-end test drives;
// by default Debian's chromium package (.ci/run installs it).
const EnvChromium = "CTI3CX_CHROMIUM"

// EnvScreenshots names the folder the test saves its screenshots to; by
// default tmp/screenshots/review at the repository's root (git ignores tmp/).
const EnvScreenshots = "CTI3CX_SCREENSHOTS"

func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		path = "chromium"
	}
	found, err := exec.LookPath(path)
	if err != nil {
		t.Fatalf("no Chromium (%v): apt-get install -y chromium, or set %s to a Chromium binary", err, EnvChromium)
	}
	return found
}

// browse starts a headless Chromium at 1280 px for the test.
func browse(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("start %s: %v", chromium(t), err)
	}
	return ctx
}

// shots saves numbered screenshots of each step.
type shots struct {
	t   *testing.T
	dir string
	n   int
}

func newShots(t *testing.T) *shots {
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		dir = filepath.Join("..", "..", "tmp", "screenshots", "review")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &shots{t: t, dir: dir}
}

func (s *shots) take(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		s.n++
		path := filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name))
		s.t.Logf("screenshot %s", path)
		return os.WriteFile(path, png, 0o644)
	})
}

// tab runs a test's steps in one browser tab, each step within a deadline.
type tab struct {
	t   *testing.T
	ctx context.Context
	p   *proc
}

func (b tab) do(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n%s", step, err, b.p.stderr)
	}
}

func (b tab) contains(step, got, want string) {
	b.t.Helper()
	if !strings.Contains(got, want) {
		b.t.Fatalf("%s: %q does not contain %q", step, got, want)
	}
}

func (b tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// reviewWorld is acme's staff with phones to review, and beta, whose data
// acme's staff must never see.
type reviewWorld struct {
	*world
	staff string
	ids   map[string]int64 // acme's phones by raw value
	betaP int64
}

func newReviewWorld(t *testing.T) *reviewWorld {
	w := &reviewWorld{world: newWorld(t), ids: map[string]int64{}}
	w.staff = w.acme.IssueToken(t, "Maria (atendimento)", schema.RoleStaff)
	seed := func(ten *apitest.Tenant, who string) []int64 {
		acc := rt.Account(t, w.db, ten.ID, "A-9", "Padaria "+who+" Ltda", "Padaria "+who)
		ana := rt.Contact(t, w.db, ten.ID, "C-2001", "Ana", "Souza "+who, acc)
		joao := rt.Contact(t, w.db, ten.ID, "C-2002", "João", "Lima "+who, 0)
		return rt.Phones(t, w.db, ten.ID, rt.Profile(t, ten.Tenant), normalize.RulesVersion, []rt.Phone{
			{ContactID: ana, Field: schema.FieldMobile, Raw: "(47) 8765-4321"},    // ninth digit added: fixed
			{ContactID: joao, Field: schema.FieldBusiness, Raw: "(20) 3333-4444"}, // DDD 20: invalid
			{ContactID: joao, Field: schema.FieldHome, Raw: "não tem"},            // placeholder: invalid
			{AccountID: acc, Field: schema.FieldBusiness, Raw: "3333-4444"},       // default DDD: fixed
		})
	}
	for i, id := range seed(w.acme, "acme") {
		w.ids[[]string{"ana", "joao", "placeholder", "padaria"}[i]] = id
	}
	w.betaP = seed(w.beta, "beta")[0]
	return w
}

func (w *reviewWorld) audits(t *testing.T) []string {
	t.Helper()
	rows, err := w.db.Pool.Query(context.Background(), `SELECT actor || ' ' || phone_id FROM phone_changes WHERE tenant_id = $1 ORDER BY id`, w.acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// The review page in a real browser against the real binary: sign in with
// a staff token (a pbx one is refused), filter by a reason, accept a
// suggestion, type a correction and watch the feedback turn from invalid to
// valid, save it, sign out; consult-phone then finds both numbers and
// phone_changes holds both changes under the staff label. Along the way: a
// session of acme reaches nothing of beta, and a POST without the CSRF
// token is refused.
func TestE2EReviewPageInChromium(t *testing.T) {
	w := newReviewWorld(t)
	// A long auth cache, as in production (the flag given last wins): the
	// corrected numbers must answer at once all the same.
	p := start(t, w.url, "--auth-ttl", "1h")
	b := tab{t: t, ctx: browse(t), p: p}
	shot := newShots(t)
	base := p.base + "/revisao/"
	id := func(k string) string { return strconv.FormatInt(w.ids[k], 10) }
	row := func(k string) string { return "#t" + id(k) }
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	contains := b.contains

	b.do("open the page: the sign-in form",
		chromedp.Navigate(base), chromedp.WaitVisible(css("#empresa")), shot.take("entrar"))
	b.do("a pbx token cannot sign in",
		chromedp.SendKeys(css("#empresa"), "acme"),
		chromedp.SendKeys(css("#chave"), w.acme.Token+kb.Enter),
		chromedp.WaitVisible(css("#erro-entrar")), shot.take("chave-pbx-recusada"))
	contains("pbx token", b.text("#erro-entrar"), "não é de equipe")

	b.do("sign in with the staff token, from the keyboard",
		chromedp.SendKeys(css("#chave"), w.staff+kb.Enter),
		chromedp.WaitVisible(css("table.telefones")), shot.take("lista"))
	contains("list", b.text("#contagem"), "4 telefone(s)")

	b.do("filter by a reason",
		chromedp.SetValue(css("#f-motivo"), "added_ninth_digit"),
		chromedp.Click(css("#filtros button[type=submit]")),
		chromedp.WaitVisible(css(`a[data-motivo="added_ninth_digit"][aria-current]`)), shot.take("filtro-nono-digito"))
	listed := b.text("table.telefones tbody")
	contains("filtered list", listed, "Ana Souza acme")
	if strings.Contains(listed, "João") || strings.Contains(listed, "3333-4444") {
		t.Fatalf("the filter kept other reasons: %q", listed)
	}

	b.do("accept the suggestion",
		chromedp.Click(css(row("ana")+` button[formaction$="/aceitar"]`)),
		chromedp.WaitVisible(css("#aviso")), shot.take("sugestao-aceita"))
	contains("accepted", b.text("#aviso"), "o 3CX vai discar 0047987654321")

	w.correctInBrowser(b, base, row("joao"), shot)

	b.do("the list at phone width",
		chromedp.Navigate(base), chromedp.EmulateViewport(390, 844),
		chromedp.WaitVisible(css("table.telefones")), shot.take("lista-celular"),
		chromedp.EmulateViewport(1280, 900))

	w.isolationAndCSRF(t, b, base, shot)

	b.do("sign out",
		chromedp.Navigate(base), chromedp.Click(css("#sair")),
		chromedp.WaitVisible(css("#form-entrar")), shot.take("saiu"))
	contains("signed out", b.text("#aviso"), "Você saiu")
	b.do("the list after signing out: the sign-in form again",
		chromedp.Navigate(base), chromedp.WaitVisible(css("#form-entrar")))

	for number, want := range map[string]string{"5547987654321": "C-2001", "554733335555": "C-2002"} {
		cs := p.contacts(t, "/cti3cx/consult-phone/"+number, w.acme)
		if len(cs) != 1 || cs[0].ID != want {
			t.Errorf("consult-phone %s: %+v, want %s", number, cs, want)
		}
	}
	want := []string{"staff:Maria (atendimento) " + id("ana"), "staff:Maria (atendimento) " + id("joao")}
	if got := w.audits(t); !slices.Equal(got, want) {
		t.Errorf("phone_changes actors %q, want %q", got, want)
	}
}

// correctInBrowser opens a phone's page from the list, types a correction
// with the wrong DDD, watches the live feedback say why, fixes the DDD,
// watches it turn valid with the dial string, and saves it.
func (w *reviewWorld) correctInBrowser(b tab, base, row string, shot *shots) {
	b.t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.do("open João's business phone",
		chromedp.Navigate(base+"?motivo=invalid_ddd"),
		chromedp.Click(css(row+" a.botao")),
		chromedp.WaitVisible(css("#numero")))
	b.do("type an invalid correction: the live feedback says why",
		chromedp.SendKeys(css("#numero"), "(20) 3333-5555"),
		chromedp.WaitVisible(css(`#retorno[data-estado="invalido"]`)), shot.take("correcao-invalida"))
	b.contains("invalid feedback", b.text("#retorno"), "DDD inexistente")
	b.do("fix the DDD: the feedback turns valid and shows what 3CX dials",
		chromedp.SendKeys(css("#numero"), strings.Repeat(kb.Backspace, len("(20) 3333-5555"))+"(47) 3333-5555"),
		chromedp.WaitVisible(css(`#retorno[data-estado="valido"]`)), shot.take("correcao-valida"))
	b.contains("valid feedback", b.text("#retorno"), "o 3CX vai discar 004733335555")
	b.do("save the correction",
		chromedp.Click(css("#corrigir")),
		chromedp.WaitVisible(css("#aviso")), shot.take("correcao-salva"))
	b.contains("saved", b.text("#aviso"), "Correção salva: João Lima acme")
}

// isolationAndCSRF: acme's session finds nothing of beta, by URL or by
// search, and a POST carrying the session cookie but not the CSRF token is
// refused.
func (w *reviewWorld) isolationAndCSRF(t *testing.T, b tab, base string, shot *shots) {
	t.Helper()
	b.do("beta's phone from acme's session",
		chromedp.Navigate(base+"telefone/"+strconv.FormatInt(w.betaP, 10)),
		chromedp.WaitVisible(chromedp.CSS("section.falha")), shot.take("outro-cliente"))
	if got := b.text("section.falha h1"); got != "Telefone não encontrado." {
		t.Fatalf("beta's phone from acme's session: %q", got)
	}
	b.do("search for beta", chromedp.Navigate(base+"?busca=beta"), chromedp.WaitVisible(chromedp.CSS("#contagem")))
	if got := b.text("main"); strings.Contains(got, "Souza beta") || !strings.Contains(got, "Nenhum telefone") {
		t.Fatalf("search for beta from acme's session: %q", got)
	}
	padaria := strconv.FormatInt(w.ids["padaria"], 10)
	post := fmt.Sprintf(`fetch("/revisao/telefone/%s/aceitar", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "ref=%s.x"}).then(r => r.status)`, padaria, padaria)
	b.do("back to the list", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS("#contagem")))
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](post, chromedp.EvalAwaitPromise))
	if err != nil || status != 403 {
		t.Fatalf("POST without the CSRF token: %d %v", status, err)
	}
	if s := rt.Get(t, w.db, w.ids["padaria"]); s.Override != nil {
		t.Fatalf("the refused POST changed the phone: %+v", s)
	}
}
