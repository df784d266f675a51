package normalize

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// The property: no ok or fixed result has an E.164 that differs from every
// number written in the cell, up to the changes its status and reasons
// document (country code, trunk and carrier prefixes, the DDD of the row's
// column or of another number of the cell, the tenant's default DDD, the
// ninth digit, the completion of an abbreviation).

// cellDigits returns the digits of a cell as the scanner reads them (ASCII
// and fullwidth), and for each digit whether it is inside a closed pair of
// parentheses holding at most 3 digits: a DDD, "(047)", "(0xx47)", not a
// whole number wrapped in parentheses.
func cellDigits(cell string) (string, []bool) {
	var b strings.Builder
	var inParen []bool
	open := -1 // index of the first digit after the last unclosed '('
	for _, r := range cell {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			inParen = append(inParen, false)
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + r - '０'))
			inParen = append(inParen, false)
		case r == '(':
			open = len(inParen)
		case r == ')' && open >= 0:
			for k := open; k < len(inParen) && len(inParen)-open <= 3; k++ {
				inParen[k] = true
			}
			open = -1
		}
	}
	return b.String(), inParen
}

// writtenOutside reports whether sub occurs in digits at a position that
// does not start inside parentheses: digits in "(…)" are a DDD, never the
// start of a subscriber number.
func writtenOutside(digits string, inParen []bool, sub string) bool {
	for k := 0; k+len(sub) <= len(digits); k++ {
		if digits[k:k+len(sub)] == sub && !inParen[k] {
			return true
		}
	}
	return false
}

// fixReasons are the changes only a fixed result may carry.
const fixReasons = Reasons(AddedNinthDigit | AddedDefaultDDD | DDDFromCell | CompletedFromPrevious | Ambiguous)

// checkWritten checks the property for the results of one cell read with
// the DDD cell col ("" = none).
func checkWritten(t testing.TB, p Profile, cell, col string, res []Result) {
	t.Helper()
	digits, inParen := cellDigits(cell)
	var dd cellDDD
	dd.column(col)
	for _, r := range res {
		if r.Status == StatusInvalid {
			continue
		}
		if r.Status == StatusOK && r.Reasons&fixReasons != 0 {
			t.Errorf("%q (DDD %q): ok with a fix %s", cell, col, r.Reasons)
		}
		if why := writtenAs(p, &dd, digits, inParen, r, res); why != "" {
			t.Errorf("%q (DDD %q, profile %s): %s %s (%s) is not written in the cell: %s", cell, col, p.DDD, r.Status, r.E164, r.Reasons, why)
		}
	}
}

// writtenAs returns "" when r is one of the numbers written in the cell,
// else what differs.
func writtenAs(p Profile, dd *cellDDD, digits string, inParen []bool, r Result, all []Result) string {
	e := r.E164[1:]
	if !strings.HasPrefix(e, "55") {
		for k := 1; k <= 3 && k < len(e); k++ { // foreign: cc + national, maybe with its trunk 0
			if strings.Contains(digits, e) || strings.Contains(digits, e[:k]+"0"+e[k:]) {
				return ""
			}
		}
		return "foreign digits not in the cell"
	}
	nsn := e[2:]
	if !isGeo(r.Type) {
		if strings.Contains(digits, nsn) {
			return ""
		}
		return "digits not in the cell"
	}
	ddd, sub := nsn[:2], nsn[2:]
	if r.Reasons.Has(AddedNinthDigit) {
		if sub[0] != '9' || len(sub) != 9 {
			return "ninth digit claimed on " + sub
		}
		sub = sub[1:]
	}
	if r.Reasons.Has(CompletedFromPrevious) {
		return fromOther(ddd, r, all, true, "completed")
	}
	if r.Reasons.Has(DDDSplit) { // the column's one digit, then the cell's digits
		if dd.col != colBad || len(dd.colText) != 1 || nsn[0] != dd.colText[0] ||
			!strings.Contains(digits, nsn[1:2]+sub) || r.Reasons.Has(AddedNinthDigit) {
			return "split DDD " + ddd + " is not the column's digit and the cell's"
		}
		return ""
	}
	if !writtenOutside(digits, inParen, sub) {
		return "subscriber " + sub + " not written outside parentheses"
	}
	switch {
	case r.Reasons.Has(AddedDefaultDDD):
		if ddd != p.DDD {
			return "default DDD " + ddd + " is not the tenant's"
		}
	case r.Reasons.Has(DDDFromColumn):
		if dd.col != colValid || ddd != string(dd.colDDD[:]) {
			return "column DDD " + ddd + " is not the column's"
		}
	case r.Reasons.Has(DDDFromCell):
		return fromOther(ddd, r, all, false, "DDD of the cell")
	default:
		if !strings.Contains(digits, ddd+sub) {
			return "DDD " + ddd + " not written before " + sub
		}
	}
	return ""
}

