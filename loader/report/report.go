// Package report writes the phones that need a human into XLSX or CSV files
// that CRM staff work on in Excel, in Portuguese, and applies the fixes they
// type back into them.
package report

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Columns of a report, in order. Staff fill corrigir_para; ref ties the row
// back to the stored phone and the value it had when the report was written.
var Columns = []string{
	"tipo_registro", "id_externo", "nome", "empresa", "campo", "valor_armazenado",
	"situacao", "motivo", "sugestao", "corrigir_para", "ref",
}

const (
	colFixTo = 9
	colRef   = 10
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
// report.
func Write(ctx context.Context, db *schema.DB, t schema.Tenant, path string, opts Options) (Summary, error) {
	write := WriteXLSX
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
	case ".csv":
		write = WriteCSV
	default:
		return Summary{}, cti3cx.Errorf(cti3cx.EINVALID, "%s: report must end in .xlsx or .csv", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return Summary{}, cti3cx.Errorf(cti3cx.EINVALID, "report: %w", err)
	}
	defer os.Remove(tmp.Name())
	sum, err := write(ctx, db, t, tmp, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	return sum, os.Rename(tmp.Name(), path)
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
	"":                        "Outros",
}

// informative reasons say how a number was read, not what is wrong with it:
// a row is filed under one of them only when it has no other.
var informative = mustReasons("extension_split,multiple_numbers,carrier_code_removed")

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
	value := r.Raw
	switch {
	case r.Override != nil:
		value = *r.Override
	case r.Input != "" && r.Input != r.Raw:
		value = r.Input // one of several numbers in the cell
	}
	field := fieldPT[r.Field]
	if field == "" {
		field = r.Field
	}
	return []string{
		kindPT[r.Kind], r.ExternalID, r.Name, r.Company, field, value,
		statusPT[r.Status], describe(r.Reasons), r.Suggestion, "", Ref(r.PhoneID, r.Raw, r.Override),
	}
}

// plan returns the counts of the rows a report will hold and the sheets,
// largest first, so that the summary can be written before the rows.
func plan(ctx context.Context, db *schema.DB, t schema.Tenant, opts Options) (Summary, []string, error) {
	groups, err := db.ReportSummary(ctx, t.ID, schema.ReportFilter{Statuses: opts.Statuses, Since: opts.Since})
	if err != nil {
		return Summary{}, nil, err
	}
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
	kinds := make([]string, 0, len(sum.ByKind))
	for k := range sum.ByKind {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		return cmp.Or(cmp.Compare(sum.ByKind[b], sum.ByKind[a]), cmp.Compare(a, b))
	})
	return sum, kinds, nil
}

// summaryLines are the rows of the Resumo sheet.
func summaryLines(t schema.Tenant, sum Summary, opts Options) [][]string {
	lines := [][]string{
		{"Relatório de telefones para revisão"},
		{"Empresa", cmp.Or(t.Name, t.Slug)},
		{"Gerado em", opts.Now.Format("02/01/2006 15:04")},
		{"Situações", situations(opts.Statuses)},
	}
	if opts.Since != nil {
		lines = append(lines, []string{"Alterados desde", opts.Since.Format("02/01/2006")})
	}
	lines = append(lines,
		[]string{"Como corrigir", "Em cada aba, escreva o número certo na coluna corrigir_para e devolva este arquivo. Linhas sem corrigir_para são ignoradas; não altere a coluna ref."},
		nil,
		[]string{"motivo", "descrição", "quantidade"},
	)
	codes := make([]string, 0, len(sum.ByReason))
	for c := range sum.ByReason {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int {
		return cmp.Or(cmp.Compare(sum.ByReason[b], sum.ByReason[a]), cmp.Compare(a, b))
	})
	for _, c := range codes {
		lines = append(lines, []string{c, describe(c), strconv.Itoa(sum.ByReason[c])})
	}
	lines = append(lines, nil, []string{"situação", "", "quantidade"})
	for _, s := range []string{"invalid", "fixed", "ok"} {
		if n, ok := sum.ByStatus[s]; ok {
			lines = append(lines, []string{statusPT[s], "", strconv.Itoa(n)})
		}
	}
	return append(lines, []string{"total", "", strconv.Itoa(sum.Rows)})
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
