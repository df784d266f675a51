// Package review is the review page for CRM staff, served by cti3cx-api
// under /revisao/: the flagged phones of the report, in the browser, fixed
// one click or one typed number at a time, in Portuguese.
//
// Staff sign in with a staff token, exchanged for a session cookie
// (session.go); the list (list.go) and the phone page (phone.go) are
// server-rendered from templates/ with a little plain JavaScript from
// static/, all embedded in the binary. Every correction goes through
// report.Fixer, the code of `cti3cx-loader fixes apply`.
package review

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/cti3cx/cti3cx/schema"
)

// Defaults for Deps' zero values.
const (
	DefaultSessionTTL     = 8 * time.Hour // a working day
	DefaultRequestTimeout = 5 * time.Second
	// DefaultSignInRate and DefaultSignInBurst limit sign-in attempts per
	// client address: five at once, then one every 12 s.
	DefaultSignInRate  = rate.Limit(1.0 / 12)
	DefaultSignInBurst = 5
)

// PageSize is how many phones a list page shows.
const PageSize = 50

// Deps is what the pages need; zero values take the defaults above.
type Deps struct {
	DB             *schema.DB
	Logger         *slog.Logger
	SessionTTL     time.Duration
	RequestTimeout time.Duration
	SignInRate     rate.Limit
	SignInBurst    int
	// CountsTTL is how long the counts per reason are kept (see counts).
	CountsTTL time.Duration
	// ClientAddr names the client a request comes from, for the sign-in
	// limit: the API's, which believes X-Forwarded-For from its trusted
	// proxies only. The peer's address when nil.
	ClientAddr func(*http.Request) string
}

// Handler serves the review pages.
type Handler struct {
	db      *schema.DB
	log     *slog.Logger
	ttl     time.Duration
	timeout time.Duration
	limits  *limiter
	client  func(*http.Request) string
	counts  *counts
	pages   map[string]*template.Template
	static  http.Handler
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// New returns the pages; register them with Register.
func New(deps Deps) *Handler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		db:      deps.DB,
		log:     deps.Logger,
		ttl:     orDuration(deps.SessionTTL, DefaultSessionTTL),
		timeout: orDuration(deps.RequestTimeout, DefaultRequestTimeout),
		limits:  newLimiter(orRate(deps.SignInRate, DefaultSignInRate), orInt(deps.SignInBurst, DefaultSignInBurst)),
		client:  deps.ClientAddr,
		counts:  newCounts(deps.DB, orDuration(deps.CountsTTL, DefaultCountsTTL)),
		pages:   parsePages(),
	}
	if h.client == nil {
		h.client = peerAddr
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	h.static = http.StripPrefix("/revisao/static/", http.FileServerFS(sub))
	return h
}

// Register hands every route to handle, which the API instruments with the
// pattern as the route's label.
func (h *Handler) Register(handle func(pattern string, fn http.HandlerFunc)) {
	handle("GET /revisao/{$}", h.withSession(h.handleList))
	handle("GET /revisao/entrar", h.handleSignInForm)
	handle("POST /revisao/entrar", h.handleSignIn)
	handle("POST /revisao/sair", h.withSession(h.withCSRF(h.handleSignOut)))
	handle("GET /revisao/validar", h.withSession(h.handleValidate))
	handle("GET /revisao/telefone/{id}", h.withSession(h.handlePhone))
	handle("POST /revisao/telefone/{id}/aceitar", h.withSession(h.withCSRF(h.handleAccept)))
	handle("POST /revisao/telefone/{id}/corrigir", h.withSession(h.withCSRF(h.handleCorrect)))
	handle("POST /revisao/telefone/{id}/nao-e-telefone", h.withSession(h.withCSRF(h.handleNotAPhone)))
	handle("POST /revisao/aceitar", h.withSession(h.withCSRF(h.handleAcceptSelected)))
	handle("GET /revisao/static/", h.handleStatic)
	handle("/revisao/", h.handleNotFound)
}

func (h *Handler) handleStatic(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.static.ServeHTTP(w, r)
}

func (h *Handler) context(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), h.timeout)
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func orRate(r, def rate.Limit) rate.Limit {
	if r <= 0 {
		return def
	}
	return r
}

func orInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
