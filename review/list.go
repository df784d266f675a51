package review

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/schema"
)

// Query parameters of the list, in Portuguese as staff see them in the
// address bar.
const (
	paramReason = "motivo"
	paramStatus = "situacao"
	paramField  = "campo"
	paramKind   = "tipo"
	paramSearch = "busca"
	paramAfter  = "depois"
	paramBefore = "antes"
)

// maxSearch bounds a search text.
const maxSearch = 100

// filters are the list's filters as chosen in the form.
type filters struct {
	Reason, Status, Field, Kind, Search string
	After, Before                       int64
}

func parseFilters(q url.Values) filters {
	f := filters{
		Reason: strings.TrimSpace(q.Get(paramReason)),
		Search: strings.TrimSpace(q.Get(paramSearch)),
	}
	if s := q.Get(paramStatus); s == "invalid" || s == "fixed" {
		f.Status = s
	}
	if c := q.Get(paramField); slices.Contains(schema.PhoneFields, c) {
		f.Field = c
	}
	if k := schema.Kind(q.Get(paramKind)); k == schema.KindAccount || k == schema.KindContact {
		f.Kind = string(k)
	}
	if r := []rune(f.Search); len(r) > maxSearch {
		f.Search = string(r[:maxSearch])
	}
	f.After, _ = strconv.ParseInt(q.Get(paramAfter), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get(paramBefore), 10, 64)
	f.After, f.Before = max(f.After, 0), max(f.Before, 0)
	return f
}

// query is the filters without the page cursor, as URL parameters.
func (f filters) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{paramReason: f.Reason, paramStatus: f.Status, paramField: f.Field,
		paramKind: f.Kind, paramSearch: f.Search} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func (f filters) url(cursor string, id int64) string {
	q := f.query()
	if cursor != "" {
		q.Set(cursor, strconv.FormatInt(id, 10))
	}
	if len(q) == 0 {
		return "/revisao/"
	}
	return "/revisao/?" + q.Encode()
}

// schemaFilter is the query's filter, reasons aside (they need the groups).
func (f filters) schemaFilter() schema.ReviewFilter {
	sf := schema.ReviewFilter{Statuses: report.DefaultStatuses, Field: f.Field, Kind: schema.Kind(f.Kind)}
	if f.Status != "" {
		sf.Statuses = []string{f.Status}
	}
	if f.Search != "" {
		sf.Text = f.Search
		if digits := onlyDigits(f.Search); len(digits) >= 3 && !hasLetter(f.Search) {
			sf.Digits = digits
		}
	}
	return sf
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func hasLetter(s string) bool { return strings.IndexFunc(s, unicode.IsLetter) >= 0 }

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// listPage is the body of the list.
type listPage struct {
	Filters        filters
	Groups         []groupLink
	Total, Matches int
	Rows           []rowView
	Prev, Next     string
	Here           string // this page, where actions come back to (see backTo)
	Reasons        []option
	Statuses       []option
	Fields         []option
	Kinds          []option
	Filtered       bool
}

// groupLink is a reason group with its count, linking to the list filtered
// by it.
type groupLink struct {
	report.GroupCount
	URL     string
	Current bool
}

// rowView is one phone as the list and the phone page show it.
type rowView struct {
	schema.ReviewRow
	Ref        string
	Stored     string
	Reasons    string
	Acceptable bool // it has a suggested number to accept
}

func newRowView(r schema.ReviewRow) rowView {
	return rowView{ReviewRow: r, Ref: report.RefOf(r.ReportRow), Stored: report.StoredValue(r.ReportRow),
		Reasons: report.Describe(r.Reasons), Acceptable: acceptable(r)}
}

// acceptable: a phone fixed by a rule (ninth digit, default DDD…) has the
// number the rule made, which staff confirm by accepting it; an invalid
// phone has no number to accept, and one fixed by staff nothing to confirm.
func acceptable(r schema.ReviewRow) bool {
	return r.Status == "fixed" && r.E164 != "" && r.Override == nil
}

func (h *Handler) handleList(w http.ResponseWriter, r *http.Request) {
	s := stateFrom(r.Context())
	f := parseFilters(r.URL.Query())
	sf := f.schemaFilter()
	counts, err := h.counts.get(r.Context(), s.Tenant.ID, sf)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := listPage{Filters: f, Here: r.URL.RequestURI(), Filtered: len(f.query()) > 0}
	for _, g := range report.Groups(counts) {
		p.Total += g.Count
		link := groupLink{GroupCount: g, Current: g.Group == f.Reason}
		withReason := f
		withReason.Reason, withReason.After, withReason.Before = g.Group, 0, 0
		link.URL = withReason.url("", 0)
		if link.Current {
			sf.ReasonSets = g.ReasonSets
			p.Matches = g.Count
		}
		p.Groups = append(p.Groups, link)
	}
	if f.Reason == "" {
		p.Matches = p.Total
	} else if sf.ReasonSets == nil {
		sf.ReasonSets = []string{} // a group with no phones: none match
	}
	rows, more, err := h.db.ReviewRows(r.Context(), s.Tenant.ID, sf,
		schema.ReviewPage{After: f.After, Before: f.Before, Limit: PageSize})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, row := range rows {
		p.Rows = append(p.Rows, newRowView(row))
	}
	if len(rows) > 0 {
		first, last := rows[0].PhoneID, rows[len(rows)-1].PhoneID
		// Reading forwards, "more" is past the last row; backwards, before
		// the first. The other side exists whenever a cursor brought us here.
		if (f.Before == 0 && more) || f.Before > 0 {
			p.Next = f.url(paramAfter, last)
		}
		if (f.Before > 0 && more) || f.After > 0 {
			p.Prev = f.url(paramBefore, first)
		}
	}
	p.options(f)
	h.render(w, r, http.StatusOK, "lista", page{Title: "Telefones para revisão", Body: p})
}

// options fills the filter form's selects.
func (p *listPage) options(f filters) {
	p.Reasons = []option{{Value: "", Label: "Todos os motivos"}}
	for _, g := range p.Groups {
		p.Reasons = append(p.Reasons, option{Value: g.Group, Label: g.Title, Selected: g.Current})
	}
	if f.Reason != "" && !slices.ContainsFunc(p.Groups, func(g groupLink) bool { return g.Current }) {
		p.Reasons = append(p.Reasons, option{Value: f.Reason, Label: report.GroupTitle(f.Reason), Selected: true})
	}
	p.Statuses = []option{{Value: "", Label: "Todas"}}
	for _, s := range report.DefaultStatuses {
		p.Statuses = append(p.Statuses, option{Value: s, Label: report.StatusLabel(s), Selected: f.Status == s})
	}
	p.Fields = []option{{Value: "", Label: "Todos os campos"}}
	for _, c := range schema.PhoneFields {
		p.Fields = append(p.Fields, option{Value: c, Label: report.FieldLabel(c), Selected: f.Field == c})
	}
	p.Kinds = []option{{Value: "", Label: "Contas e contatos"}}
	for _, k := range []schema.Kind{schema.KindAccount, schema.KindContact} {
		p.Kinds = append(p.Kinds, option{Value: string(k), Label: report.KindLabel(k), Selected: f.Kind == string(k)})
	}
}
