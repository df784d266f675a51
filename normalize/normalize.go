package normalize

import "strings"

// mode selects the oracle: auto (tables, libphonenumber where they are
// unsure), fast only (for the differential test), slow only.
type mode uint8

const (
	modeAuto mode = iota
	modeFast
	modeSlow
)

// Normalize reads one raw cell and returns one Result per number found in
// it, nil for an empty or blank cell.
func (p Profile) Normalize(cell string) []Result {
	return p.AppendNormalize(nil, cell)
}

// AppendNormalize is Normalize appending to dst. Reusing dst, the common
// Brazilian shapes cost at most two allocations per number (one for E164
// and Dial together, one for the suggestion of a fixed number).
func (p Profile) AppendNormalize(dst []Result, cell string) []Result {
	dst, _ = p.appendNormalize(dst, cell, modeAuto)
	return dst
}

// appendNormalize returns false in modeFast when the tables could not answer
// for some number of the cell; dst is then incomplete.
func (p *Profile) appendNormalize(dst []Result, cell string, m mode) ([]Result, bool) {
	return p.appendNormalizeDDD(dst, cell, m, &cellDDD{})
}

func (p *Profile) appendNormalizeDDD(dst []Result, cell string, m mode, dd *cellDDD) ([]Result, bool) {
	cell = unlist(trimCell(cell))
	if cell == "" {
		return dst, true
	}
	if len(cell) > MaxCellBytes {
		return append(dst, Result{Input: echo(cell), Status: StatusInvalid, Type: TypeUnknown,
			Reasons: Reasons(TooLong), Suggestion: sugCellTooLong}), true
	}
	if isScientific(cell) {
		return append(dst, Result{Input: cell, Status: StatusInvalid, Type: TypeUnknown,
			Reasons: Reasons(PrecisionLost), Suggestion: sugPrecisionLost}), true
	}
	work := stripFloatZero(cell)
	base := len(dst)
	var s segment
	for i := 0; i < len(work) && len(dst)-base < MaxNumbersPerCell; {
		next := scanSegment(work, i, &s)
		var sure bool
		if dst, sure = p.appendSegment(dst, base, work, next, &s, m, dd); !sure {
			return dst, false
		}
		i = next
	}
	switch n := len(dst) - base; {
	case n == 0: // no digits anywhere: a filler or words
		r := Result{Input: cell, Status: StatusInvalid, Type: TypeUnknown, Reasons: Reasons(NotANumber), Suggestion: sugNotANumber}
		if placeholderText(cell) {
			r.Reasons, r.Suggestion = Reasons(Placeholder), sugPlaceholder
		}
		dst = append(dst, r)
	case n == 1:
		dst[base].Input = cell
	default:
		for i := base; i < len(dst); i++ {
			dst[i].Reasons |= Reasons(MultipleNumbers)
		}
	}
	return dst, true
}

// appendSegment appends the result of segment s, which ends at next in
// work; base is where the cell's results start in dst. It returns false
// when the fast oracle could not answer.
func (p *Profile) appendSegment(dst []Result, base int, work string, next int, s *segment, m mode, dd *cellDDD) ([]Result, bool) {
	var prev *Result
	if len(dst) > base && dst[len(dst)-1].Status != StatusInvalid {
		prev = &dst[len(dst)-1]
	}
	if s.n == 0 {
		switch {
		case !s.hasExt() || prev == nil:
		case prev.Extension != "": // "… ramal 10 / ramal 11"
			moreExtensions(prev, work[s.extS:max(s.extE, s.moreE)])
		default: // "(11) 3333-4444 / ramal 11"
			prev.Extension = work[s.extS:s.extE]
			prev.Reasons |= Reasons(ExtensionSplit)
			if s.moreE > s.moreS {
				moreExtensions(prev, work[s.moreS:s.moreE])
			}
		}
		return dst, true // words or fillers between numbers
	}
	if prev != nil && s.n <= 4 && !s.plus && !s.hasExt() && !s.text {
		if prev.Extension != "" { // "ramal 10 / 11"
			moreExtensions(prev, work[s.start:s.end])
			return dst, true
		}
		r, sure, ok := p.complete(prev, s, work, m)
		if !sure {
			return dst, false
		}
		if ok {
			return append(dst, r), true
		}
	}
	if dd.col == colNone && !dd.cellSet && !dd.looked && needsDDD(s) && !p.lookAhead(work, next, m, dd) {
		return dst, false
	}
	var o outcome
	if !p.read(s, m, dd, &o) {
		return dst, false
	}
	if dd.col == colNone && ownDDD(&o) {
		dd.setCell(o.nsn[:2])
	}
	r := p.result(&o, work[s.start:s.end], extOf(work, s))
	if s.moreE > s.moreS && r.Extension != "" {
		moreExtensions(&r, work[s.moreS:s.moreE])
	}
	return append(dst, r), true
}