// fromOther checks that another result of the cell (with a DDD of its own
// unless anyDDD) has this DDD.
func fromOther(ddd string, r Result, all []Result, anyDDD bool, what string) string {
	for _, o := range all {
		if o.Input != r.Input && o.Status != StatusInvalid && strings.HasPrefix(o.E164, "+55"+ddd) && (anyDDD || o.Reasons&Reasons(AddedDefaultDDD|DDDFromColumn) == 0) {
			return ""
		}
	}
	return what + ": no other number of the cell has DDD " + ddd
}

// genTrapCell builds a random cell in the shapes of the traps: several
// numbers with or without DDD, separated by blanks, dashes or separators,
// fillers, short and one-digit DDDs, extensions, lists.
func genTrapCell(rng *rand.Rand) string {
	dig := func(n int, first string) string {
		b := []byte{first[rng.IntN(len(first))]}
		for len(b) < n {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		return string(b)
	}
	one := func() string {
		var sub string
		switch rng.IntN(5) {
		case 0:
			sub = dig(8, "2345")
		case 1:
			sub = dig(9, "9")
		case 2:
			sub = dig(8, "6789")
		case 3:
			sub = strings.Repeat(dig(1, "23456789"), 8)
		default:
			sub = dig(4+rng.IntN(7), "0123456789")
		}
		if len(sub) >= 8 && rng.IntN(2) == 0 {
			sub = sub[:len(sub)-4] + "-" + sub[len(sub)-4:]
		}
		ddd := dig(2, "123456789")
		switch rng.IntN(7) {
		case 0, 1:
			return sub
		case 2:
			return "(" + ddd + ") " + sub
		case 3:
			return "(" + dig(1, "0123456789") + ") " + sub
		case 4:
			return ddd + " " + sub
		case 5:
			return []string{"0", "0xx", "+55 ", "(0", "0 15 "}[rng.IntN(5)] + ddd + " " + sub
		}
		return ddd + sub
	}
	n := 1 + rng.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = one()
		if rng.IntN(6) == 0 {
			parts[i] += []string{" ramal 12", " (Ramais 210 e 215)", " ramal 12 ou 13", " r. 7/8"}[rng.IntN(4)]
		}
	}
	sep := []string{" / ", " ", " - ", ",", "; ", " e ", " – "}[rng.IntN(7)]
	cell := strings.Join(parts, sep)
	if rng.IntN(8) == 0 {
		cell = "[" + cell + "]"
	}
	return cell
}

// writtenCols are the DDD cells the property is checked with.
var writtenCols = []string{"", "62", "011", "0xx21", "0", "**", "9", "47", "03", "1"}

func TestWrittenNumbersVectors(t *testing.T) {
	for _, p := range diffProfiles(t) {
		for _, v := range allVectors() {
			for _, col := range append([]string{v.col}, writtenCols...) {
				checkWritten(t, p, v.in, col, p.NormalizeDDD(v.in, col))
			}
		}
		for _, c := range extraCells {
			checkWritten(t, p, c, "", p.Normalize(c))
		}
	}
}

// TestWrittenNumbersGenerated checks the property, the invariants and the
// differential test on a generated corpus of trap-shaped cells.
func TestWrittenNumbersGenerated(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(15, 6))
	ps := diffProfiles(t)
	for i := 0; i < n; i++ {
		cell := genTrapCell(rng)
		p := ps[i%len(ps)]
		col := writtenCols[i%len(writtenCols)]
		res := p.NormalizeDDD(cell, col)
		checkWritten(t, p, cell, col, res)
		checkInvariants(t, p, cell, res)
		diffCellDDD(t, p, cell, col)
	}
}

// FuzzNormalizeDDD: the property, no panic, and the differential check for
// any cell and DDD cell. Run it for real with
//
//	go test -run='^$' -fuzz='^FuzzNormalizeDDD$' -fuzztime=30s ./normalize/
func FuzzNormalizeDDD(f *testing.F) {
	for _, v := range allVectors() {
		f.Add(v.in, v.col)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 200; i++ {
		f.Add(genTrapCell(rng), writtenCols[i%len(writtenCols)])
	}
	ps := diffProfiles(f)
	f.Fuzz(func(t *testing.T, cell, col string) {
		if !utf8.ValidString(col) || len(col) > 16 {
			return
		}
		for _, p := range ps {
			res := p.NormalizeDDD(cell, col)
			checkWritten(t, p, cell, col, res)
			diffCellDDD(t, p, cell, col)
		}
	})
}
