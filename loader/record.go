package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// maxFieldLen bounds a text field: anything longer is a broken row (a
// missing quote swallowing the file), not data.
const maxFieldLen = 4096

var validate = validator.New()

type phoneCol struct {
	col   int
	field string
	ddd   int // the column of its DDD; -1 when none
}

// recordBuilder turns a row into a staged record. It is read-only once
// built; each worker brings its own scratch.
type recordBuilder struct {
	kind      string
	profile   normalize.Profile
	cols      map[string]int // target -> column
	phones    []phoneCol
	splitName int      // column of a full name to split; -1 when none
	names     []string // column names, for warnings
}

func newRecordBuilder(m Mapping, p normalize.Profile) *recordBuilder {
	b := &recordBuilder{kind: m.Kind, profile: p, cols: map[string]int{}, splitName: -1, names: columnNames(m.Header)}
	own := map[string]int{} // phone field -> its DDD column
	for i, t := range m.Targets {
		if f, ok := dddField(t); ok {
			own[f] = i
		}
	}
	rowDDD := m.rowDDD()
	for i, t := range m.Targets {
		switch {
		case t == TargetIgnore, isDDDTarget(t):
		case isPhoneField(t):
			ddd, ok := own[t]
			if !ok {
				ddd = rowDDD
			}
			b.phones = append(b.phones, phoneCol{i, t, ddd})
		default:
			if _, ok := b.cols[t]; !ok {
				b.cols[t] = i
			}
		}
	}
	if m.Kind == KindContacts {
		// A lone "Nome" column is the whole name: first word, then the rest.
		_, first := b.cols[TargetFirstName]
		_, last := b.cols[TargetLastName]
		if full, ok := b.cols[TargetFullName]; ok && !first && !last {
			b.splitName = full
		} else if first && !last {
			b.splitName = b.cols[TargetFirstName]
		}
	}
	return b
}

type scratch struct {
	warns   []*rowError // of the last row built: what was done to non-key fields
	results []normalize.Result
	h       hash.Hash
	sum     []byte
}

func newScratch() *scratch { return &scratch{h: sha256.New()} }

func (b *recordBuilder) cell(r row, target string) string {
	if i, ok := b.cols[target]; ok {
		return strings.TrimSpace(r.cells[i])
	}
	return ""
}

// id is the row's external id, "" when it has none or the row is malformed.
func (b *recordBuilder) id(r row) string {
	if r.err != nil {
		return ""
	}
	return strings.TrimSpace(b.cell(r, TargetExternalID))
}

// build fills rec from r, or says why the row is rejected. Only the key
// (the id) and the row's shape reject it: invalid phones are stored
// flagged, and an invalid e-mail is left empty with a warning in s.warns.
func (b *recordBuilder) build(r row, rec *schema.StagedRecord, s *scratch) *rowError {
	s.warns = s.warns[:0]
	if r.err != nil {
		if re, ok := r.err.(*rowError); ok {
			return re
		}
		return errMalformed(r.err.Error())
	}
	if r.extra {
		return &rowError{CodeWrongFieldCount, "a linha tem mais campos preenchidos que o cabeçalho (delimitador ou aspas errados?)"}
	}
	for i, c := range r.cells {
		if len(c) > maxFieldLen {
			return &rowError{CodeTooLong, fmt.Sprintf("coluna %d: valor com mais de %d caracteres (aspas sem fechar?)", i+1, maxFieldLen)}
		}
	}
	if err := b.dropBadText(&r, s); err != nil {
		return err
	}
	*rec = schema.StagedRecord{Line: r.line, Phones: rec.Phones[:0]}
	rec.ExternalID = strings.TrimSpace(b.cell(r, TargetExternalID))
	if rec.ExternalID == "" {
		return &rowError{CodeMissingID, "código (id) vazio"}
	}
	if i, ok := b.cols[TargetEmail]; ok {
		var w *rowError
		if rec.Email, w = cleanEmail(r.cells[i]); w != nil {
			w.Message = fmt.Sprintf("coluna %q: %s", b.names[i], w.Message)
			s.warns = append(s.warns, w)
		}
	}
	if b.kind == KindAccounts {
		rec.Name = b.cell(r, TargetName)
		rec.TradeName = b.cell(r, TargetTradeName)
		rec.TaxID = b.cell(r, TargetTaxID)
	} else {
		rec.FirstName = b.cell(r, TargetFirstName)
		rec.LastName = b.cell(r, TargetLastName)
		if b.splitName >= 0 {
			rec.FirstName, rec.LastName = splitName(r.cells[b.splitName])
		}
		rec.AccountExternalID = b.cell(r, TargetAccountExternalID)
		rec.Company = b.cell(r, TargetCompany)
	}
	for _, pc := range b.phones {
		var raw string
		if s.results, raw = b.normalizePhone(s.results[:0], r, pc); raw == "" {
			continue
		}
		ddd := b.dddCell(r, pc)
		for i, res := range s.results {
			rec.Phones = append(rec.Phones, schema.StagedPhone{
				Field: pc.field, Position: int16(i), Raw: raw, DDD: ddd, Input: res.Input,
				E164: res.E164, Dial: res.Dial, Type: string(res.Type), Extension: res.Extension,
				Status: string(res.Status), Reasons: res.Reasons.String(), Suggestion: res.Suggestion,
			})
		}
	}
	rec.Hash = b.hash(rec, s)
	return nil
}

