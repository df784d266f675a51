package review

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Cookies. The session cookie carries the session's secret; the sign-in
// cookie pairs the sign-in form with the browser that loaded it (the form's
// CSRF protection, before there is a session); the notice cookie carries a
// one-time message across a redirect.
const (
	cookieSession = "cti3cx_revisao"
	cookieSignIn  = "cti3cx_revisao_entrar"
	cookieNotice  = "cti3cx_revisao_aviso"
	cookiePath    = "/revisao/"
)

// Form fields and the header fetch requests carry the CSRF token in.
const (
	fieldCSRF  = "csrf"
	headerCSRF = "X-CSRF-Token"
)

// sessionKey is the context key of the request's *state.
type sessionKey struct{}

// state is what a signed-in request knows: the session, its tenant's phone
// profile, and who acts in audit rows.
type state struct {
	schema.Session
	profile normalize.Profile
	actor   string
}

func stateFrom(ctx context.Context) *state {
	s, _ := ctx.Value(sessionKey{}).(*state)
	return s
}

// cookie is one of the pages' cookies: HttpOnly, SameSite=Strict, scoped to
// /revisao/, Secure when the request came over TLS, to the API or to a proxy
// in front of it that says so (X-Forwarded-Proto: a client that sends it
// falsely only makes its own cookie stricter).
func cookie(r *http.Request, name, value string, maxAge time.Duration) *http.Cookie {
	secure := r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
	c := &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure, MaxAge: int(maxAge / time.Second)}
	if maxAge > 0 {
		c.Expires = time.Now().Add(maxAge)
	}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// withSession lets a request through with a live session, checked against
// the database every time: an expired or ended session, or one whose token
// was revoked, sends the browser to the sign-in page (pages) or answers 401
// (the validation calls).
func (h *Handler) withSession(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := h.context(r)
		defer cancel()
		sess, err := h.session(ctx, r)
		if err != nil {
			if cti3cx.ErrorCode(err) != cti3cx.EUNAUTHORIZED {
				h.fail(w, r, err)
				return
			}
			if r.Method == http.MethodGet && r.URL.Path != "/revisao/validar" {
				http.SetCookie(w, cookie(r, cookieSession, "", -1))
				http.Redirect(w, r, "/revisao/entrar", http.StatusSeeOther)
				return
			}
			h.fail(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(ctx, sessionKey{}, sess)))
	}
}

func (h *Handler) session(ctx context.Context, r *http.Request) (*state, error) {
	c, err := r.Cookie(cookieSession)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, schema.ErrNoSession
	}
	s, err := h.db.SessionBySecret(ctx, c.Value)
	if err != nil {
		return nil, err
	}
	profile, err := normalize.NewProfile(s.Tenant.DefaultDDD, s.Tenant.DialFormat)
	if err != nil {
		return nil, cti3cx.Errorf(cti3cx.EINTERNAL, "tenant %s: phone profile: %w", s.Tenant.Slug, err)
	}
	actor := "staff:" + s.Label
	if strings.TrimSpace(s.Label) == "" {
		actor = "staff:token " + itoa(s.TokenID)
	}
	return &state{Session: s, profile: profile, actor: actor}, nil
}

// errCSRF refuses a state-changing request that does not prove it comes
// from one of the session's own pages.
var errCSRF = errPT(cti3cx.EFORBIDDEN, "Requisição recusada: recarregue a página e tente de novo.")

// withCSRF lets a state-changing request through only with the session's
// anti-CSRF token, from a form field or the X-CSRF-Token header, and, when
// the browser names its origin, from this origin. SameSite=Strict already
// keeps the cookie off cross-site requests; this holds when it does not
// (an old browser, a sibling subdomain).
func (h *Handler) withCSRF(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := stateFrom(r.Context())
		if !sameOrigin(r) || !equalSecret(csrfFrom(r), s.CSRF) {
			h.fail(w, r, errCSRF)
			return
		}
		next(w, r)
	}
}

func csrfFrom(r *http.Request) string {
	if v := r.Header.Get(headerCSRF); v != "" {
		return v
	}
	return r.PostFormValue(fieldCSRF)
}

func equalSecret(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sameOrigin is false when the browser says the request comes from another
// site or origin.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// signInPage is what the sign-in form shows.
type signInPage struct {
	CSRF   string
	Tenant string
	Error  string
}

func (h *Handler) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	h.renderSignIn(w, r, http.StatusOK, signInPage{Tenant: r.URL.Query().Get("empresa")})
}

