// Package export hands the phone index back to the CRM: every live account
// or contact with its fields and each phone field in the tenant's dial
// format (staff fixes applied; an invalid number as stored, with its
// status), as CSV, XLSX or NDJSON. The record's JSON shape is the changes
// feed's too (Record).
package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

// Formats.
const (
	FormatCSV    = "csv"
	FormatXLSX   = "xlsx"
	FormatNDJSON = "ndjson"
)

// Options describe one export.
type Options struct {
	Kind      schema.Kind
	Format    string    // csv (default), xlsx, ndjson
	Since     time.Time // zero: every live record
	Delimiter rune      // CSV; 0 means ';'
}

// Summary is what an export wrote.
type Summary struct {
	Records   int
	NextSince time.Time // pass it as --since to the next export
}

// Columns are the record columns of kind, before the phone fields.
func Columns(kind schema.Kind) []string {
	if kind == schema.KindAccount {
		return []string{"external_id", "name", "trade_name", "tax_id", "email"}
	}
	return []string{"external_id", "first_name", "last_name", "email", "account_external_id", "company"}
}

// Header is the table header of kind: its columns, then for each phone
// field its value and its status.
func Header(kind schema.Kind) []string {
	h := Columns(kind)
	for _, f := range schema.PhoneFields {
		h = append(h, f, f+"_status")
	}
	return h
}

func fields(r *schema.RecordState) []string {
	if r.Kind == schema.KindAccount {
		return []string{r.ExternalID, r.Name, r.TradeName, r.TaxID, r.Email}
	}
	return []string{r.ExternalID, r.FirstName, r.LastName, r.Email, r.AccountExternalID, r.Company}
}

// Value is what the CRM gets for a phone: its E.164 in the tenant's dial
// format when it is valid (the current profile, even before a revalidation
// has caught up with a profile change), else the value as stored.
func Value(p normalize.Profile, ph schema.StoredPhone) string {
	if ph.E164 != "" {
		if d := p.DialString(ph.E164); d != "" {
			return d
		}
		if ph.Dial != "" {
			return ph.Dial
		}
	}
	return ph.Stored
}

var statusRank = map[string]int{"ok": 0, "fixed": 1, "invalid": 2}

// Row is the record as a table row, in Header's order. A field holding
// several numbers gets them joined with " / " and the worst status.
func Row(p normalize.Profile, r *schema.RecordState, dst []string) []string {
	dst = append(dst[:0], fields(r)...)
	for _, f := range schema.PhoneFields {
		val, status := "", ""
		for _, ph := range r.Phones {
			if ph.Field != f {
				continue
			}
			if v := Value(p, ph); status == "" {
				val = v
			} else {
				val += " / " + v
			}
			if status == "" || statusRank[ph.Status] > statusRank[status] {
				status = ph.Status
			}
		}
		dst = append(dst, val, status)
	}
	return dst
}

// Phone is one phone of a record's JSON.
type Phone struct {
	Field     string `json:"field"`
	Value     string `json:"value"`
	E164      string `json:"e164"`
	Extension string `json:"extension"`
	Status    string `json:"status"`
}

// AccountRecord is an account's JSON in exports and in the changes feed:
// Columns(KindAccount), then its phones in field order.
type AccountRecord struct {
	ExternalID string  `json:"external_id"`
	Name       string  `json:"name"`
	TradeName  string  `json:"trade_name"`
	TaxID      string  `json:"tax_id"`
	Email      string  `json:"email"`
	Phones     []Phone `json:"phones"`
}

// ContactRecord is a contact's JSON: Columns(KindContact), then its phones.
type ContactRecord struct {
	ExternalID        string  `json:"external_id"`
	FirstName         string  `json:"first_name"`
	LastName          string  `json:"last_name"`
	Email             string  `json:"email"`
	AccountExternalID string  `json:"account_external_id"`
	Company           string  `json:"company"`
	Phones            []Phone `json:"phones"`
}

// NewRecord returns r's JSON shape under profile p: an AccountRecord or a
// ContactRecord.
func NewRecord(p normalize.Profile, r *schema.RecordState) any {
	phones := make([]Phone, 0, len(r.Phones))
	for _, f := range schema.PhoneFields {
		for _, ph := range r.Phones {
			if ph.Field == f {
				phones = append(phones, Phone{Field: f, Value: Value(p, ph), E164: ph.E164,
					Extension: ph.Extension, Status: ph.Status})
			}
		}
	}
	if r.Kind == schema.KindAccount {
		return AccountRecord{r.ExternalID, r.Name, r.TradeName, r.TaxID, r.Email, phones}
	}
	return ContactRecord{r.ExternalID, r.FirstName, r.LastName, r.Email, r.AccountExternalID, r.Company, phones}
}

