package normalize

// engine answers "is this a valid number, of which type?" either from the
// plan's tables (fast) or from libphonenumber (slow). Everything else —
// which readings a text has, which fixes are tried, which reading wins — is
// the same code for both, so the differential test compares exactly the
// oracles' answers.
type engine struct {
	slow  bool
	dd    *cellDDD // where a number without DDD takes one from; nil: the tenant's default
	brDDD bool     // the number has a Brazilian DDD (parentheses or column): no foreign suggestion
}

func (e engine) br(nsn []byte) (Type, verdict) {
	if e.slow {
		return lpnBR(nsn)
	}
	return fastBR(nsn)
}

func (e engine) intl(d []byte) (foreign, verdict) {
	if e.slow {
		return lpnIntl(d)
	}
	return foreign{}, vUnsure
}

// rkind says how a reading was obtained from the text.
type rkind uint8

const (
	rkTemplate rkind = iota // the tenant's geographic dial template
	rkSeed                  // "00" + DDD + number: the seed's CRM convention
	rkPlus                  // "+55 …"
	rkIntl                  // "00" + country code, "+" + country code, the tenant's foreign template
	rkIntlCSP               // "00" + carrier code + country code
	rkTrunkCSP              // "0" (or collect-call "90") + carrier code + DDD + number
	rkTrunk                 // "0" + national number
	rkNational              // the digits as written
	rkCC                    // "55" + national number, without "+"
)

// reading is one way to read the digits of a segment. Every reading is a
// suffix of the digits: it is kept as an offset, so that nothing escapes to
// the heap.
type reading struct {
	kind rkind
	br   bool  // a Brazilian national significant number; else the digits after "+"
	geo  bool  // only fixed and mobile count (dial-template readings)
	late bool  // tried only after the fixes of the other readings ("00" + country code)
	off  uint8 // the reading is buf[off:nd]
	rs   Reasons
}

type readings struct {
	buf [maxDigits]byte
	nd  int
	r   [10]reading
	n   int
}

// at returns the digits of reading i.
func (rd *readings) at(i int) []byte { return rd.buf[rd.r[i].off:rd.nd] }

// add appends a reading of d, a suffix of rd.buf[:rd.nd].
func (rd *readings) add(x reading, d []byte) {
	x.off = uint8(rd.nd - len(d))
	for i := 0; i < rd.n; i++ {
		y := &rd.r[i]
		if y.br == x.br && y.off == x.off {
			y.geo = y.geo && x.geo
			y.late = y.late && x.late
			return
		}
	}
	if rd.n < len(rd.r) {
		rd.r[rd.n] = x
		rd.n++
	}
}

// build lists the readings of digits in priority order.
func (rd *readings) build(p *Profile, digits []byte, plus, inbound bool) {
	rd.nd = copy(rd.buf[:], digits)
	d := rd.buf[:rd.nd]
	f := p.Format.or()
	if nsn, ok := f.matchGeo(d, plus); ok {
		rd.add(reading{kind: rkTemplate, br: true, geo: true}, nsn)
	}
	switch {
	case plus:
		rd.intl(d, rkPlus, 0, false)
	case len(d) >= 2 && d[0] == '0' && d[1] == '0':
		rest := d[2:]
		if len(rest) == 10 || len(rest) == 11 {
			rd.add(reading{kind: rkSeed, br: true, geo: true}, rest)
		}
		rd.intl(rest, rkIntl, 0, true)
		if len(rest) >= 4 && isCSP(rest[0], rest[1]) {
			rd.intl(rest[2:], rkIntlCSP, Reasons(CarrierCodeRemoved), true)
		}
	default:
		rd.national(d, rkNational, 0, false, true)
	}
	// The tenant's foreign template, when it has a prefix of its own.
	if x, ok := f.matchIntl(d, plus); ok && (inbound || plus || len(d)-len(x) >= 2) {
		rd.intl(x, rkIntl, 0, !plus)
	}
	if inbound && !plus && len(d) >= 11 && d[0] != '0' {
		rd.add(reading{kind: rkIntl, late: true}, d) // E.164 without '+' (3CX Prefix="Off")
	}
}

// intl adds the readings of digits that follow an international prefix.
func (rd *readings) intl(d []byte, kind rkind, rs Reasons, late bool) {
	if len(d) >= 2 && d[0] == '5' && d[1] == '5' {
		rd.national(d[2:], kind, rs, late, false)
		return
	}
	rd.add(reading{kind: kind, rs: rs, late: late}, d)
}

