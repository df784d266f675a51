package normalize

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultPreset is the preset used when no dial format is given: the seed's
// 3CX mask, "00" + DDD + number.
const DefaultPreset = "default"

// Presets maps each named preset to its template spec. It is a copy for
// documentation and listing: changing it does not change ParseDialFormat.
var Presets = map[string]string{
	"default":  "00{ddd}{number}",                                       // 0047999999999 — the seed's 3CX mask
	"ddd":      "{ddd}{number}",                                         // 47999999999
	"national": "0{ddd}{number}",                                        // 047999999999
	"e164":     "+{cc}{ddd}{number};intl=+{cc}{national}",               // +5547999999999, +16502530000
	"digits":   "{cc}{ddd}{number};intl={cc}{national}",                 // 5547999999999, 16502530000
	"zeros":    "00{cc}{ddd}{number};intl=00{cc}{national}",             // 005547999999999 (3CX Prefix="Zeros")
	"csp21":    "0{csp}{ddd}{number};intl=00{csp}{cc}{national};csp=21", // 02147999999999, 00211…
}

// presetOrder fixes the order used to find a preset's name for a format.
var presetOrder = []string{"default", "ddd", "national", "e164", "digits", "zeros", "csp21"}

// presetSpecs is the private, immutable copy of Presets.
var presetSpecs = func() map[string]string {
	m := make(map[string]string, len(Presets))
	for k, v := range Presets {
		m[k] = v
	}
	return m
}()

// presetCanon maps each preset's canonical spec to its name.
var presetCanon = func() map[string]string {
	m := make(map[string]string, len(presetOrder))
	for i := len(presetOrder) - 1; i >= 0; i-- {
		f, err := parseSpec(presetSpecs[presetOrder[i]])
		if err != nil {
			panic(err)
		}
		m[f.spec()] = presetOrder[i]
	}
	return m
}()

const defaultIntl = "00{cc}{national}"

type tokKind uint8

const (
	tLit tokKind = iota
	tCC
	tDDD
	tNumber
	tNational
	tCSP
)

var placeholders = map[string]tokKind{
	"cc": tCC, "ddd": tDDD, "number": tNumber, "national": tNational, "csp": tCSP,
}

type tok struct {
	kind tokKind
	lit  string
}

// template is one compiled template.
type template struct {
	src  string
	toks []tok
}

// DialFormat is a tenant's dial format: a template for Brazilian geographic
// numbers (fixed and mobile with DDD) and one for foreign numbers.
// Non-geographic (0800…), nationwide (4004…) and short numbers are always
// dialled as Brazil dials them. The zero value is the default preset.
type DialFormat struct {
	geo, intl template
	csp       string
	name      string // preset name, when the format equals a preset
}

var defaultFormat = func() DialFormat {
	f, err := ParseDialFormat(DefaultPreset)
	if err != nil {
		panic(err)
	}
	return f
}()

// ErrDialFormat is wrapped by every error of ParseDialFormat.
var ErrDialFormat = errors.New("invalid dial format")

func dialErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrDialFormat}, a...)...)
}

// ParseDialFormat parses a preset name or a template spec; "" means the
// default preset. A spec is
//
//	GEO[;intl=FOREIGN][;csp=NN]
//
// GEO and FOREIGN are templates: digits, an optional leading "+", and the
// placeholders {cc} (55 in GEO), {ddd}, {number} (subscriber), {national}
// (DDD + subscriber; for FOREIGN the national significant number) and {csp}
// (the carrier code given by csp=NN). GEO must end with {ddd}{number} or
// {national}; FOREIGN must end with {cc}{national}. FOREIGN defaults to
// 00{cc}{national}.
func ParseDialFormat(spec string) (DialFormat, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = DefaultPreset
	}
	if s, ok := presetSpecs[strings.ToLower(spec)]; ok {
		spec = s
	}
	f, err := parseSpec(spec)
	if err != nil {
		return DialFormat{}, err
	}
	f.name = presetCanon[f.spec()]
	return f, nil
}

