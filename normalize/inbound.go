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
		cs    candidates
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
		c := cs.view(i)
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
// share one string in the end. Every reading gives at most one candidate
// (valid as written or after a fix) and an old radio number one more, so
// the arrays hold any input; spill is there for safety only.
type candidates struct {
	n     int
	used  int
	ends  [2 * len(readings{}.r)]uint16
	buf   [2 * len(readings{}.r) * 22]byte
	spill []string // all candidates, once the arrays were full
}

// view returns candidate i.
func (cs *candidates) view(i int) []byte {
	if cs.spill != nil {
		return []byte(cs.spill[i])
	}
	start := 0
	if i > 0 {
		start = int(cs.ends[i-1])
	}
	return cs.buf[start:cs.ends[i]]
}

// add adds prefix+s unless it is there already. (The callers' string
// conversions do not allocate: s does not escape.)
func (cs *candidates) add(prefix, s string) {
	for i := 0; i < cs.n; i++ {
		if c := cs.view(i); len(c) == len(prefix)+len(s) && string(c[:len(prefix)]) == prefix && string(c[len(prefix):]) == s {
			return
		}
	}
	if cs.spill == nil && (cs.n == len(cs.ends) || cs.used+len(prefix)+len(s) > len(cs.buf)) {
		cs.spill = cs.strings()
	}
	if cs.spill != nil {
		cs.spill = append(cs.spill, prefix+s)
		cs.n++
		return
	}
	cs.used += copy(cs.buf[cs.used:], prefix)
	cs.used += copy(cs.buf[cs.used:], s)
	cs.ends[cs.n] = uint16(cs.used)
	cs.n++
}

// strings returns the candidates, nil when there are none.
func (cs *candidates) strings() []string {
	if cs.spill != nil || cs.n == 0 {
		return cs.spill
	}
	all := string(cs.buf[:cs.used])
	out := make([]string, cs.n)
	start := 0
	for i := 0; i < cs.n; i++ {
		out[i] = all[start:cs.ends[i]]
		start = int(cs.ends[i])
	}
	return out
}