// national adds the readings of a national number as written in Brazil:
// with or without the trunk 0 and carrier code, and, when cc is set, with
// the country code 55 but no '+'.
func (rd *readings) national(d []byte, kind rkind, rs Reasons, late, cc bool) {
	n := len(d)
	switch {
	case n > 0 && d[0] == '0':
		if (n == 13 || n == 14) && isCSP(d[1], d[2]) {
			rd.add(reading{kind: rkTrunkCSP, br: true, rs: rs | Reasons(CarrierCodeRemoved), late: late}, d[3:])
		}
		rd.add(reading{kind: rkTrunk, br: true, rs: rs, late: late}, d[1:])
		return
	case (n == 14 || n == 15) && d[0] == '9' && d[1] == '0' && isCSP(d[2], d[3]):
		rd.add(reading{kind: rkTrunkCSP, br: true, rs: rs | Reasons(CarrierCodeRemoved), late: late}, d[4:])
	}
	rd.add(reading{kind: kind, br: true, rs: rs, late: late}, d)
	if cc && n >= 10 && d[0] == '5' && d[1] == '5' {
		rd.add(reading{kind: rkCC, br: true, rs: rs, late: late}, d[2:])
	}
}

// alternative is the other reading named by an ambiguous result or
// suggested for an unknown country.
type alternative struct {
	br  bool
	nsn [maxDigits + 2]byte
	nl  int
	typ Type
	f   foreign
}

// outcome is the interpretation of one segment.
type outcome struct {
	status Status
	typ    Type
	rs     Reasons
	br     bool
	nsn    [maxDigits + 2]byte
	nl     int
	f      foreign
	alt    alternative
	hasAlt bool
	bad    [2]byte // the unassigned DDD, for InvalidDDD
	badPar string  // a parenthesised group that is no DDD: "9" of "(9)", "200" of "(200)"
	stray  string  // digits before a parenthesised group that are no prefix: "1" of "1(82)"
	badCol string  // the row's DDD column when it is the unassigned DDD

	colConflict bool // alt is the reading with the row's DDD column
}

func (o *outcome) setBR(nsn []byte, t Type, rs Reasons) {
	o.br = true
	o.nl = copy(o.nsn[:], nsn)
	o.typ = t
	o.rs |= rs
}

func (o *outcome) invalid(rs Reasons) {
	o.status = StatusInvalid
	o.typ = TypeUnknown
	o.rs = o.rs&(ExtensionSplit.set()|MultipleNumbers.set()) | rs
}

func (r Reason) set() Reasons { return Reasons(r) }

// eval asks the oracle about one reading.
func (e engine) eval(r *reading, d []byte, f *foreign) (Type, verdict) {
	if !r.br {
		x, v := e.intl(d)
		*f = x
		return TypeForeign, v
	}
	t, v := e.br(d)
	if v == vValid && r.geo && !isGeo(t) {
		v = vInvalid
	}
	return t, v
}

// interpret reads one segment. It returns false when the fast oracle could
// not answer (never in slow mode).
func (e engine) interpret(p *Profile, s *segment, o *outcome) bool {
	*o = outcome{}
	if s.hasExt() {
		o.rs |= Reasons(ExtensionSplit)
	}
	d := s.digits()
	switch {
	case s.n > maxDigits:
		o.invalid(Reasons(TooLong))
		return true
	case s.glued || (s.text && s.n <= 4):
		o.invalid(Reasons(NotANumber))
		return true
	case placeholderDigits(d):
		o.invalid(Reasons(Placeholder))
		return true
	case !s.plus && s.pstate == parenClosed && (s.paren == 1 || s.paren == 3) && d[0] != '0' && s.n > s.paren:
		// "(9) 3241-5566", "(200) 0000-000": a group of one or three digits
		// in front is a mistyped DDD, never part of the number.
		o.invalid(Reasons(InvalidDDD))
		o.badPar = string(d[:s.paren])
		return true
	}
	if s.pre > 0 && !s.plus && s.pre <= len(d) {
		if done := midGroup(s, d, o); done {
			return true
		}
	}
	rest, group := s.dddGroup()
	if group && rest > 0 && rest < 8 {
		o.invalid(Reasons(TooShort)) // "(47) 3333-44": never the local number 4733-3344
		return true
	}
	// A Brazilian DDD, in the cell's parentheses or in the row's column:
	// never suggest a foreign number instead.
	e.brDDD = group || (e.dd != nil && e.dd.col == colValid)
	var rd readings
	rd.build(p, d, s.plus, false)
	if !e.choose(p, &rd, d, s.plus, o) {
		return false
	}
	// A filler is one however it was typed: judge the chosen number as
	// Brazil writes it nationally too, so that "800000000" is a placeholder
	// as "0800 000000" is, and "+55 22 2222-2222" as "(22) 2222-2222".
	if o.br && o.status != StatusInvalid && (placeholderNational(o.nsn[:o.nl]) || o.fillerSubscriber()) {
		o.invalid(Reasons(Placeholder))
	}
	return true
}