func parseSpec(spec string) (DialFormat, error) {
	var f DialFormat
	parts := strings.Split(spec, ";")
	geo := strings.TrimSpace(parts[0])
	if v, ok := strings.CutPrefix(geo, "geo="); ok {
		geo = v
	}
	intl := defaultIntl
	seen := map[string]bool{}
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if !ok || seen[k] {
			return DialFormat{}, dialErr("bad option %q", p)
		}
		seen[k] = true
		switch k {
		case "intl":
			intl = v
		case "csp":
			if len(v) != 2 || !isDigit(v[0]) || !isDigit(v[1]) {
				return DialFormat{}, dialErr("csp must be two digits, got %q", v)
			}
			f.csp = v
		default:
			return DialFormat{}, dialErr("unknown option %q", k)
		}
	}
	var err error
	if f.geo, err = compile(geo, false); err != nil {
		return DialFormat{}, err
	}
	if f.intl, err = compile(intl, true); err != nil {
		return DialFormat{}, err
	}
	usesCSP := f.geo.has(tCSP) || f.intl.has(tCSP)
	if usesCSP && f.csp == "" {
		return DialFormat{}, dialErr("{csp} needs the option csp=NN")
	}
	if !usesCSP && f.csp != "" {
		return DialFormat{}, dialErr("csp=%s given but no template uses {csp}", f.csp)
	}
	return f, nil
}

func compile(src string, foreign bool) (template, error) {
	t := template{src: src}
	if src == "" {
		return t, dialErr("empty template")
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '+':
			if i != 0 {
				return t, dialErr("%q: '+' only at the start", src)
			}
			t.toks = append(t.toks, tok{kind: tLit, lit: "+"})
			i++
		case isDigit(c):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			t.toks = append(t.toks, tok{kind: tLit, lit: src[i:j]})
			i = j
		case c == '{':
			j := strings.IndexByte(src[i:], '}')
			if j < 0 {
				return t, dialErr("%q: unclosed '{'", src)
			}
			k, ok := placeholders[strings.ToLower(src[i+1:i+j])]
			if !ok {
				return t, dialErr("%q: unknown placeholder %q", src, src[i:i+j+1])
			}
			if t.has(k) {
				return t, dialErr("%q: %s used twice", src, src[i:i+j+1])
			}
			t.toks = append(t.toks, tok{kind: k})
			i += j + 1
		default:
			return t, dialErr("%q: unexpected %q (only digits, a leading '+' and placeholders)", src, c)
		}
	}
	n := len(t.toks)
	if foreign {
		if n < 2 || t.toks[n-2].kind != tCC || t.toks[n-1].kind != tNational || t.has(tDDD) || t.has(tNumber) {
			return t, dialErr("foreign template %q must end with {cc}{national} and not use {ddd} or {number}", src)
		}
		return t, nil
	}
	switch {
	case t.toks[n-1].kind == tNational:
		if t.has(tDDD) || t.has(tNumber) {
			return t, dialErr("%q: {national} already holds the DDD and number", src)
		}
	case n >= 2 && t.toks[n-2].kind == tDDD && t.toks[n-1].kind == tNumber:
	default:
		return t, dialErr("template %q must end with {ddd}{number} or {national}", src)
	}
	return t, nil
}

func (t template) has(k tokKind) bool {
	for _, x := range t.toks {
		if x.kind == k {
			return true
		}
	}
	return false
}

func (f DialFormat) spec() string {
	s := f.geo.src
	if f.intl.src != defaultIntl {
		s += ";intl=" + f.intl.src
	}
	if f.csp != "" {
		s += ";csp=" + f.csp
	}
	return s
}

// or returns f, or the default format for the zero value.
func (f *DialFormat) or() *DialFormat {
	if f.geo.toks == nil {
		return &defaultFormat
	}
	return f
}

