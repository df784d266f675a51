package normalize

import (
	"errors"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers/v2/metadata"
)

func TestRulesVersionTracksMetadata(t *testing.T) {
	want := "lpn" + strings.TrimPrefix(metadata.Version, "v")
	if !strings.HasSuffix(RulesVersion, "+"+want) {
		t.Fatalf("RulesVersion %q does not end in +%s: libphonenumber's metadata changed, bump RulesVersion", RulesVersion, want)
	}
}

func TestReasons(t *testing.T) {
	var all Reasons
	names := map[string]bool{}
	for r := Reason(1); r < reasonEnd; r <<= 1 {
		all |= Reasons(r)
		s := r.String()
		if s == "" || strings.Contains(s, "(") || names[s] {
			t.Errorf("reason %d: bad or duplicate name %q", r, s)
		}
		names[s] = true
		if Reasons(r).Describe() == "" {
			t.Errorf("%s has no description", s)
		}
		if !Reasons(r).Has(r) {
			t.Errorf("%s: Has", s)
		}
	}
	if n := len(all.List()); n != len(reasonNames) {
		t.Fatalf("List: %d reasons, want %d", n, len(reasonNames))
	}
	for _, rs := range []Reasons{0, Reasons(Ambiguous), Reasons(AddedNinthDigit | AddedDefaultDDD), all} {
		s := rs.String()
		back, err := ParseReasons(s)
		if err != nil || back != rs {
			t.Errorf("ParseReasons(%q) = %v, %v; want %v", s, back, err, rs)
		}
	}
	if got := Reasons(AddedDefaultDDD | AddedNinthDigit).String(); got != "added_ninth_digit,added_default_ddd" {
		t.Errorf("String order: %q", got)
	}
	if got, err := ParseReasons(" added_default_ddd , added_ninth_digit ,"); err != nil || got != Reasons(AddedDefaultDDD|AddedNinthDigit) {
		t.Errorf("ParseReasons with spaces: %v %v", got, err)
	}
	if _, err := ParseReasons("added_ninth_digit,bogus"); err == nil {
		t.Error("ParseReasons accepted an unknown code")
	}
	if got := Reasons(AddedNinthDigit | AddedDefaultDDD).Describe(); got != "celular antigo de 8 dígitos: acrescentado o 9; número sem DDD: usado o DDD padrão" {
		t.Errorf("Describe: %q", got)
	}
	if Reason(3).String() != "reason(0x3)" || Reasons(0).List() != nil || Reasons(0).Describe() != "" {
		t.Error("edge cases of Reason/Reasons")
	}
}

func TestParseDialFormat(t *testing.T) {
	for name, spec := range Presets {
		f, err := ParseDialFormat(name)
		if err != nil {
			t.Fatalf("preset %s: %v", name, err)
		}
		if f.String() != name {
			t.Errorf("preset %s: String() = %q", name, f.String())
		}
		g, err := ParseDialFormat(spec)
		if err != nil || g.String() != name {
			t.Errorf("preset %s spec %q: String() = %q, %v", name, spec, g.String(), err)
		}
	}
	for _, c := range []struct{ in, canon string }{
		{"", "default"},
		{"DEFAULT", "default"},
		{"00{ddd}{number};intl=00{cc}{national}", "default"},
		{"geo=00{ddd}{number}", "default"},
		{"9{ddd}{number}", "9{ddd}{number}"},
		{"0{national}", "0{national}"},
		{"{ddd}{number};intl=000{cc}{national}", "{ddd}{number};intl=000{cc}{national}"},
		{"0{csp}{ddd}{number};csp=15", "0{csp}{ddd}{number};csp=15"},
		{" +{cc}{ddd}{number} ; intl=+{cc}{national} ", "e164"},
	} {
		f, err := ParseDialFormat(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if f.String() != c.canon {
			t.Errorf("%q: String() = %q, want %q", c.in, f.String(), c.canon)
		}
		g, err := ParseDialFormat(f.String())
		if err != nil || g.Spec() != f.Spec() {
			t.Errorf("%q does not round-trip: %q %v", c.in, g.Spec(), err)
		}
	}
	for _, bad := range []string{
		"nope", "00{ddd}", "{number}{ddd}", "00{ddd}{number}5", "0{ddd}{number}{ddd}", "{national}{number}",
		"00{ddd}{number};intl=00{national}", "00{ddd}{number};intl={cc}{ddd}{number}", "0{csp}{ddd}{number}",
		"00{ddd}{number};csp=21", "00{ddd}{number};csp=2x", "00{ddd}{number};foo=1", "0 {ddd}{number}",
		"0+{ddd}{number}", "{ddd{number}", "00{ddd}{number};intl=00{cc}{national};intl=00{cc}{national}", "{area}{number}",
	} {
		if _, err := ParseDialFormat(bad); !errors.Is(err, ErrDialFormat) {
			t.Errorf("ParseDialFormat(%q) = %v, want ErrDialFormat", bad, err)
		}
	}
	// Presets is documentation: changing it changes nothing.
	saved := Presets["default"]
	Presets["default"] = "{ddd}{number}"
	f, _ := ParseDialFormat("")
	Presets["default"] = saved
	if f.Spec() != "00{ddd}{number}" {
		t.Errorf("mutating Presets changed parsing: %q", f.Spec())
	}
}

func TestNewProfile(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"47", "47"}, {" 047 ", "47"}, {"(11)", "11"}, {"", ""}} {
		p, err := NewProfile(c.in, "")
		if err != nil || p.DDD != c.want {
			t.Errorf("NewProfile(%q) = %q, %v", c.in, p.DDD, err)
		}
	}
	for _, bad := range []string{"20", "4", "470", "ab", "00"} {
		if _, err := NewProfile(bad, ""); !errors.Is(err, ErrDDD) {
			t.Errorf("NewProfile(%q): %v, want ErrDDD", bad, err)
		}
	}
	if _, err := NewProfile("47", "bogus"); !errors.Is(err, ErrDialFormat) {
		t.Errorf("bad format: %v", err)
	}
}