// fillerSubscriber reports whether a geographic number's subscriber, as
// written, is eight times the same digit: "(31) 9999-9999", "(27) 3333-3333"
// are fillers with a DDD, and no ninth digit makes them a number. The
// 9-digit "(47) 99999-9999" is a valid mobile as written.
func (o *outcome) fillerSubscriber() bool {
	if !isGeo(o.typ) || o.nl < 10 {
		return false
	}
	sub := o.nsn[2:o.nl]
	if o.rs.Has(AddedNinthDigit) {
		sub = sub[1:]
	}
	return len(sub) == 8 && allSame(sub)
}

// placeholderNational applies placeholderDigits to the national written
// form of a Brazilian number: the trunk 0, then the national number.
func placeholderNational(nsn []byte) bool {
	var buf [maxDigits + 3]byte
	buf[0] = '0'
	n := 1 + copy(buf[1:], nsn)
	return placeholderDigits(buf[:n])
}

func (e engine) choose(p *Profile, rd *readings, d []byte, plus bool, o *outcome) bool {
	var f foreign
	for pass := 0; pass < 2; pass++ {
		late := pass == 1
		// 1. The first reading valid as written.
		for i := 0; i < rd.n; i++ {
			r := &rd.r[i]
			if r.late != late {
				continue
			}
			t, v := e.eval(r, rd.at(i), &f)
			switch v {
			case vUnsure:
				return false
			case vValid:
				o.status = StatusOK
				if r.br {
					o.setBR(rd.at(i), t, r.rs)
				} else {
					o.typ, o.f, o.rs = TypeForeign, f, o.rs|r.rs
				}
				return e.ambiguity(rd, i, o)
			}
		}
		// 2. The first reading valid after a fix.
		for i := 0; i < rd.n; i++ {
			r := &rd.r[i]
			if r.late != late || !r.br {
				continue
			}
			sure, ok := e.fix(p, r, rd.at(i), o)
			if !sure {
				return false
			}
			if ok {
				if !late { // a "00" text that could also be a foreign number
					for j := 0; j < rd.n; j++ {
						if x := &rd.r[j]; x.late && !x.br {
							_, v := e.eval(x, rd.at(j), &f)
							if v == vUnsure {
								return false
							}
							if v == vValid {
								o.status = StatusFixed
								o.rs |= Reasons(Ambiguous)
								o.alt, o.hasAlt = alternative{typ: TypeForeign, f: f}, true
								break
							}
						}
					}
				}
				return e.radio(o)
			}
		}
	}
	return e.diagnose(p, rd, d, plus, o)
}

// ambiguity checks, for the reading i chosen as valid as written, whether
// another reading is valid too.
func (e engine) ambiguity(rd *readings, i int, o *outcome) bool {
	if rd.r[i].kind == rkNational {
		for j := i + 1; j < rd.n; j++ {
			x := &rd.r[j]
			if x.kind != rkCC {
				continue
			}
			t, v := e.br(rd.at(j))
			if v == vUnsure {
				return false
			}
			if v == vValid {
				o.status = StatusFixed
				o.rs |= Reasons(Ambiguous)
				o.hasAlt = true
				o.alt = alternative{br: true, typ: t}
				o.alt.nl = copy(o.alt.nsn[:], rd.at(j))
			}
		}
	}
	return e.radio(o)
}

// radio flags an 8-digit subscriber in the old 7xxx radio range: valid as it
// is (libphonenumber types it mobile), but most such numbers in a CRM are
// old mobiles that lack the ninth digit.
func (e engine) radio(o *outcome) bool {
	if !o.br || o.nl != 10 || o.nsn[2] != '7' || o.hasAlt {
		return true
	}
	var b [11]byte
	c := append(append(append(b[:0], o.nsn[:2]...), '9'), o.nsn[2:10]...)
	t, v := e.br(c)
	if v == vUnsure {
		return false
	}
	if v == vValid {
		o.status = StatusFixed
		o.rs |= Reasons(Ambiguous)
		o.hasAlt = true
		o.alt = alternative{br: true, typ: t}
		o.alt.nl = copy(o.alt.nsn[:], c)
	}
	return true
}