// String returns the canonical spec: the preset name when the format equals
// a preset, else the template spec. It round-trips through ParseDialFormat.
func (f DialFormat) String() string {
	g := f.or()
	if g.name != "" {
		return g.name
	}
	return g.spec()
}

// Spec returns the full template spec, even for a preset.
func (f DialFormat) Spec() string { return f.or().spec() }

// appendGeo renders a Brazilian geographic number (nsn = DDD + subscriber).
func (f *DialFormat) appendGeo(dst, nsn []byte) []byte {
	for _, t := range f.geo.toks {
		switch t.kind {
		case tLit:
			dst = append(dst, t.lit...)
		case tCC:
			dst = append(dst, '5', '5')
		case tDDD:
			dst = append(dst, nsn[:2]...)
		case tNumber:
			dst = append(dst, nsn[2:]...)
		case tNational:
			dst = append(dst, nsn...)
		case tCSP:
			dst = append(dst, f.csp...)
		}
	}
	return dst
}

// appendIntl renders a foreign number.
func (f *DialFormat) appendIntl(dst []byte, cc, national string) []byte {
	for _, t := range f.intl.toks {
		switch t.kind {
		case tLit:
			dst = append(dst, t.lit...)
		case tCC:
			dst = append(dst, cc...)
		case tNational:
			dst = append(dst, national...)
		case tCSP:
			dst = append(dst, f.csp...)
		}
	}
	return dst
}

// appendDial renders a valid Brazilian number of type t: geographic numbers
// through the template, the others as Brazil dials them.
func (f *DialFormat) appendDial(dst, nsn []byte, t Type) []byte {
	switch t {
	case TypeFixed, TypeMobile:
		return f.appendGeo(dst, nsn)
	case TypeTollFree, TypePremium:
		return append(append(dst, '0'), nsn...)
	case TypeSharedCost:
		if len(nsn) == 10 { // 0300, 0303
			dst = append(dst, '0')
		}
	}
	return append(dst, nsn...)
}

// matchPrefix matches the literal and {cc}/{csp} tokens before the final
// placeholders against digits d (plus: the text had a leading '+'). It
// returns the remaining digits and the index of the first unmatched token.
func (f *DialFormat) matchPrefix(t *template, d []byte, plus bool, cc string) ([]byte, int, bool) {
	i := 0
	if len(t.toks) > 0 && t.toks[0].kind == tLit && t.toks[0].lit == "+" {
		if !plus {
			return nil, 0, false
		}
		i = 1
	} else if plus {
		return nil, 0, false
	}
	for ; i < len(t.toks); i++ {
		var want string
		switch t.toks[i].kind {
		case tLit:
			want = t.toks[i].lit
		case tCC:
			if cc == "" { // foreign: the rest starts with the country code
				return d, i, true
			}
			want = cc
		case tCSP:
			want = f.csp
		default:
			return d, i, true
		}
		if len(d) < len(want) || string(d[:len(want)]) != want {
			return nil, 0, false
		}
		d = d[len(want):]
	}
	return d, i, true
}

// matchGeo recognises a number in the tenant's geographic template and
// returns its national significant number (DDD + subscriber).
func (f *DialFormat) matchGeo(d []byte, plus bool) ([]byte, bool) {
	rest, _, ok := f.matchPrefix(&f.geo, d, plus, "55")
	if !ok || len(rest) < 10 || len(rest) > 11 {
		return nil, false
	}
	return rest, true
}

// matchIntl recognises a number in the tenant's foreign template and returns
// the digits from the country code on.
func (f *DialFormat) matchIntl(d []byte, plus bool) ([]byte, bool) {
	rest, _, ok := f.matchPrefix(&f.intl, d, plus, "")
	if !ok || len(rest) < 3 {
		return nil, false
	}
	return rest, true
}