// dropBadText empties the cells that are not valid UTF-8, each with a
// warning, unless one is the id: then the row is rejected. r's cells are
// copied first: the row is also what the rejects file shows.
func (b *recordBuilder) dropBadText(r *row, s *scratch) *rowError {
	if len(r.badText) == 0 {
		return nil
	}
	id, hasID := b.cols[TargetExternalID]
	for _, i := range r.badText {
		if hasID && i == id {
			return errEncoding(i)
		}
	}
	r.cells = append([]string(nil), r.cells...)
	for _, i := range r.badText {
		s.warns = append(s.warns, &rowError{CodeInvalidText, fmt.Sprintf("coluna %q: texto com bytes inválidos para UTF-8 %q: a linha foi importada com este campo vazio; salve o arquivo como UTF-8 ou use --encoding",
			b.names[i], strings.ToValidUTF8(r.cells[i], "?"))})
		r.cells[i] = ""
	}
	return nil
}

// normalizePhone reads one phone cell of r, with its DDD column when it has
// one, appending the results to dst. It returns the cell, trimmed: the raw
// value stored with them, "" for an empty cell. Imports and rewrites both
// read cells through it, so they get the same results.
func (b *recordBuilder) normalizePhone(dst []normalize.Result, r row, pc phoneCol) ([]normalize.Result, string) {
	cell := strings.TrimSpace(r.cells[pc.col])
	if cell == "" {
		return dst, ""
	}
	if pc.ddd < 0 {
		return b.profile.AppendNormalize(dst, cell), cell
	}
	// normalize decides what the DDD cell means: no DDD ("0", "**"), the
	// DDD of the numbers without one, or a contradiction (ambiguous).
	return b.profile.AppendNormalizeDDD(dst, cell, r.cells[pc.ddd]), cell
}

// dddCell is the DDD cell of a phone column, trimmed; "" when it has none.
// It is stored beside the phone's raw cell for revalidation.
func (b *recordBuilder) dddCell(r row, pc phoneCol) string {
	if pc.ddd < 0 {
		return ""
	}
	return strings.TrimSpace(r.cells[pc.ddd])
}

// hash covers every imported field and every phone cell: equal hashes
// mean nothing to write.
func (b *recordBuilder) hash(rec *schema.StagedRecord, s *scratch) string {
	s.h.Reset()
	for _, f := range []string{rec.ExternalID, rec.Name, rec.TradeName, rec.TaxID, rec.FirstName, rec.LastName,
		rec.AccountExternalID, rec.Company, rec.Email} {
		s.h.Write([]byte(f))
		s.h.Write([]byte{0x1f})
	}
	for _, p := range rec.Phones {
		if p.Position == 0 {
			s.h.Write([]byte(p.Field))
			s.h.Write([]byte{0x1e})
			s.h.Write([]byte(p.Raw))
			if p.DDD != "" { // only then: rows without a DDD column keep their hash
				s.h.Write([]byte{0x1e})
				s.h.Write([]byte(p.DDD))
			}
			s.h.Write([]byte{0x1f})
		}
	}
	s.sum = s.h.Sum(s.sum[:0])
	return hex.EncodeToString(s.sum[:16])
}

func splitName(full string) (string, string) {
	full = strings.Join(strings.Fields(full), " ")
	first, last, _ := strings.Cut(full, " ")
	return first, last
}
