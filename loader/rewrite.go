package loader

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// RewriteOptions describe one rewrite of a load file: In with every phone
// cell in the tenant's dial format, written to Out.
type RewriteOptions struct {
	File string // CSV/TSV/TXT or XLSX
	Out  string // must differ from File

	Kind        string
	MappingFile string
	Encoding    string
	Delimiter   string
	Sheet       string
	HeaderRow   int
	UnzipLimit  int64

	// StatusColumns appends "<column> situação" and "<column> sugestão"
	// after the last column, one pair per phone column.
	StatusColumns bool
	// OnlyOK rewrites ok numbers only; a cell with a fixed number stays as
	// it was, for staff to confirm first.
	OnlyOK bool
	// Mapping, when set, is the import's mapping of the same file, so that
	// the import and the rewrite read the same columns.
	Mapping *Mapping
}

// RewriteSummary counts what a rewrite did, in phone cells.
type RewriteSummary struct {
	Source    string
	Out       string
	Format    string
	Rows      int // data rows read
	Cells     int // non-empty phone cells
	Rewritten int // cells now holding their dial string
	Already   int // cells already in the dial format
	Invalid   int // kept as they were: a number in them is invalid
	KeptFixed int // kept as they were (--only ok): a number in them was fixed
	Moved     int // numbers moved to an empty phone column of the row
	Joined    int // further numbers kept in their cell, joined with " / "
	ExtDrop   int // extensions dropped from rewritten cells
	Unread    int // rows copied as they were: not readable in the file's encoding
}

// WriteTable prints the summary for people.
func (s RewriteSummary) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "rewrite: %s (%s) -> %s\n", s.Source, s.Format, s.Out)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, r := range []struct {
		label string
		n     int
	}{
		{"rows", s.Rows}, {"phone cells", s.Cells}, {"rewritten", s.Rewritten},
		{"already in dial format", s.Already}, {"kept: invalid", s.Invalid},
		{"kept: fixed (--only ok)", s.KeptFixed}, {"numbers moved to another column", s.Moved},
		{"numbers joined with ' / '", s.Joined}, {"extensions dropped", s.ExtDrop},
		{"rows copied unread (bad encoding)", s.Unread},
	} {
		fmt.Fprintf(tw, "  %s\t%d\t\n", r.label, r.n)
	}
	return tw.Flush()
}

// Rewrite writes opts.File to opts.Out with every phone cell replaced by
// its number in profile's dial format, and nothing else changed. Rules:
//   - a cell whose numbers are all valid (ok or fixed) becomes the first
//     number's dial string; an extension is dropped and counted;
//   - the cell's further numbers go to the row's empty phone columns (fax
//     columns excepted), in column order, else stay in the cell after
//     " / ";
//   - a cell with an invalid number is left exactly as it was, and so is a
//     cell with a fixed number under OnlyOK.
func Rewrite(ctx context.Context, profile normalize.Profile, opts RewriteOptions) (RewriteSummary, error) {
	sum := RewriteSummary{Source: opts.File, Out: opts.Out}
	if opts.File == "" || opts.Out == "" {
		return sum, cti3cx.Errorf(cti3cx.EINVALID, "rewrite: give --file and --out")
	}
	if err := CheckRewriteOut(opts.File, opts.Out); err != nil {
		return sum, err
	}
	switch strings.ToLower(filepath.Ext(opts.File)) {
	case ".xlsx", ".xlsm":
		sum.Format = FormatXLSX
		return rewriteXLSX(ctx, profile, opts, sum)
	case ".xls":
		return sum, inputError(opts.File, "old Excel .xls is not supported: save it as .xlsx or CSV")
	case ".json", ".ndjson", ".jsonl":
		return sum, inputError(opts.File, "rewrite reads CSV/TSV and XLSX load files; a JSON feed has no cells to rewrite")
	}
	sum.Format = FormatCSV
	return rewriteCSV(ctx, profile, opts, sum)
}

