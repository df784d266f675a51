package normalize

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers/v2/metadata"
)

// The fast foreign oracle: what libphonenumber's Parse("+"+digits) and
// IsValidNumber answer, computed from the same metadata without their
// per-call costs (regex cache lookups, pattern concatenation, string
// builders, regexp matching). Inbound uses it for the foreign readings of a
// number: every "00…", "55…" or long bare number 3CX sends has some. The
// corpus differential test and FuzzInbound compare Inbound with the
// reference that asks libphonenumber.

// lpnPat is a metadata pattern: an automaton, or the regexp when the
// automaton cannot be built.
type lpnPat struct {
	a  *dfa
	re *regexp.Regexp // "^(?:pattern)$" or "^(?:pattern)"
}

func newPat(pattern string, whole bool) lpnPat {
	if a, ok := newDFA(pattern); ok {
		return lpnPat{a: a}
	}
	src := "^(?:" + pattern + ")"
	if whole {
		src += "$"
	}
	return lpnPat{re: regexp.MustCompile(src)}
}

// full: the whole of d matches.
func (p *lpnPat) full(d []byte) bool {
	if p.a != nil {
		return p.a.full(d)
	}
	return p.re.MatchString(string(d))
}

// prefix: a prefix of d matches.
func (p *lpnPat) prefix(d []byte) bool {
	if p.a != nil {
		return p.a.prefix(d)
	}
	return p.re.MatchString(string(d))
}

// lpnDesc is a PhoneNumberDesc: its possible lengths (bit l set) and its
// pattern.
type lpnDesc struct {
	lens  uint32 // 0: any length
	local uint32 // possible lengths for local dialling only
	pat   lpnPat
}

func newDesc(d *metadata.PhoneNumberDesc) lpnDesc {
	var x lpnDesc
	for _, l := range d.GetPossibleLength() {
		if l < 0 || l > 31 {
			x.lens |= 1 // -1: no numbers of the type; never matches a length ≥ 1
			continue
		}
		x.lens |= 1 << l
	}
	for _, l := range d.GetPossibleLengthLocalOnly() {
		if l >= 0 && l <= 31 {
			x.local |= 1 << l
		}
	}
	x.pat = newPat(d.GetNationalNumberPattern(), true)
	return x
}

// matches is libphonenumber's isNumberMatchingDesc.
func (x *lpnDesc) matches(nsn []byte) bool {
	if x.lens != 0 && (len(nsn) > 31 || x.lens&(1<<len(nsn)) == 0) {
		return false
	}
	return x.pat.full(nsn)
}

// lpnRegion is the metadata of one region (or non-geographic entity).
type lpnRegion struct {
	leading *lpnPat // leading digits, when the metadata has them
	general lpnDesc
	types   []lpnDesc // premium … voicemail, fixed line: getNumberTypeHelper's order
	mobile  *lpnDesc  // nil when mobile and fixed line share the pattern
	minLen  int32     // general possible lengths, for testNumberLength
	maxLen  int32
	noLen   bool // no general possible lengths
	npfp    *lpnPat
	npfpRE  *regexp.Regexp // for stripping
	lit     string         // the national prefix, when npfp is a plain digit string
	rule    string
}

func newRegion(m *metadata.PhoneMetadata) *lpnRegion {
	r := &lpnRegion{general: newDesc(m.GetGeneralDesc())}
	if ld := m.GetLeadingDigits(); ld != "" {
		p := newPat(ld, false)
		r.leading = &p
	}
	for _, d := range []*metadata.PhoneNumberDesc{m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
		m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail(), m.GetFixedLine()} {
		r.types = append(r.types, newDesc(d))
	}
	if !m.GetSameMobileAndFixedLinePattern() {
		x := newDesc(m.GetMobile())
		r.mobile = &x
	}
	if pl := m.GetGeneralDesc().GetPossibleLength(); len(pl) > 0 {
		r.minLen, r.maxLen, r.noLen = pl[0], pl[len(pl)-1], pl[0] == -1
	} else {
		r.noLen = true
	}
	if p := m.GetNationalPrefixForParsing(); p != "" {
		np := newPat(p, false)
		r.npfp = &np
		r.npfpRE = regexp.MustCompile("^(?:" + p + ")")
		r.rule = m.GetNationalPrefixTransformRule()
		if strings.Trim(p, "0123456789") == "" {
			r.lit = p
		}
	}
	return r
}

// valid is getNumberTypeHelper(nsn) != UNKNOWN.
func (r *lpnRegion) valid(nsn []byte) bool {
	if !r.general.matches(nsn) {
		return false
	}
	for i := range r.types {
		if r.types[i].matches(nsn) {
			return true
		}
	}
	return r.mobile != nil && r.mobile.matches(nsn)
}

// possible is testNumberLength(nsn, UNKNOWN) not TOO_SHORT,
// IS_POSSIBLE_LOCAL_ONLY or INVALID_LENGTH.
func (r *lpnRegion) possible(nsn []byte) bool {
	n := int32(len(nsn))
	if r.noLen || (n <= 31 && r.general.local&(1<<n) != 0) {
		return false
	}
	if n == r.minLen || n > r.maxLen {
		return true // IS_POSSIBLE, TOO_LONG
	}
	if n < r.minLen {
		return false
	}
	return r.general.lens&(1<<n) != 0
}

