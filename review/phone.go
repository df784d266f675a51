package review

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/schema"
)

// Form fields of the actions.
const (
	fieldRef      = "ref"    // the phone and the value staff saw (report.Ref)
	fieldSelected = "sel"    // refs of the rows ticked in the list
	fieldNumber   = "numero" // the correction typed
	fieldBack     = "volta"  // the list page to come back to
)

// phonePage is the body of a phone's page.
type phonePage struct {
	Row     rowView
	Back    string
	Value   string   // the correction typed, after a refusal
	Reading *Reading // its reading, after a refusal
}

func (h *Handler) handlePhone(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	row, err := h.db.ReviewPhone(r.Context(), s.Tenant.ID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := phonePage{Row: newRowView(row), Back: backTo(r.URL.Query().Get(fieldBack))}
	h.render(w, r, http.StatusOK, "telefone", page{Title: row.Name + " — " + report.FieldLabel(row.Field), Body: p})
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errPT(cti3cx.ENOTFOUND, "Telefone não encontrado.")
	}
	return id, nil
}

// backTo is where an action returns: a page of the list, never elsewhere
// (an address in a form field must not redirect the browser off the site).
func backTo(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Path != "/revisao/" ||
		strings.ContainsAny(v, "\\\r\n") {
		return "/revisao/"
	}
	return u.RequestURI()
}

// refFor returns the posted ref when it is about the phone in the path.
func refFor(r *http.Request, id int64) (string, error) {
	ref := r.PostFormValue(fieldRef)
	if !strings.HasPrefix(ref, strconv.FormatInt(id, 10)+".") {
		return "", errPT(cti3cx.EINVALID, "Pedido inválido: recarregue a página.")
	}
	return ref, nil
}

func (h *Handler) fixer(s *state) (*report.Fixer, error) {
	return report.NewFixer(h.db, s.Tenant, s.actor)
}

// accept stores the number a rule made for a phone as staff's own: the
// phone leaves the list, consult-phone keeps finding it.
func (h *Handler) accept(ctx context.Context, s *state, fx *report.Fixer, id int64, ref string) (report.FixOutcome, schema.ReviewRow, error) {
	row, err := h.db.ReviewPhone(ctx, s.Tenant.ID, id)
	switch {
	case cti3cx.ErrorCode(err) == cti3cx.ENOTFOUND:
		return report.FixOutcome{PhoneID: id, Stale: true, Rejected: "o telefone não existe mais"}, row, nil
	case err != nil:
		return report.FixOutcome{}, row, err
	case report.RefOf(row.ReportRow) != ref:
		return h.logged(s, row, report.FixOutcome{PhoneID: id, Stale: true}, "accept"), row, nil
	case !acceptable(row):
		return report.FixOutcome{PhoneID: id, Rejected: "não há sugestão de número para aceitar"}, row, nil
	}
	out, err := fx.Apply(ctx, report.Correction{Ref: ref, Value: row.E164})
	if err != nil {
		return out, row, err
	}
	return h.logged(s, row, out, "accept"), row, nil
}

// logged logs a correction's outcome and, when it was stored, takes the
// phone (as it was before) off the cached counts.
func (h *Handler) logged(s *state, before schema.ReviewRow, out report.FixOutcome, action string) report.FixOutcome {
	if out.Rejected == "" && out.PhoneID != 0 {
		h.counts.left(s.Tenant.ID, before)
	}
	if out.Stale {
		out.Rejected = "o telefone mudou desde que a página foi aberta: confira o valor atual"
	}
	h.log.Info("review: fix", "tenant", s.Tenant.Slug, "session_id", s.ID, "action", action,
		"phone_id", out.PhoneID, "applied", out.Rejected == "", "stale", out.Stale)
	return out
}

func (h *Handler) handleAccept(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	id, ref, fx, err := h.action(r, s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, row, err := h.accept(r.Context(), s, fx, id, ref)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.done(w, r, out, fmt.Sprintf("Sugestão aceita: %s (%s), o 3CX vai discar %s.", row.Name,
		report.FieldLabel(row.Field), out.Dial))
}

// action reads what every action on one phone needs.
func (h *Handler) action(r *http.Request, s *state) (int64, string, *report.Fixer, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, "", nil, err
	}
	ref, err := refFor(r, id)
	if err != nil {
		return 0, "", nil, err
	}
	fx, err := h.fixer(s)
	return id, ref, fx, err
}

