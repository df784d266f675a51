package normalize

import "strings"

// NormalizeDDD is Normalize for a cell whose row carries a DDD column (the
// Receita Federal layout DDD_1 + TELEFONE_1, "DDD Celular" + "Celular"…).
// ddd is the raw text of that DDD cell:
//
//   - a DDD ("62", "062", "0xx62", "(62)") is the DDD of every number of the
//     cell that has none of its own: ok + ddd_from_column;
//   - no DDD at all (empty, "0", "00", "**", letters) means the column is
//     not there: the cell reads exactly as Normalize reads it;
//   - digits that are no assigned DDD ("9", "20") make a number without a
//     DDD of its own invalid + invalid_ddd;
//   - a number whose own DDD differs from the column's is fixed + ambiguous,
//     the suggestion naming both readings.
func (p Profile) NormalizeDDD(cell, ddd string) []Result {
	return p.AppendNormalizeDDD(nil, cell, ddd)
}

// AppendNormalizeDDD is NormalizeDDD appending to dst.
func (p Profile) AppendNormalizeDDD(dst []Result, cell, ddd string) []Result {
	var dd cellDDD
	dd.column(ddd)
	dst, _ = p.appendNormalizeDDD(dst, cell, modeAuto, &dd)
	return dst
}

// colState says what a row's DDD cell holds.
type colState uint8

const (
	colNone  colState = iota // no DDD column, or a cell that holds no DDD
	colValid                 // one of the 67 DDDs
	colBad                   // digits that are not a DDD
)

// cellDDD is where a number of one cell that has no DDD of its own takes
// one from, in this order: the row's DDD column, the previous (else the
// next) number of the cell with a DDD of its own, the tenant's default.
type cellDDD struct {
	col     colState
	colDDD  [2]byte
	colText string // the DDD cell's digits when col is colBad
	cellSet bool
	cellDDD [2]byte
	looked  bool // the rest of the cell was searched for a DDD
}

// column reads the raw text of a DDD cell.
func (dd *cellDDD) column(raw string) {
	s := trimCell(raw)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
	s = strings.TrimSpace(s)
	if len(s) > 2 && s[0] == '0' && (s[1]|0x20) == 'x' && (s[2]|0x20) == 'x' { // "0xx62"
		s = s[3:]
	}
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" { // "62.0" from a spreadsheet
		s = s[:i]
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return // empty, "**", letters: no DDD
	}
	s = strings.TrimLeft(s, "0")
	switch {
	case s == "":
		return // "0", "00": no DDD
	case len(s) == 2 && validDDD(s[0], s[1]):
		dd.col, dd.colDDD = colValid, [2]byte{s[0], s[1]}
	default:
		dd.col, dd.colText = colBad, s
	}
}

func (dd *cellDDD) setCell(ddd []byte) {
	dd.cellSet = true
	copy(dd.cellDDD[:], ddd)
}

// source returns the DDD for a number that has none, and the reason that
// says where it came from.
func (dd *cellDDD) source(p *Profile) ([2]byte, Reasons, bool) {
	if dd != nil {
		switch {
		case dd.col == colValid:
			return dd.colDDD, Reasons(DDDFromColumn), true
		case dd.col == colBad:
			return [2]byte{}, 0, false
		case dd.cellSet:
			return dd.cellDDD, Reasons(DDDFromCell), true
		}
	}
	if d, ok := p.ddd(); ok {
		return [2]byte{d[0], d[1]}, Reasons(AddedDefaultDDD), true
	}
	return [2]byte{}, 0, false
}

// borrowedDDD is every reason that says the DDD was not written in the
// number itself.
const borrowedDDD = Reasons(AddedDefaultDDD | DDDFromColumn | DDDFromCell)

// ownDDD reports whether a valid outcome is a geographic number whose DDD
// was written in it.
func ownDDD(o *outcome) bool {
	return o.status != StatusInvalid && o.br && isGeo(o.typ) && o.nl >= 10 && o.rs&borrowedDDD == 0
}

// needsDDD reports whether a segment may be a local number (8 or 9 digits,
// no prefix) that takes its DDD from elsewhere.
func needsDDD(s *segment) bool {
	return (s.n == 8 || s.n == 9) && !s.plus && s.d[0] != '0'
}

