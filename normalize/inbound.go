package normalize

import (
	"errors"
	"fmt"
)

// ErrNotDigits is wrapped by Inbound's error when the number is not digits
// with an optional leading '+'.
var ErrNotDigits = errors.New("not a phone number: only digits and a leading '+' are accepted")

// Lookup is what Inbound found for a number sent by 3CX.
type Lookup struct {
	// Candidates are valid E.164 numbers in priority order: the exact
	// readings first, then readings after a fix (legacy 8-digit mobile with a
	// 9 added, missing DDD with the tenant default).
	Candidates []string
	// Suffix, when not "", are digits to match against the end of stored
	// E.164 numbers: the input may be only the last N digits (3CX MaxLength).
	Suffix string
}

// Inbound interprets what 3CX sends in [Number] for a lookup: E.164 with or
// without '+' or "00", national with or without the trunk 0 (and carrier
// code), the tenant's own dial format, or just the last N digits.
//
// Brazilian readings are answered by the plan's tables, foreign readings by
// fastIntl (libphonenumber's metadata without its per-call costs);
// libphonenumber itself only where those are unsure. The common forms cost
// two allocations: the candidates share one string.
func (p Profile) Inbound(number string) (Lookup, error) {
	s := number
	plus := len(s) > 0 && s[0] == '+'
	if plus {
		s = s[1:]
	}
	if s == "" {
		return Lookup{}, fmt.Errorf("%w: %q", ErrNotDigits, number)
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return Lookup{}, fmt.Errorf("%w: %q", ErrNotDigits, number)
		}
	}
	var lk Lookup
	if !plus && len(s) >= 8 && len(s) <= 11 && s[0] != '0' {
		lk.Suffix = s
	}
	if len(s) > maxDigits {
		return lk, nil
	}
	var rd readings
	rd.build(&p, []byte(s), plus, true)
	var (
		buf   [160]byte
		ends  [8]int
		cs    = candidates{buf: buf[:0], ends: ends[:0]}
		o     outcome
		valid [len(rd.r)]bool
	)
	// Exact readings, then fixed readings, then the mobile of an old radio
	// number.
	for i := 0; i < rd.n; i++ {
		r, d := &rd.r[i], rd.at(i)
		if !r.br {
			e164, v := fastIntl(d)
			if v == vUnsure {
				var f foreign
				if f, v = lpnIntl(d); v == vValid {
					e164 = f.e164
				}
			}
			if valid[i] = v == vValid; valid[i] {
				if e164 != "" {
					cs.add("", e164)
				} else {
					cs.add("+", string(d)) // d does not escape: add copies it
				}
			}
			continue
		}
		t, v := fastBR(d)
		if v == vUnsure {
			t, v = lpnBR(d)
		}
		if v == vValid && r.geo && !isGeo(t) {
			v = vInvalid
		}
		if valid[i] = v == vValid; valid[i] {
			cs.add("+55", string(d))
		}
	}
	for i := 0; i < rd.n; i++ {
		r := &rd.r[i]
		if !r.br || valid[i] {
			continue
		}
		o = outcome{}
		sure, ok := (engine{}).fix(&p, r, rd.at(i), &o)
		if !sure {
			_, ok = (engine{slow: true}).fix(&p, r, rd.at(i), &o)
		}
		if ok {
			cs.add("+55", string(o.nsn[:o.nl]))
		}
	}
	for i, n := 0, cs.n; i < n; i++ {
		c := cs.at(i)
		if len(c) == 13 && string(c[:3]) == "+55" && c[5] == '7' { // old radio range: also as a mobile with the 9
			var b [11]byte
			m := append(append(append(b[:0], c[3:5]...), '9'), c[5:]...)
			if _, v := fastBR(m); v == vValid {
				cs.add("+55", string(m))
			}
		}
	}
	lk.Candidates = cs.strings()
	return lk, nil
}

// candidates collects distinct E.164 numbers in one buffer, so that they
// share one string in the end.
type candidates struct {
	buf  []byte
	ends []int
	n    int
}

func (cs *candidates) at(i int) []byte {
	start := 0
	if i > 0 {
		start = cs.ends[i-1]
	}
	return cs.buf[start:cs.ends[i]]
}

// add adds prefix+s unless it is there already. (The string conversions of
// the callers do not allocate: the compiler sees s does not escape.)
func (cs *candidates) add(prefix, s string) {
	for i := 0; i < cs.n; i++ {
		if c := cs.at(i); len(c) == len(prefix)+len(s) && string(c[:len(prefix)]) == prefix && string(c[len(prefix):]) == s {
			return
		}
	}
	cs.buf = append(append(cs.buf, prefix...), s...)
	cs.ends = append(cs.ends, len(cs.buf))
	cs.n++
}

func (cs *candidates) strings() []string {
	if cs.n == 0 {
		return nil
	}
	all := string(cs.buf)
	out := make([]string, cs.n)
	start := 0
	for i := 0; i < cs.n; i++ {
		out[i] = all[start:cs.ends[i]]
		start = cs.ends[i]
	}
	return out
}
