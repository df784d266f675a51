package review

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/schema"
)

// page is what the layout renders around a page's body.
type page struct {
	Title   string
	Session *state // nil on the sign-in page
	Notice  *notice
	Body    any
}

// notice is a one-time message shown at the top of the next page.
type notice struct {
	Error bool   `json:"e,omitempty"`
	Text  string `json:"t"`
}

var funcs = template.FuncMap{
	"field":  report.FieldLabel,
	"status": report.StatusLabel,
	"kind":   func(k schema.Kind) string { return report.KindLabel(k) },
	"reasons": func(rs string) string {
		return report.Describe(rs)
	},
	"number":  func(n int) string { return thousands(n) },
	"capital": capital,
}

// parsePages parses each page with the layout; the templates are embedded,
// so a parse error is a bug caught by any test.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"entrar", "lista", "telefone", "erro"} {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

var renderBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a page with the headers every page carries: no caching (the
// pages hold customers' data), no framing, scripts and styles from this
// origin only.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if p.Session == nil {
		p.Session = stateFrom(r.Context())
	}
	if p.Notice == nil {
		p.Notice = takeNotice(w, r)
	}
	buf := renderBufs.Get().(*bytes.Buffer)
	defer renderBufs.Put(buf)
	buf.Reset()
	if err := h.pages[name].Execute(buf, p); err != nil {
		h.log.Error("review: render", "page", name, "err", err)
		http.Error(w, "Erro interno.", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// setNotice keeps a message for the page the browser is redirected to.
func setNotice(w http.ResponseWriter, r *http.Request, n notice) {
	b, _ := json.Marshal(n)
	http.SetCookie(w, cookie(r, cookieNotice, base64.RawURLEncoding.EncodeToString(b), time.Minute))
}

func takeNotice(w http.ResponseWriter, r *http.Request) *notice {
	c, err := r.Cookie(cookieNotice)
	if err != nil {
		return nil
	}
	http.SetCookie(w, cookie(r, cookieNotice, "", -1))
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var n notice
	if err != nil || json.Unmarshal(b, &n) != nil || n.Text == "" {
		return nil
	}
	return &n
}

// errorPage is the body of the error page.
type errorPage struct {
	Status  int
	Message string
}

// fail answers an error in Portuguese: a page, or JSON for the validation
// calls. Internal and database errors are logged; their details are never
// shown.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := cti3cx.HTTPStatus(err)
	msg := messagePT(status, err)
	switch {
	case status == http.StatusServiceUnavailable || schema.ConnectionLost(err):
		status, msg = http.StatusServiceUnavailable, messagePT(http.StatusServiceUnavailable, err)
		h.log.Warn("review: database unavailable", "path_pattern", r.Pattern, "err", err)
	case status >= 500:
		h.log.Error("review: internal error", "path_pattern", r.Pattern, "err", err)
	}
	if r.URL.Path == "/revisao/validar" {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	h.render(w, r, status, "erro", page{Title: "Erro", Body: errorPage{Status: status, Message: msg}})
}

func messagePT(status int, err error) string {
	var pt *ptError
	switch {
	case errors.As(err, &pt):
		return pt.err.Message
	case status == http.StatusUnauthorized:
		return "Sua sessão terminou. Entre de novo."
	case status == http.StatusForbidden:
		return "Acesso negado."
	case status == http.StatusBadRequest:
		return "Pedido inválido."
	case status == http.StatusNotFound:
		return "Telefone não encontrado."
	case status == http.StatusServiceUnavailable:
		return "O banco de dados não responde. Tente de novo em instantes."
	}
	return "Erro interno. Tente de novo; se persistir, avise o suporte."
}

// ptError is an error whose message is written for staff, in Portuguese,
// and shown as is.
type ptError struct{ err *cti3cx.Error }

func (e *ptError) Error() string { return e.err.Error() }
func (e *ptError) Unwrap() error { return e.err }

func errPT(code, msg string) error { return &ptError{&cti3cx.Error{Code: code, Message: msg}} }

func (h *Handler) handleNotFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, "erro", page{Title: "Página não encontrada",
		Body: errorPage{Status: http.StatusNotFound, Message: "Página não encontrada."}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"erro interno"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// thousands writes n the Brazilian way: 100.000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// capital starts a sentence with a capital letter.
func capital(s string) string {
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
