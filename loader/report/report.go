// Package report writes the phones that need a human into XLSX or CSV files
// that CRM staff work on in Excel, in Portuguese, and applies the fixes they
// type back into them.
package report

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

// column is one column of a report: its key, the identifier that headed it
// in reports written before the headers were in Portuguese (fixes apply
// reads both), the header staff see, and its width in characters.
type column struct {
	key, header string
	width       float64
}

// columns of a report, in order: corrigir_para comes right after the value
// it corrects; ref, last, ties the row back to the stored phone and the value
// it had when the report was written.
var columns = []column{
	{"tipo_registro", "Tipo", 8},
	{"id_externo", "ID no CRM", 12},
	{"nome", "Nome", 22},
	{"empresa", "Empresa", 22},
	{"campo", "Campo", 15},
	{"valor_armazenado", "Valor no CRM", 20},
	{"corrigir_para", "Corrigir para", 20},
	{"situacao", "Situação", 10},
	{"motivo", "Motivo", 30},
	{"sugestao", "Sugestão", 42},
	{"ref", "ref (não altere)", 17},
}

// Columns are a report's headers, in order.
var Columns = func() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.header
	}
	return h
}()

const (
	colStored = 5
	colFixTo  = 6
	colRef    = 10
)

// DefaultStatuses are the statuses a report lists unless told otherwise:
// numbers we could not use and numbers we corrected by a rule.
var DefaultStatuses = []string{"invalid", "fixed"}

// Options select what a report lists.
type Options struct {
	Statuses []string   // DefaultStatuses when empty
	Since    *time.Time // only phones changed at or after it
	Now      time.Time  // stamped in the summary; time.Now when zero
}

// Summary counts what a report holds.
type Summary struct {
	Rows     int
	ByStatus map[string]int
	ByKind   map[string]int // rows per sheet (problem kind)
	ByReason map[string]int // rows per reason code; a row with two reasons counts twice
}

// Write writes the tenant's report to path, XLSX or CSV by its extension,
// through a temporary file renamed into place: a reader never sees half a
// report. The file is created 0644, subject to the umask: staff read it.
func Write(ctx context.Context, db *schema.DB, t schema.Tenant, path string, opts Options) (Summary, error) {
	write := WriteXLSX
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
	case ".csv":
		write = WriteCSV
	default:
		return Summary{}, cti3cx.Errorf(cti3cx.EINVALID, "%s: report must end in .xlsx or .csv", path)
	}
	var sum Summary
	err := office.WriteFile(path, func(w io.Writer) error {
		var err error
		sum, err = write(ctx, db, t, w, opts)
		return err
	})
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return sum, cti3cx.Errorf(cti3cx.EINVALID, "report %s: %w", path, err)
	}
	return sum, err
}