// Write exports the tenant's records to w (path is needed for XLSX, which
// is written as a whole; w is ignored then).
func Write(ctx context.Context, db *schema.DB, t schema.Tenant, opts Options, w io.Writer, path string) (Summary, error) {
	p, err := normalize.NewProfile(t.DefaultDDD, t.DialFormat)
	if err != nil {
		return Summary{}, cti3cx.Errorf(cti3cx.EINVALID, "tenant %s: phone profile: %v", t.Slug, err)
	}
	if opts.Kind != schema.KindAccount && opts.Kind != schema.KindContact {
		return Summary{}, cti3cx.Errorf(cti3cx.EINVALID, "--kind %q: want accounts or contacts", opts.Kind)
	}
	var sink sink
	switch opts.Format {
	case "", FormatCSV:
		sink = newCSVSink(w, opts.Delimiter)
	case FormatNDJSON:
		sink = newNDJSONSink(w)
	case FormatXLSX:
		sink = &xlsxSink{path: path, kind: opts.Kind}
	default:
		return Summary{}, cti3cx.Errorf(cti3cx.EINVALID, "--format %q: want csv, xlsx or ndjson", opts.Format)
	}
	var sum Summary
	var row []string
	err = db.ExportRecords(ctx, t.ID, opts.Kind, schema.ExportFilter{Since: opts.Since},
		func(st schema.ExportStart) error {
			sum.NextSince = st.NextSince
			return sink.start(opts.Kind, st.Count)
		},
		func(r *schema.RecordState) error {
			sum.Records++
			if sum.Records%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			row = Row(p, r, row)
			return sink.write(p, r, row)
		})
	if err != nil {
		sink.abort()
		return sum, err
	}
	return sum, sink.finish()
}

type sink interface {
	start(kind schema.Kind, count int) error
	write(p normalize.Profile, r *schema.RecordState, row []string) error
	finish() error
	abort()
}

// csvSink writes CSV as Brazilian Excel expects it: UTF-8 with a BOM, ';'
// and CRLF, every cell office.Text (never evaluated, numbers kept as text).
type csvSink struct {
	bw *bufio.Writer
	cw *csv.Writer
}

func newCSVSink(w io.Writer, delim rune) *csvSink {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	if delim != 0 {
		cw.Comma = delim
	}
	cw.UseCRLF = true
	return &csvSink{bw: bw, cw: cw}
}

func (s *csvSink) start(kind schema.Kind, _ int) error {
	s.bw.WriteString("\ufeff")
	return s.cw.Write(Header(kind))
}

func (s *csvSink) write(_ normalize.Profile, _ *schema.RecordState, row []string) error {
	return s.cw.Write(office.Row(row)) // row is Write's scratch, rebuilt for each record
}

func (s *csvSink) finish() error {
	s.cw.Flush()
	if err := s.cw.Error(); err != nil {
		return err
	}
	return s.bw.Flush()
}

func (s *csvSink) abort() {}

type ndjsonSink struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func newNDJSONSink(w io.Writer) *ndjsonSink {
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &ndjsonSink{bw: bw, enc: enc}
}

func (s *ndjsonSink) start(schema.Kind, int) error { return nil }

func (s *ndjsonSink) write(p normalize.Profile, r *schema.RecordState, _ []string) error {
	return s.enc.Encode(NewRecord(p, r))
}

func (s *ndjsonSink) finish() error { return s.bw.Flush() }
func (s *ndjsonSink) abort()        {}

// xlsxSink streams one sheet of text cells (format "@": never evaluated).
type xlsxSink struct {
	path string
	kind schema.Kind
	f    *excelize.File
	sw   *excelize.StreamWriter
	text int // style: number format "@"
	n    int
	vals []any
}

func (s *xlsxSink) start(kind schema.Kind, count int) error {
	s.f = excelize.NewFile()
	name := "contatos"
	if kind == schema.KindAccount {
		name = "contas"
	}
	if err := s.f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	h := Header(kind)
	sw, err := office.NewStream(s.f, name, len(h), count+1)
	if err != nil {
		return err
	}
	s.sw = sw
	if s.text, err = s.f.NewStyle(&excelize.Style{NumFmt: office.TextFormat}); err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(h), 16); err != nil {
		return err
	}
	return s.row(h)
}

func (s *xlsxSink) row(cells []string) error {
	s.n++
	s.vals = s.vals[:0]
	for _, c := range cells {
		s.vals = append(s.vals, excelize.Cell{StyleID: s.text, Value: c})
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.n)
	return s.sw.SetRow(cell, s.vals)
}

func (s *xlsxSink) write(_ normalize.Profile, _ *schema.RecordState, row []string) error {
	return s.row(row)
}

func (s *xlsxSink) finish() error {
	if s.sw == nil {
		return nil
	}
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	return office.SaveXLSX(s.f, s.path)
}

func (s *xlsxSink) abort() {
	if s.f != nil {
		s.f.Close()
	}
}