// fix tries our own repairs on a Brazilian reading: the ninth digit of an
// old mobile, the tenant's default DDD, or both.
func (e engine) fix(p *Profile, r *reading, nsn []byte, o *outcome) (sure, ok bool) {
	var b [12]byte
	try := func(c []byte, rs Reasons) (bool, bool) {
		t, v := e.br(c)
		if v == vUnsure {
			return false, false
		}
		if v != vValid || !isGeo(t) {
			return true, false
		}
		o.status = StatusFixed
		if rs&^Reasons(DDDFromColumn) == 0 {
			o.status = StatusOK // the DDD written in the row's DDD column: nothing inferred
		}
		o.setBR(c, t, r.rs|rs)
		return true, true
	}
	switch len(nsn) {
	case 10:
		if validDDD(nsn[0], nsn[1]) && nsn[2] >= '6' && nsn[2] <= '9' {
			return try(append(append(append(b[:0], nsn[:2]...), '9'), nsn[2:]...), Reasons(AddedNinthDigit))
		}
	case 8, 9:
		ddd, from, has := e.dd.source(p)
		if !has || (len(nsn) == 9 && nsn[0] != '9') || nsn[0] < '2' {
			break
		}
		sure, ok := try(append(append(b[:0], ddd[:]...), nsn...), from)
		if !sure || ok || len(nsn) == 9 || nsn[0] < '6' {
			return sure, ok
		}
		return try(append(append(append(b[:0], ddd[:]...), '9'), nsn...), from|Reasons(AddedNinthDigit))
	}
	return true, false
}

// diagnose explains why no reading is valid.
func (e engine) diagnose(p *Profile, rd *readings, d []byte, plus bool, o *outcome) bool {
	primary := -1
	for i := 0; i < rd.n; i++ {
		if rd.r[i].br {
			primary = i
			break
		}
	}
	if primary < 0 {
		if rd.n == 0 {
			o.invalid(Reasons(TooShort))
			return true
		}
		f, v := e.intl(rd.at(0))
		if v == vUnsure {
			return false
		}
		o.invalid(f.why)
		return true
	}
	nsn := rd.at(primary)
	why := diagnoseBR(p, nsn)
	if why == Reasons(InvalidDDD) {
		copy(o.bad[:], nsn)
	}
	if why == Reasons(MissingDDD) && e.dd != nil && e.dd.col == colBad {
		why, o.badCol = Reasons(InvalidDDD), e.dd.colText
	}
	// Digits that make no Brazilian number may be a foreign number written
	// without '+' ("16502530000"): say so, but never assume the country.
	if !plus && !e.brDDD && len(d) >= 11 && len(d) <= 15 && d[0] != '0' && (why == Reasons(InvalidNumber) || why == Reasons(TooLong)) {
		f, v := e.intl(d)
		if v == vUnsure {
			return false
		}
		if v == vValid {
			why = Reasons(UnknownCountry)
			o.alt, o.hasAlt = alternative{typ: TypeForeign, f: f}, true
		}
	}
	o.invalid(why)
	return true
}

// diagnoseBR names what is wrong with a Brazilian national number that no
// reading or fix made valid.
func diagnoseBR(p *Profile, nsn []byte) Reasons {
	n := len(nsn)
	switch {
	case n <= 7:
		return Reasons(TooShort)
	case n == 8:
		if nsn[0] >= '2' {
			return Reasons(MissingDDD)
		}
	case n == 9:
		if nsn[0] == '9' {
			return Reasons(MissingDDD)
		}
		if validDDD(nsn[0], nsn[1]) {
			return Reasons(TooShort)
		}
	case n == 10 || n == 11:
		if !validDDD(nsn[0], nsn[1]) {
			return Reasons(InvalidDDD)
		}
		if n == 11 && nsn[2] >= '2' && nsn[2] <= '5' {
			return Reasons(TooLong)
		}
	default:
		return Reasons(TooLong)
	}
	return Reasons(InvalidNumber)
}

// midGroup judges a parenthesised group written after digits ("0 (47)
// 3333-4444", "1(82)7807099"). The digits before it must be a prefix, the
// group a DDD and the rest a whole subscriber number; otherwise the number
// is flagged, never read across the parentheses as another subscriber.
func midGroup(s *segment, d []byte, o *outcome) bool {
	if !prefixDigits(d[:s.pre]) {
		o.invalid(Reasons(InvalidDDD))
		o.stray = string(d[:s.pre])
		return true
	}
	if s.preClose == 0 {
		return false // "0 (47 3333-4444": no group closed; read as written
	}
	group, rest := s.preClose-s.pre, s.n-s.preClose
	switch {
	case group != 2 && !(group == 3 && d[s.pre] == '0'):
		o.invalid(Reasons(InvalidDDD))
		o.badPar = string(d[s.pre:s.preClose])
		return true
	case rest < 8:
		o.invalid(Reasons(TooShort))
		return true
	}
	return false
}

// prefixDigits reports whether the digits written before a parenthesised
// group are a prefix that may stand there: the trunk "0" ("0 (11)"), a
// carrier code after it ("015 (11)"), the country code "55" or "0055".
func prefixDigits(p []byte) bool {
	switch len(p) {
	case 1:
		return p[0] == '0'
	case 2:
		return p[0] == '5' && p[1] == '5'
	case 3:
		return p[0] == '0'
	case 4:
		return string(p) == "0055"
	}
	return false
}