func (o Options) withDefaults() (Options, error) {
	if len(o.Statuses) == 0 {
		o.Statuses = DefaultStatuses
	}
	for _, s := range o.Statuses {
		if _, ok := statusPT[s]; !ok {
			return o, cti3cx.Errorf(cti3cx.EINVALID, "status %q: want ok, fixed or invalid", s)
		}
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o, nil
}

// Ref identifies a phone and the value staff saw: fixes apply refuses a row
// whose phone's raw value or override changed since.
//
// The stamp after the dot is letters only: a hex stamp could be all digits
// or read as E-notation (1042.0944642e10), and Excel turns such a ref into a
// number when it opens a CSV report.
func Ref(id int64, raw string, override *string) string {
	return strconv.FormatInt(id, 10) + "." + stamp(raw, override, stampLetters)
}

// stampLetters spell a stamp's nibbles: consonants only, so a stamp is
// neither a number, nor E-notation, nor a word or month Excel could read.
const (
	stampLetters = "bcdfghjklmnpqrst"
	legacyHex    = "0123456789abcdef" // refs written before the stamp was letters
)

func stamp(raw string, override *string, alphabet string) string {
	h := sha256.New()
	h.Write([]byte(raw))
	if override != nil {
		h.Write([]byte{0})
		h.Write([]byte(*override))
	}
	sum := h.Sum(nil)
	out := make([]byte, 10)
	for i := range out {
		b := sum[i/2]
		if i%2 == 0 {
			b >>= 4
		}
		out[i] = alphabet[b&0xf]
	}
	return string(out)
}

// refMatches says whether a ref's stamp is the phone's current one, in the
// letters format or the older hex one.
func refMatches(gotStamp, raw string, override *string) bool {
	return gotStamp == stamp(raw, override, stampLetters) || gotStamp == stamp(raw, override, legacyHex)
}

// parseRef returns the phone id and the version stamp of a ref.
func parseRef(ref string) (int64, string, bool) {
	idText, stamp, ok := strings.Cut(strings.TrimSpace(ref), ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 || len(stamp) != 10 {
		return 0, "", false
	}
	return id, strings.ToLower(stamp), true
}

var statusPT = map[string]string{"ok": "ok", "fixed": "corrigido", "invalid": "inválido"}

var kindPT = map[schema.Kind]string{schema.KindAccount: "conta", schema.KindContact: "contato"}

// fieldPT names the CRM's phone fields as staff see them in the CRM.
var fieldPT = map[string]string{
	schema.FieldBusiness:  "telefone comercial",
	schema.FieldBusiness2: "telefone comercial 2",
	schema.FieldMobile:    "celular",
	schema.FieldMobile2:   "celular 2",
	schema.FieldHome:      "telefone residencial",
	schema.FieldFax:       "fax",
	schema.FieldOther:     "outro telefone",
}

// kindTitle names a problem kind as a sheet title (at most 31 characters).
var kindTitle = map[string]string{
	"added_ninth_digit":       "Nono dígito acrescentado",
	"added_default_ddd":       "DDD padrão usado",
	"extension_split":         "Ramal separado",
	"multiple_numbers":        "Vários números",
	"carrier_code_removed":    "Código de operadora",
	"precision_lost":          "Notação científica",
	"placeholder":             "Preenchimento",
	"invalid_ddd":             "DDD inexistente",
	"too_short":               "Dígitos de menos",
	"too_long":                "Dígitos demais",
	"not_a_number":            "Não é telefone",
	"unknown_country":         "País desconhecido",
	"ambiguous":               "Ambíguo",
	"missing_ddd":             "Sem DDD",
	"invalid_number":          "Número inexistente",
	"completed_from_previous": "Completado pelo anterior",
	"ddd_from_column":         "DDD da coluna de DDD",
	"ddd_from_cell":           "DDD de outro número",
	"more_extensions":         "Vários ramais",
	"ddd_split":               "DDD dividido",
	"":                        "Outros",
}

// informative reasons say how a number was read, not what is wrong with it:
// a row is filed under one of them only when it has no other.
var informative = mustReasons("extension_split,multiple_numbers,carrier_code_removed,ddd_from_column,more_extensions")

func mustReasons(s string) normalize.Reasons {
	r, err := normalize.ParseReasons(s)
	if err != nil {
		panic(err)
	}
	return r
}

// problemKind files a row under one reason: the last (most specific) of
// its problems in the normalize package's order.
func problemKind(reasons string) string {
	rs, err := normalize.ParseReasons(reasons)
	if err != nil || rs == 0 {
		first, _, _ := strings.Cut(reasons, ",")
		return first
	}
	if rs&^informative != 0 {
		rs &^= informative
	}
	top := normalize.Reason(1 << (31 - bits.LeadingZeros32(uint32(rs))))
	return top.String()
}

func sheetTitle(kind string) string {
	if t, ok := kindTitle[kind]; ok {
		return t
	}
	t := []rune(kind)
	if len(t) > 31 {
		t = t[:31]
	}
	return string(t)
}

// describe turns stored reason codes into plain Portuguese.
func describe(reasons string) string {
	rs, err := normalize.ParseReasons(reasons)
	if err != nil {
		return reasons
	}
	return rs.Describe()
}

// line is one report row as written.
func line(r schema.ReportRow) []string {
	field := fieldPT[r.Field]
	if field == "" {
		field = r.Field
	}
	return []string{
		kindPT[r.Kind], r.ExternalID, r.Name, r.Company, field, storedWithDDD(r), "",
		statusPT[r.Status], describe(r.Reasons), r.Suggestion, Ref(r.PhoneID, r.Raw, r.Override),
	}
}

// storedWithDDD is the Valor no CRM cell: the stored value and, under it,
// the row's DDD cell the number was read with, which reasons such as
// ddd_split speak of. It is inside the value's cell, not a column of its
// own, so that reports written before it keep their columns; fixes apply
// reads the row by its ref, never by this cell.
func storedWithDDD(r schema.ReportRow) string {
	v := StoredValue(r)
	if r.DDD == "" || r.Override != nil {
		return v
	}
	return v + "\n" + dddCellLabel + r.DDD
}

// dddCellLabel introduces the CRM's DDD cell under the stored value.
const dddCellLabel = "coluna de DDD: "

// summarize counts the rows a report will hold and orders its sheets,
// largest first, so that the summary and each sheet's size can be written
// before the rows.
func summarize(groups []schema.ReportGroup) (Summary, []string) {
	sum := Summary{ByStatus: map[string]int{}, ByKind: map[string]int{}, ByReason: map[string]int{}}
	for _, g := range groups {
		sum.Rows += g.Count
		sum.ByStatus[g.Status] += g.Count
		sum.ByKind[problemKind(g.Reasons)] += g.Count
		for code := range strings.SplitSeq(g.Reasons, ",") {
			if code != "" {
				sum.ByReason[code] += g.Count
			}
		}
	}
	return sum, byCount(sum.ByKind)
}

// byCount returns the keys of counts, largest count first.
func byCount(counts map[string]int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	return keys
}

// snapshot reads the report's counts and rows from one snapshot of the
// database: the rows are exactly the ones counted.
func snapshot(ctx context.Context, db *schema.DB, t schema.Tenant, opts Options,
	planned func(Summary, []string) error, row func(schema.ReportRow) error) error {
	return db.ReportSnapshot(ctx, t.ID, schema.ReportFilter{Statuses: opts.Statuses, Since: opts.Since},
		func(groups []schema.ReportGroup) error {
			sum, kinds := summarize(groups)
			return planned(sum, kinds)
		}, row)
}

// summaryLine is a row of the Resumo sheet: a label, a text and a count
// (written as a number) when the row has one.
type summaryLine struct {
	label, text string
	count       *int
	heading     bool
}

// summaryLines are the rows of the Resumo sheet, in Portuguese: which tenant
// and DDD the report was made for, when, and what it holds.
func summaryLines(t schema.Tenant, sum Summary, kinds []string, opts Options) []summaryLine {
	n := func(i int) *int { return &i }
	client := cmp.Or(t.Name, t.Slug)
	lines := []summaryLine{{label: "Cliente", text: client}}
	if client != t.Slug {
		lines = append(lines, summaryLine{label: "Identificador no cti3cx", text: t.Slug})
	}
	lines = append(lines,
		summaryLine{label: "DDD padrão", text: cmp.Or(t.DefaultDDD, "nenhum (números sem DDD ficam inválidos)")},
		summaryLine{label: "Gerado em", text: opts.Now.Format("02/01/2006 15:04") + " (" + zoneName(opts.Now) + ")"},
		summaryLine{label: "Situações listadas", text: situations(opts.Statuses)},
	)
	if opts.Since != nil {
		lines = append(lines, summaryLine{label: "Alterados desde", text: opts.Since.In(opts.Now.Location()).Format("02/01/2006")})
	}
	lines = append(lines,
		summaryLine{label: "Como corrigir", text: howTo},
		summaryLine{},
		summaryLine{label: "Motivo", text: "Descrição", heading: true},
	)
	for _, c := range byCount(sum.ByReason) {
		lines = append(lines, summaryLine{label: sheetTitle(c), text: describe(c), count: n(sum.ByReason[c])})
	}
	lines = append(lines, summaryLine{}, summaryLine{label: "Situação", heading: true})
	for _, s := range []string{"invalid", "fixed", "ok"} {
		if c, ok := sum.ByStatus[s]; ok {
			lines = append(lines, summaryLine{label: statusPT[s], count: n(c)})
		}
	}
	lines = append(lines, summaryLine{label: "Total", count: n(sum.Rows)}, summaryLine{},
		summaryLine{label: "Aba", text: "O que ela lista", heading: true})
	for _, k := range kinds {
		lines = append(lines, summaryLine{label: sheetTitle(k), text: describe(k), count: n(sum.ByKind[k])})
	}
	return lines
}

const howTo = "Em cada aba, escreva o número certo na coluna amarela \"Corrigir para\", com DDD " +
	"(por exemplo (47) 3333-4444), um número por linha, e devolva este arquivo. Linhas com \"Corrigir para\" " +
	"vazio são ignoradas. Não altere a coluna ref: ela liga cada linha ao telefone."

// zoneName names the time zone of t for staff: its IANA name written as
// words (America/Sao Paulo), or the offset when it has none.
func zoneName(t time.Time) string {
	if name := t.Location().String(); name != "" && name != "Local" {
		return strings.ReplaceAll(name, "_", " ")
	}
	return "UTC" + t.Format("-07:00")
}

func situations(statuses []string) string {
	pt := make([]string, len(statuses))
	for i, s := range statuses {
		pt[i] = statusPT[s]
	}
	return strings.Join(pt, ", ")
}

// errRow names the file and row of bad input.
func errRow(file, sheet string, row int, format string, args ...any) error {
	where := file
	if sheet != "" {
		where += ", aba " + sheet
	}
	return cti3cx.Errorf(cti3cx.EINVALID, "%s, linha %d: %s", where, row, fmt.Sprintf(format, args...))
}