// renderSignIn shows the form with a fresh pairing cookie.
func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, p signInPage) {
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	p.CSRF = base64.RawURLEncoding.EncodeToString(raw[:])
	http.SetCookie(w, cookie(r, cookieSignIn, p.CSRF, 15*time.Minute))
	h.render(w, r, status, "entrar", page{Title: "Entrar", Body: p})
}

// handleSignIn exchanges a staff token for a session. Failed attempts are
// limited per client address; every failure but a valid token of another role
// answers the same, so that the form tells nothing about which tenants
// exist.
func (h *Handler) handleSignIn(w http.ResponseWriter, r *http.Request) {
	slug := strings.TrimSpace(r.PostFormValue("empresa"))
	secret := strings.TrimSpace(r.PostFormValue("chave"))
	form := signInPage{Tenant: slug}
	paired, err := r.Cookie(cookieSignIn)
	if err != nil || !sameOrigin(r) || !equalSecret(r.PostFormValue(fieldCSRF), paired.Value) {
		form.Error = "O formulário expirou. Tente de novo."
		h.renderSignIn(w, r, http.StatusForbidden, form)
		return
	}
	client := h.client(r)
	if !h.limits.allowed(client) {
		w.Header().Set("Retry-After", "60")
		form.Error = "Muitas tentativas de entrada. Aguarde um minuto e tente de novo."
		h.renderSignIn(w, r, http.StatusTooManyRequests, form)
		return
	}
	ctx, cancel := h.context(r)
	defer cancel()
	creds, err := h.db.Credentials(ctx, slug)
	if err != nil && cti3cx.ErrorCode(err) != cti3cx.ENOTFOUND {
		h.fail(w, r, err) // our failure, not theirs: not counted
		return
	}
	tok, ok := creds.Match(secret)
	switch {
	case err != nil || !ok || secret == "":
		h.limits.failed(client)
		form.Error = "Empresa ou chave de acesso inválida."
		h.renderSignIn(w, r, http.StatusUnauthorized, form)
		return
	case tok.Role != schema.RoleStaff:
		h.limits.failed(client)
		form.Error = "Esta chave de acesso não é de equipe: peça ao administrador uma chave de equipe (staff)."
		h.renderSignIn(w, r, http.StatusForbidden, form)
		return
	}
	sess, cookieSecret, err := h.db.CreateSession(ctx, creds.Tenant.ID, tok.ID, h.ttl)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.db.TouchTokens(ctx, map[int64]time.Time{tok.ID: time.Now()}); err != nil {
		h.log.Warn("record a token's last use", "err", err)
	}
	h.log.Info("review: signed in", "tenant", creds.Tenant.Slug, "token_id", tok.ID, "session_id", sess.ID)
	http.SetCookie(w, cookie(r, cookieSignIn, "", -1))
	http.SetCookie(w, cookie(r, cookieSession, cookieSecret, h.ttl))
	http.Redirect(w, r, "/revisao/", http.StatusSeeOther)
}

func (h *Handler) handleSignOut(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	if err := h.db.EndSession(r.Context(), s.Tenant.ID, s.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("review: signed out", "tenant", s.Tenant.Slug, "session_id", s.ID)
	http.SetCookie(w, cookie(r, cookieSession, "", -1))
	setNotice(w, r, notice{Text: "Você saiu. Para voltar, entre de novo com a sua chave de acesso."})
	http.Redirect(w, r, "/revisao/entrar?empresa="+url.QueryEscape(s.Tenant.Slug), http.StatusSeeOther)
}

// peerAddr is the connection's host: the address sign-in attempts are
// counted by when the API gives none (Deps.ClientAddr).
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// maxLimited bounds the limiter's memory against a flood of addresses.
const maxLimited = 10000

// limiter is a token bucket per client address.
type limiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	by    map[string]*rate.Limiter
}

func newLimiter(r rate.Limit, burst int) *limiter {
	return &limiter{rate: r, burst: burst, by: map[string]*rate.Limiter{}}
}

// limit returns key's bucket, made on first use.
func (l *limiter) limit(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.by[key]
	if lim == nil {
		if len(l.by) >= maxLimited {
			clear(l.by)
		}
		lim = rate.NewLimiter(l.rate, l.burst)
		l.by[key] = lim
	}
	return lim
}

// allowed says whether key may try to sign in: its bucket holds an
// attempt. Only failures take one (failed), so that signing in again and
// again is never refused; concurrent attempts may overshoot by their number.
func (l *limiter) allowed(key string) bool { return l.limit(key).Tokens() >= 1 }

// failed takes one attempt from key's bucket.
func (l *limiter) failed(key string) { l.limit(key).Allow() }