// done redirects to the list with the outcome as a notice.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, out report.FixOutcome, success string) {
	n := notice{Text: success}
	if out.Rejected != "" {
		n = notice{Error: true, Text: "Não foi salvo: " + out.Rejected + "."}
	}
	setNotice(w, r, n)
	http.Redirect(w, r, backTo(r.PostFormValue(fieldBack)), http.StatusSeeOther)
}

func (h *Handler) handleCorrect(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	id, ref, fx, err := h.action(r, s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	value := strings.TrimSpace(r.PostFormValue(fieldNumber))
	if len(value) > MaxTyped {
		value = value[:MaxTyped]
	}
	before, err := h.db.ReviewPhone(r.Context(), s.Tenant.ID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := fx.Apply(r.Context(), report.Correction{Ref: ref, Value: value})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out = h.logged(s, before, out, "correct")
	row, err := h.db.ReviewPhone(r.Context(), s.Tenant.ID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if out.Rejected != "" && !out.Stale {
		// Stay on the page with what was typed and why it was refused.
		rd := Read(s.profile, value)
		p := phonePage{Row: newRowView(row), Back: backTo(r.PostFormValue(fieldBack)), Value: value, Reading: &rd}
		n := &notice{Error: true, Text: "Não foi salvo: " + out.Rejected + "."}
		h.render(w, r, http.StatusUnprocessableEntity, "telefone", page{Title: row.Name, Notice: n, Body: p})
		return
	}
	h.done(w, r, out, fmt.Sprintf("Correção salva: %s (%s), o 3CX vai discar %s.", row.Name,
		report.FieldLabel(row.Field), out.Dial))
}

func (h *Handler) handleNotAPhone(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	id, ref, fx, err := h.action(r, s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	before, err := h.db.ReviewPhone(r.Context(), s.Tenant.ID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := fx.Apply(r.Context(), report.Correction{Ref: ref, NotAPhone: true})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out = h.logged(s, before, out, "not_a_phone")
	h.done(w, r, out, fmt.Sprintf("Número apagado: %s (%s) não tem mais este telefone.", before.Name,
		report.FieldLabel(before.Field)))
}

// handleAcceptSelected accepts the suggestion of every ticked row.
func (h *Handler) handleAcceptSelected(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	refs := r.PostForm[fieldSelected]
	if len(refs) == 0 || len(refs) > 2*PageSize {
		setNotice(w, r, notice{Error: true, Text: "Marque os telefones cujas sugestões quer aceitar."})
		http.Redirect(w, r, backTo(r.PostFormValue(fieldBack)), http.StatusSeeOther)
		return
	}
	fx, err := h.fixer(s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	accepted, refused, why := 0, 0, ""
	for _, ref := range refs {
		idText, _, _ := strings.Cut(ref, ".")
		id, _ := strconv.ParseInt(idText, 10, 64)
		out, _, err := h.accept(r.Context(), s, fx, id, ref)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if out.Rejected != "" {
			refused++
			why = cmp.Or(why, out.Rejected)
			continue
		}
		accepted++
	}
	n := notice{Text: fmt.Sprintf("%d sugestão(ões) aceita(s).", accepted)}
	if refused > 0 {
		n = notice{Error: true, Text: fmt.Sprintf("%d sugestão(ões) aceita(s), %d não: %s.", accepted, refused, why)}
	}
	setNotice(w, r, n)
	http.Redirect(w, r, backTo(r.PostFormValue(fieldBack)), http.StatusSeeOther)
}

// handleValidate is the page's live feedback: the validation endpoint's
// answer (Read) for the session's tenant.
func (h *Handler) handleValidate(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	number := r.URL.Query().Get(fieldNumber)
	if len(number) > MaxTyped {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "número longo demais"})
		return
	}
	writeJSON(w, http.StatusOK, Read(s.profile, number))
}