// strip is maybeStripNationalPrefixAndCarrierCode followed by parseHelper's
// check that the stripped number has a possible length.
func (r *lpnRegion) strip(nsn []byte) []byte {
	var x []byte
	if r.lit != "" { // a plain prefix ("0", "1", "8"): no regexp needed
		if len(nsn) < len(r.lit) || string(nsn[:len(r.lit)]) != r.lit {
			return nsn
		}
		x = nsn[len(r.lit):]
	} else {
		str := string(nsn) // the regexp keeps its input: nsn must not escape
		m := r.npfpRE.FindStringSubmatchIndex(str)
		if m == nil {
			return nsn
		}
		if last := len(m)/2 - 1; r.rule == "" || m[last*2] < 0 {
			x = nsn[m[1]:]
		} else {
			x = []byte(r.npfpRE.ReplaceAllString(str, r.rule))
		}
	}
	if r.general.pat.full(nsn) && !r.general.pat.full(x) {
		return nsn
	}
	if !r.possible(x) {
		return nsn
	}
	return x
}

// lpnCC is one country calling code: its regions in libphonenumber's order,
// the first being the main one. Built on first use.
type lpnCC struct {
	cc      int
	names   []string
	once    sync.Once
	regions []*lpnRegion
	lens    uint32 // union of the regions' general possible lengths
	anyLen  bool   // some region does not restrict lengths
}

func (c *lpnCC) build() {
	for _, name := range c.names {
		var m *metadata.PhoneMetadata
		if name == "001" {
			m, _ = metadata.NonGeoMetadata(c.cc)
		} else {
			m, _ = metadata.RegionMetadata(name)
		}
		if m == nil {
			c.regions = append(c.regions, nil)
			c.anyLen = true
			continue
		}
		r := newRegion(m)
		c.regions = append(c.regions, r)
		c.lens |= r.general.lens
		c.anyLen = c.anyLen || r.general.lens == 0
	}
}

var lpnCCs = sync.OnceValue(func() *[1000]*lpnCC {
	var t [1000]*lpnCC
	for cc, names := range metadata.CountryCodeToRegion() {
		if cc > 0 && cc < 1000 && len(names) > 0 {
			t[cc] = &lpnCC{cc: cc, names: names}
		}
	}
	return &t
})

// ccOf finds the country calling code at the start of d (no leading 0) as
// libphonenumber's extractCountryCode does: the shortest known prefix.
func ccOf(d []byte) (*lpnCC, int) {
	t := lpnCCs()
	v := 0
	for i := 0; i < 3 && i < len(d); i++ {
		v = v*10 + int(d[i]-'0')
		if c := t[v]; c != nil {
			c.once.Do(c.build)
			return c, i + 1
		}
	}
	return nil, 0
}

// fastIntl answers lpnIntl(d) for Inbound: whether "+"+d is a valid number,
// and its E.164 when that is not "+"+d itself. vUnsure when libphonenumber
// would keep leading zeros (Italian leading zeros).
func fastIntl(d []byte) (string, verdict) {
	n := len(d)
	if n <= 2 || n > 17 || d[0] == '0' {
		return "", vInvalid // too short or long; no country code starts with 0
	}
	c, k := ccOf(d)
	if c == nil {
		return "", vInvalid
	}
	nat := d[k:]
	main := c.regions[0]
	if len(nat) < 2 {
		return "", vInvalid
	}
	if main == nil {
		return "", vUnsure
	}
	if main.npfp == nil || !main.npfp.prefix(nat) {
		// Nothing to strip: the length alone often decides, the tables
		// decide for Brazil.
		if !c.anyLen && c.lens&(1<<len(nat)) == 0 {
			return "", vInvalid
		}
		if c.cc == 55 {
			if _, v := fastBR(nat); v != vUnsure {
				return "", v
			}
		}
		if nat[0] == '0' {
			return "", vUnsure
		}
		if !c.valid(nat) {
			return "", vInvalid
		}
		return "", vValid
	}
	nsn := main.strip(nat)
	if len(nsn) < 2 {
		return "", vInvalid
	}
	if nsn[0] == '0' {
		return "", vUnsure
	}
	if !c.valid(nsn) {
		return "", vInvalid
	}
	if string(nsn) == string(nat) {
		return "", vValid
	}
	return "+" + strconv.Itoa(c.cc) + string(nsn), vValid
}

// valid is IsValidNumber for a number of this country code.
func (c *lpnCC) valid(nsn []byte) bool {
	r := c.regions[0]
	if len(c.regions) > 1 {
		r = nil
		for _, x := range c.regions {
			if x == nil {
				continue
			}
			if x.leading != nil {
				if x.leading.prefix(nsn) {
					r = x
					break
				}
			} else if x.valid(nsn) {
				r = x
				break
			}
		}
		if r == nil {
			return false
		}
	}
	return r.valid(nsn)
}