// lookAhead sets the cell's DDD from the first number after work[i:] that
// has a DDD of its own, for a local number before any such number. It
// returns false when the fast oracle could not answer.
func (p *Profile) lookAhead(work string, i int, m mode, dd *cellDDD) bool {
	dd.looked = true
	var (
		s segment
		o outcome
	)
	for n := 0; i < len(work) && n < MaxNumbersPerCell; n++ {
		i = scanSegment(work, i, &s)
		if s.n < 10 || s.n > maxDigits {
			continue // a number with a DDD of its own has at least 10 digits
		}
		e := engine{slow: m == modeSlow}
		if !e.interpret(p, &s, &o) {
			if m == modeFast {
				return false
			}
			e.slow = true
			e.interpret(p, &s, &o)
		}
		if ownDDD(&o) {
			dd.setCell(o.nsn[:2])
			return true
		}
	}
	return true
}

// conflict flags a number whose own DDD differs from the row's DDD column:
// both readings are kept, the number's own in the result and the column's
// in the suggestion. It returns false when the fast oracle could not answer.
func (e engine) conflict(dd *cellDDD, o *outcome) bool {
	if dd.col != colValid || !ownDDD(o) || (o.nsn[0] == dd.colDDD[0] && o.nsn[1] == dd.colDDD[1]) {
		return true
	}
	var b [maxDigits + 2]byte
	c := append(append(b[:0], dd.colDDD[:]...), o.nsn[2:o.nl]...)
	t, v := e.br(c)
	if v == vUnsure {
		return false
	}
	if v != vValid || !isGeo(t) {
		return true // the column's DDD makes no number of these digits
	}
	o.status = StatusFixed
	o.rs |= Reasons(Ambiguous)
	o.hasAlt, o.colConflict = true, true
	o.alt = alternative{br: true, typ: t}
	o.alt.nl = copy(o.alt.nsn[:], c)
	return true
}

// splitDDD reads a DDD split between the DDD column and the cell, as a
// public registry exports it ("03" + "121035858" is 0 31 2103-5858): when
// the column holds one significant digit and the cell is 9 digits, the
// row's digits in order, column then cell, may be one landline with its
// DDD. It is kept only when valid as written, never after a ninth digit:
// fixed + ddd_split. When the cell is also a mobile of that DDD ("09" +
// "935251814": (99) 3525-1814 or (99) 93525-1814), both readings are named
// (ambiguous). It returns false when the fast oracle could not answer.
func (e engine) splitDDD(p *Profile, s *segment, o *outcome) bool {
	dd := e.dd
	if dd == nil || dd.col != colBad || len(dd.colText) != 1 || o.status != StatusInvalid ||
		s.n != 9 || s.plus || s.d[0] == '0' || s.pstate != parenNone {
		return true
	}
	t := *s
	t.d[0] = dd.colText[0]
	copy(t.d[1:], s.d[:s.n])
	t.n = s.n + 1
	var x outcome
	if !(engine{slow: e.slow}).interpret(p, &t, &x) {
		return false
	}
	if !ownDDD(&x) || x.rs.Has(AddedNinthDigit) || x.nl != 10 {
		return true
	}
	*o = x
	o.status = StatusFixed
	o.rs |= Reasons(DDDSplit)
	if s.d[0] != '9' || o.hasAlt {
		return true
	}
	var b [maxDigits + 2]byte
	c := append(append(b[:0], o.nsn[:2]...), s.d[:s.n]...)
	t2, v := e.br(c)
	if v == vUnsure {
		return false
	}
	if v == vValid && isGeo(t2) {
		o.rs |= Reasons(Ambiguous)
		o.hasAlt = true
		o.alt = alternative{br: true, typ: t2}
		o.alt.nl = copy(o.alt.nsn[:], c)
	}
	return true
}

// nationwide reads an 8-digit number that is valid without DDD (4004-1234,
// 3003-1234) as a landline of the row's DDD column, as the plan reads it
// written with a DDD ((62) 4004-1234): the row gives it that DDD. It
// returns false when the fast oracle could not answer.
func (e engine) nationwide(s *segment, o *outcome) bool {
	dd := e.dd
	if dd == nil || dd.col != colValid || o.status != StatusOK || !o.br || o.nl != 8 || isGeo(o.typ) || !needsDDD(s) {
		return true
	}
	var b [maxDigits + 2]byte
	c := append(append(b[:0], dd.colDDD[:]...), o.nsn[:o.nl]...)
	t, v := e.br(c)
	if v == vUnsure {
		return false
	}
	if v == vValid && isGeo(t) {
		o.setBR(c, t, Reasons(DDDFromColumn))
	}
	return true
}