func TestFingerprint(t *testing.T) {
	mk := func(ddd, f string) string { return profileFor(t, ddd, f).Fingerprint() }
	a := mk("", "")
	if a != mk("", "default") || a != mk("", "00{ddd}{number}") {
		t.Error("equal profiles have different fingerprints")
	}
	if len(a) != 12 {
		t.Errorf("fingerprint %q", a)
	}
	seen := map[string]bool{a: true}
	for _, x := range [][2]string{{"11", ""}, {"-", ""}, {"", "e164"}, {"", "0{csp}{ddd}{number};csp=15"}, {"", "0{csp}{ddd}{number};csp=21"}} {
		fp := mk(x[0], x[1])
		if seen[fp] {
			t.Errorf("profile %v: fingerprint %s not unique", x, fp)
		}
		seen[fp] = true
	}
	if (Profile{}).Fingerprint() != mk("-", "") {
		t.Error("zero profile differs from no DDD + default format")
	}
}

func TestDialString(t *testing.T) {
	for _, c := range []struct{ format, e164, want string }{
		{"", "+554733334444", "004733334444"},
		{"", "+5547999999999", "0047999999999"},
		{"", "+558001234567", "08001234567"},
		{"", "+553001234567", "03001234567"},
		{"", "+5540041234", "40041234"},
		{"", "+55190", "190"},
		{"", "+16502530000", "0016502530000"},
		{"", "+351912345678", "00351912345678"},
		{"e164", "+5547999999999", "+5547999999999"},
		{"e164", "+16502530000", "+16502530000"},
		{"ddd", "+5547999999999", "47999999999"},
		{"csp21", "+16502530000", "002116502530000"},
		{"", "+5547", ""},
		{"", "+552033334444", ""},
		{"", "5547999999999", ""},
		{"", "+55 47 99999 9999", ""},
		{"", "+999123456", ""},
		{"", "", ""},
	} {
		if got := profileFor(t, "", c.format).DialString(c.e164); got != c.want {
			t.Errorf("DialString(%q) with %q = %q, want %q", c.e164, c.format, got, c.want)
		}
	}
}

func TestInbound(t *testing.T) {
	for _, c := range []struct {
		ddd, format, in string
		want            []string
		suffix          string
	}{
		{"", "", "+5547999999999", []string{"+5547999999999"}, ""},
		{"", "", "5547999999999", []string{"+5547999999999"}, ""},
		{"", "", "005547999999999", []string{"+5547999999999"}, ""},
		{"", "", "0047999999999", []string{"+5547999999999"}, ""}, // the tenant's own dial string
		{"", "", "047999999999", []string{"+5547999999999"}, ""},
		{"", "", "01547999999999", []string{"+5547999999999"}, ""},
		{"", "", "47999999999", []string{"+5547999999999"}, "47999999999"},
		{"", "", "4733334444", []string{"+554733334444"}, "4733334444"},
		{"", "", "4788887777", []string{"+5547988887777"}, "4788887777"},                  // legacy 8-digit mobile: the 9 added
		{"", "", "33334444", []string{"+554733334444"}, "33334444"},                       // missing DDD: the default
		{"", "", "88887777", []string{"+5547988887777"}, "88887777"},                      // both
		{"-", "", "33334444", nil, "33334444"},                                            // no default DDD: only the suffix
		{"", "", "1171234567", []string{"+551171234567", "+5511971234567"}, "1171234567"}, // radio range, or its mobile
		{"", "", "5540041234", []string{"+555540041234", "+5540041234"}, "5540041234"},    // both readings
		{"", "", "40041234", []string{"+5540041234"}, "40041234"},
		{"", "", "08001234567", []string{"+558001234567"}, ""},
		{"", "", "+16502530000", []string{"+16502530000"}, ""},
		{"", "", "0016502530000", []string{"+16502530000"}, ""},
		{"", "", "16502530000", []string{"+16502530000"}, "16502530000"}, // E.164 without '+'
		{"", "e164", "+5547999999999", []string{"+5547999999999"}, ""},
		{"", "9{ddd}{number}", "94733334444", []string{"+554733334444"}, "94733334444"},
		{"", "", "190", []string{"+55190"}, ""},
		{"", "", "0000", nil, ""},
	} {
		lk, err := profileFor(t, c.ddd, c.format).Inbound(c.in)
		if err != nil {
			t.Errorf("Inbound(%q): %v", c.in, err)
			continue
		}
		if strings.Join(lk.Candidates, " ") != strings.Join(c.want, " ") || lk.Suffix != c.suffix {
			t.Errorf("Inbound(%q) (ddd %q, fmt %q) = %q suffix %q; want %q suffix %q", c.in, c.ddd, c.format, lk.Candidates, lk.Suffix, c.want, c.suffix)
		}
	}
	for _, bad := range []string{"", "+", "11 3333-4444", "abc", "++5511", "5511x", "+55+11"} {
		if _, err := profileFor(t, "", "").Inbound(bad); !errors.Is(err, ErrNotDigits) {
			t.Errorf("Inbound(%q): %v, want ErrNotDigits", bad, err)
		}
	}
}