// CheckRewriteOut refuses, before anything is read or imported, an output
// the rewrite could not write as asked: the input itself, an extension of
// another format than the input's (an XLSX is rewritten as an XLSX, a CSV
// as a CSV), or a directory that does not exist or is not writable. import
// --rewrite calls it first, so that a bad --rewrite never follows a
// committed import.
func CheckRewriteOut(in, out string) error {
	if same, err := samePath(in, out); err != nil {
		return err
	} else if same {
		return inputError(out, "--out must not be the input file")
	}
	inExt, outExt := strings.ToLower(filepath.Ext(in)), strings.ToLower(filepath.Ext(out))
	xlsx := func(e string) bool { return e == ".xlsx" || e == ".xlsm" }
	other := xlsx(outExt) || outExt == ".xls" || outExt == ".json" || outExt == ".ndjson" || outExt == ".jsonl"
	switch {
	case xlsx(inExt) && !xlsx(outExt):
		return inputError(out, "the rewrite of an XLSX is an XLSX: give an .xlsx output")
	case !xlsx(inExt) && other:
		return inputError(out, "the rewrite of a CSV/TSV is a CSV/TSV: give a .csv, .tsv or .txt output")
	}
	dir := filepath.Dir(out)
	probe, err := os.CreateTemp(dir, ".cti3cx-rewrite-check-")
	if err != nil {
		return inputError(out, "cannot write in %s (%v)", dir, unwrapPathError(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

func samePath(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, inputError(a, "%v", unwrapPathError(err))
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, nil
	}
	return os.SameFile(fa, fb), nil
}

// rewriteMapping settles the columns: the import's, else as an import
// would choose them.
func rewriteMapping(name string, header []string, opts RewriteOptions) (Mapping, error) {
	if opts.Mapping != nil {
		return *opts.Mapping, nil
	}
	var mf *mappingFile
	if opts.MappingFile != "" {
		f, err := loadMappingFile(opts.MappingFile)
		if err != nil {
			return Mapping{}, err
		}
		mf = &f
	}
	kind := opts.Kind
	if kind == "" && mf != nil {
		kind = mf.Kind
	}
	if kind == "" {
		// Phone columns are named alike for both kinds: a file that does
		// not say is read as contacts.
		kind = cmp.Or(detectKind(header), KindContacts)
	}
	return chooseMapping(name, header, Options{Kind: kind}, mf)
}

// Status labels of the status columns, as staff read them elsewhere.
var rewriteStatusPT = map[normalize.Status]string{normalize.StatusOK: "ok", normalize.StatusFixed: "corrigido",
	normalize.StatusInvalid: "inválido"}

// cellEdit is what a rewrite does to one phone cell of a row.
type cellEdit struct {
	col        int
	field      string
	empty      bool   // the cell was blank: it may receive a moved number
	set        bool   // value replaces the cell
	value      string // the dial string(s)
	status     string // for the status columns
	suggestion string
}

// rewriter decides the phone cells of each row; one per rewrite, used from
// one goroutine.
type rewriter struct {
	b       *recordBuilder
	reads   []int // the columns plan reads: phones and their DDD columns
	header  []string
	onlyOK  bool
	sum     *RewriteSummary
	results []normalize.Result
	edits   []cellEdit
}

type movedNumber struct {
	dial, status, suggestion string
	from                     int // index in edits
}

func newRewriter(b *recordBuilder, header []string, onlyOK bool, sum *RewriteSummary) *rewriter {
	w := &rewriter{b: b, header: header, onlyOK: onlyOK, sum: sum}
	seen := map[int]bool{}
	for _, pc := range b.phones {
		for _, i := range []int{pc.col, pc.ddd} {
			if i >= 0 && !seen[i] {
				seen[i] = true
				w.reads = append(w.reads, i)
			}
		}
	}
	return w
}

// plan returns the edits of r's phone columns, in column order. Only the
// first present columns of the row exist in the file (a short CSV record);
// a number is moved only into one of them.
func (w *rewriter) plan(r row, present int) []cellEdit {
	w.edits = w.edits[:0]
	var moved []movedNumber
	for _, pc := range w.b.phones {
		e := cellEdit{col: pc.col, field: pc.field}
		var in string
		if w.results, in = w.b.normalizePhone(w.results[:0], r, pc); in == "" {
			e.empty = pc.col < present
			w.edits = append(w.edits, e)
			continue
		}
		w.sum.Cells++
		moved = w.decide(&e, r.cells[pc.col], moved)
		w.edits = append(w.edits, e)
	}
	for _, m := range moved {
		if i := w.emptyColumn(); i >= 0 {
			e := &w.edits[i]
			e.empty, e.set, e.value, e.status = false, true, m.dial, m.status
			e.suggestion = joinNote(m.suggestion, "número movido de "+w.header[w.edits[m.from].col])
			w.sum.Moved++
			continue
		}
		src := &w.edits[m.from]
		src.value += " / " + m.dial
		w.sum.Joined++
	}
	return w.edits
}

// decide fills e from w.results and returns moved with the cell's further
// numbers appended.
func (w *rewriter) decide(e *cellEdit, cell string, moved []movedNumber) []movedNumber {
	worst := normalize.StatusOK
	for _, res := range w.results {
		switch {
		case res.Status == normalize.StatusInvalid:
			worst = res.Status
			if e.suggestion == "" {
				e.suggestion = res.Suggestion
			}
		case res.Status == normalize.StatusFixed && worst == normalize.StatusOK:
			worst = res.Status
		}
	}
	e.status = rewriteStatusPT[worst]
	switch {
	case len(w.results) == 0:
		// Nothing the normalizer reads as a number: leave it.
		e.status = rewriteStatusPT[normalize.StatusInvalid]
		w.sum.Invalid++
		return moved
	case worst == normalize.StatusInvalid:
		w.sum.Invalid++
		return moved
	case worst == normalize.StatusFixed && w.onlyOK:
		w.sum.KeptFixed++
		e.suggestion = joinNote(firstSuggestion(w.results), "mantido como estava: confirme antes de reescrever")
		return moved
	}
	first := w.results[0]
	e.set, e.value = true, phoneText(first.Dial)
	e.suggestion = first.Suggestion
	if first.Extension != "" {
		w.sum.ExtDrop++
		e.suggestion = joinNote(e.suggestion, "ramal "+first.Extension+" retirado")
	}
	if e.value == strings.TrimSpace(cell) && len(w.results) == 1 {
		w.sum.Already++
	} else {
		w.sum.Rewritten++
	}
	from := len(w.edits)
	for _, res := range w.results[1:] {
		note := res.Suggestion
		if res.Extension != "" {
			w.sum.ExtDrop++
			note = joinNote(note, "ramal "+res.Extension+" retirado")
		}
		moved = append(moved, movedNumber{dial: phoneText(res.Dial), status: rewriteStatusPT[res.Status], suggestion: note, from: from})
	}
	return moved
}

// emptyColumn is the first edit of an empty, non-fax phone column, or -1.
func (w *rewriter) emptyColumn() int {
	for i, e := range w.edits {
		if e.empty && e.field != schema.FieldFax {
			return i
		}
	}
	return -1
}

func firstSuggestion(rs []normalize.Result) string {
	for _, r := range rs {
		if r.Suggestion != "" {
			return r.Suggestion
		}
	}
	return ""
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// statusHeader returns the names of the status columns of header.
func (w *rewriter) statusHeader() []string {
	var out []string
	for _, pc := range w.b.phones {
		name := w.header[pc.col]
		out = append(out, name+" situação", name+" sugestão")
	}
	return out
}