// read interprets segment s with the cell's DDD sources; it returns false
// in modeFast when the tables could not answer.
func (p *Profile) read(s *segment, m mode, dd *cellDDD, o *outcome) bool {
	e := engine{slow: m == modeSlow, dd: dd}
	if e.interpret(p, s, o) && e.splitDDD(p, s, o) && e.nationwide(s, o) && e.conflict(dd, o) {
		return true
	}
	if m == modeFast {
		return false
	}
	e.slow = true
	e.interpret(p, s, o)
	e.splitDDD(p, s, o)
	e.nationwide(s, o)
	e.conflict(dd, o)
	return true
}

// moreExtensions notes further extensions of r, listed in text ("e 215",
// "/11, 12"), in its suggestion: Result has room for one extension.
func moreExtensions(r *Result, text string) {
	var b strings.Builder
	b.WriteString(r.Suggestion)
	if !r.Reasons.Has(MoreExtensions) {
		if b.Len() > 0 {
			b.WriteString("; o")
		} else {
			b.WriteString("O")
		}
		b.WriteString("utros ramais: ")
	}
	first := !r.Reasons.Has(MoreExtensions)
	for i := 0; i < len(text); {
		if !isDigit(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		if !first {
			b.WriteString(", ")
		}
		b.WriteString(text[i:j])
		first, i = false, j
	}
	r.Reasons |= Reasons(MoreExtensions)
	r.Suggestion = b.String()
}

func extOf(work string, s *segment) string {
	if s.hasExt() {
		return work[s.extS:s.extE]
	}
	return ""
}

// echo keeps the start of an over-long cell, cut on a character boundary.
func echo(s string) string {
	s = s[:maxInputEcho]
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xC0 {
		s = s[:len(s)-1]
	}
	return strings.ToValidUTF8(s, "")
}

// complete reads a short segment after a Brazilian number as an abbreviated
// alternative: "(11) 3333-4444 / 4445" → (11) 3333-4445.
func (p *Profile) complete(prev *Result, s *segment, work string, m mode) (Result, bool, bool) {
	if !strings.HasPrefix(prev.E164, "+55") || len(prev.E164) < 13 || !isGeo(prev.Type) {
		return Result{}, true, false
	}
	var b [maxDigits + 2]byte
	nsn := append(b[:0], prev.E164[3:]...)
	copy(nsn[len(nsn)-s.n:], s.digits())
	if placeholderDigits(nsn[2:]) || len(nsn) == 11 && placeholderDigits(nsn[3:]) {
		// "5555-5000 & 555": the completion is a filler, never a number.
		return Result{}, true, false
	}
	e := engine{slow: m == modeSlow}
	t, v := e.br(nsn)
	if v == vUnsure {
		if m == modeFast {
			return Result{}, false, false
		}
		t, v = lpnBR(nsn)
	}
	if v != vValid || !isGeo(t) {
		return Result{}, true, false
	}
	var o outcome
	o.status = StatusFixed
	o.setBR(nsn, t, prev.Reasons&(borrowedDDD|Reasons(AddedNinthDigit))|Reasons(CompletedFromPrevious))
	return p.result(&o, work[s.start:s.end], ""), true, true
}

// result turns an outcome into a Result. E164 and Dial share one
// allocation.
func (p *Profile) result(o *outcome, input, ext string) Result {
	r := Result{Input: input, Status: o.status, Type: o.typ, Extension: ext, Reasons: o.rs}
	if ext != "" {
		r.Reasons |= Reasons(ExtensionSplit)
	}
	if o.status == StatusInvalid {
		r.Type = TypeUnknown
		r.Suggestion = o.suggestion(p)
		return r
	}
	f := p.Format.or()
	var b [80]byte
	x := b[:0]
	if o.br {
		x = append(append(x, "+55"...), o.nsn[:o.nl]...)
		k := len(x)
		x = f.appendDial(x, o.nsn[:o.nl], o.typ)
		all := string(x)
		r.E164, r.Dial = all[:k], all[k:]
	} else {
		r.E164 = o.f.e164
		r.Dial = string(f.appendIntl(x, o.f.ccDigits(), o.f.national))
	}
	r.Suggestion = o.suggestion(p)
	return r
}
