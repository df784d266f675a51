package normalize

import "fmt"

// inboundRef is Inbound as it was before the fast path for foreign
// readings: every reading the tables cannot answer goes to libphonenumber.
// It is the reference of the differential tests (TestInboundCorpus,
// FuzzInbound); do not change it.
func (p Profile) inboundRef(number string) (Lookup, error) {
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
	var buf [maxDigits]byte
	d := buf[:copy(buf[:], s)]
	var rd readings
	rd.build(&p, d, plus, true)
	add := func(o *outcome) {
		var b [24]byte
		e164 := o.f.e164
		if o.br {
			e164 = string(append(append(b[:0], "+55"...), o.nsn[:o.nl]...))
		}
		for _, c := range lk.Candidates {
			if c == e164 {
				return
			}
		}
		lk.Candidates = append(lk.Candidates, e164)
	}
	var (
		o     outcome
		valid [len(rd.r)]bool
	)
	for i := 0; i < rd.n; i++ {
		r := &rd.r[i]
		o = outcome{}
		t, v := evalAutoRef(r, rd.at(i), &o.f)
		if valid[i] = v == vValid; valid[i] {
			if r.br {
				o.setBR(rd.at(i), t, 0)
			}
			add(&o)
		}
	}
	for i := 0; i < rd.n; i++ {
		r := &rd.r[i]
		if !r.br || valid[i] {
			continue
		}
		o = outcome{}
		if sure, ok := (engine{}).fix(&p, r, rd.at(i), &o); !sure {
			_, ok = (engine{slow: true}).fix(&p, r, rd.at(i), &o)
			if ok {
				add(&o)
			}
		} else if ok {
			add(&o)
		}
	}
	for _, c := range lk.Candidates {
		if len(c) == 13 && c[:3] == "+55" && c[5] == '7' {
			o = outcome{}
			o.setBR([]byte(c[3:5]+"9"+c[5:]), TypeMobile, 0)
			if _, v := fastBR(o.nsn[:o.nl]); v == vValid {
				add(&o)
			}
		}
	}
	return lk, nil
}

func evalAutoRef(r *reading, d []byte, f *foreign) (Type, verdict) {
	t, v := (engine{}).eval(r, d, f)
	if v == vUnsure {
		t, v = (engine{slow: true}).eval(r, d, f)
	}
	return t, v
}
