package normalize

import (
	"strings"
	"testing"
)

// w is one expected result: status, E.164, dial string, type, extension,
// reasons (as stored). Input is checked separately where it matters.
type w struct {
	st      Status
	e164    string
	dial    string
	typ     Type
	ext     string
	reasons string
}

type vector struct {
	in   string
	ddd  string // tenant default DDD ("-" = none)
	fmt  string // dial format ("" = default)
	col  string // the row's DDD cell, read with NormalizeDDD ("" = Normalize)
	want []w
}

// run normalizes the vector's cell as the importer would.
func (v vector) run(p Profile) []Result {
	if v.col != "" {
		return p.NormalizeDDD(v.in, v.col)
	}
	return p.Normalize(v.in)
}

func ok(e164, dial string, t Type, reasons ...string) w {
	return w{StatusOK, e164, dial, t, "", strings.Join(reasons, ",")}
}

func fixed(e164, dial string, t Type, reasons ...string) w {
	return w{StatusFixed, e164, dial, t, "", strings.Join(reasons, ",")}
}

func bad(reasons ...string) w {
	return w{StatusInvalid, "", "", TypeUnknown, "", strings.Join(reasons, ",")}
}

func (x w) withExt(e string) w {
	x.ext = e
	return x
}

// vectors are written from the numbering plan (brazil-numbering.md) and the
// seed's dial mask ("00" + DDD + number); the default tenant has DDD 47.
var vectors = []vector{
	// Formatting only.
	{in: "(47) 3333-4444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}},
	{in: "+55 (11) 98765-4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "+5511987654321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "(11)98765-4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "11.98765.4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "011 98765 4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "(011) 3333-4444", want: []w{ok("+551133334444", "001133334444", TypeFixed)}},
	{in: "(047) 3333-4444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}},
	{in: "0xx11 3333-4444", want: []w{ok("+551133334444", "001133334444", TypeFixed)}},
	{in: "(0XX47) 3333-4444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}},
	{in: "0 15 11 98765-4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile, "carrier_code_removed")}},
	{in: "0 21 47 3333-4444", want: []w{ok("+554733334444", "004733334444", TypeFixed, "carrier_code_removed")}},
	{in: "90 15 11 98765-4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile, "carrier_code_removed")}},
	{in: "0 21 3333-4444", want: []w{ok("+552133334444", "002133334444", TypeFixed)}}, // 21 is the DDD here: 8 digits follow
	{in: "5511987654321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "55 47 3333-4444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}},
	{in: "+55 0 11 98765-4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "0055 11 98765 4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}}, // not +1 (the libphonenumber trap)
	{in: "0021 55 11 98765 4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile, "carrier_code_removed")}},
	{in: "11987654321.0", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "'11987654321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "\ufeff (11) 98765-4321 \u00a0", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "１１ ９８７６５-４３２１", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "(21) 3938-7723 (Museu)", want: []w{ok("+552139387723", "002139387723", TypeFixed)}},
	{in: "55994024478", want: []w{ok("+5555994024478", "0055994024478", TypeMobile)}}, // DDD 55; "+55 99 4024478" has 7 digits
	{in: "(55) 3333-4444", want: []w{ok("+555533334444", "005533334444", TypeFixed)}}, // DDD 55

	// The seed's "00" + DDD + number, i.e. the tenant's own dial format.
	{in: "0047999999999", want: []w{ok("+5547999999999", "0047999999999", TypeMobile)}},
	{in: "004733334444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}},
	{in: "0011987654321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "0047 3333 4444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}}, // not Norway: the CRM convention wins

	// Non-geographic, nationwide and short numbers: never a DDD.
	{in: "0800 123 4567", want: []w{ok("+558001234567", "08001234567", TypeTollFree)}},
	{in: "0800-123-456", want: []w{ok("+55800123456", "0800123456", TypeTollFree)}},
	{in: "0 800 123 4567", want: []w{ok("+558001234567", "08001234567", TypeTollFree)}},
	{in: "0300 123 4567", want: []w{ok("+553001234567", "03001234567", TypeSharedCost)}},
	{in: "0303 123 4567", want: []w{ok("+553031234567", "03031234567", TypeSharedCost)}},
	{in: "0500 123 4567", want: []w{ok("+555001234567", "05001234567", TypePremium)}},
	{in: "0900 123 4567", want: []w{ok("+559001234567", "09001234567", TypePremium)}},
	{in: "4004-1234", want: []w{ok("+5540041234", "40041234", TypeSharedCost)}},
	{in: "4003-1234", want: []w{ok("+5540031234", "40031234", TypeSharedCost)}},
	{in: "3003-1234", want: []w{ok("+5530031234", "30031234", TypeSharedCost)}},
	{in: "4020-1234", want: []w{ok("+5540201234", "40201234", TypeSharedCost)}},
	{in: "4370-1234", want: []w{ok("+5543701234", "43701234", TypeSharedCost)}},
	{in: "4864-1234", want: []w{ok("+5548641234", "48641234", TypeSharedCost)}},
	{in: "+55 4004 1234", want: []w{ok("+5540041234", "40041234", TypeSharedCost)}},
	{in: "(11) 4004-1234", want: []w{ok("+551140041234", "001140041234", TypeFixed)}}, // with a DDD: a landline of that DDD
	{in: "190", want: []w{ok("+55190", "190", TypeShortCode)}},
	{in: "192", want: []w{ok("+55192", "192", TypeShortCode)}},
	{in: "193", want: []w{ok("+55193", "193", TypeShortCode)}},
	{in: "112", want: []w{ok("+55112", "112", TypeShortCode)}},
	{in: "911", want: []w{ok("+55911", "911", TypeShortCode)}},
	{in: "102", want: []w{ok("+55102", "102", TypeShortCode)}},
	{in: "190 / 193", want: []w{ok("+55190", "190", TypeShortCode, "multiple_numbers"), ok("+55193", "193", TypeShortCode, "multiple_numbers")}},

	// Extensions.
	{in: "(11) 3333-4444 ramal 123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "(11) 3333-4444 r. 123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "(11) 3333-4444 R:123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "(11) 3333-4444 ramal: 123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "(11) 3333-4444 Ramal-2045", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("2045")}},
	{in: "(11) 3333-4444 x123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "(11) 3333-4444 ext. 123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "(11) 3333-4444 #123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "+55 11 3333-4444;ext=123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	{in: "11 3333-4444,,123", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split").withExt("123")}},
	// Several extensions of one number: the first in extension, the others
	// in the suggestion (one number, one result).
	{in: "(11) 3333-4444 ramal 10 / ramal 11", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split", "more_extensions").withExt("10")}},
	{in: "(11) 3333-4444 ramal 10/11", want: []w{ok("+551133334444", "001133334444", TypeFixed, "extension_split", "more_extensions").withExt("10")}},

	// Several numbers in one cell.
	{in: "11 98765-4321 / 11 3333-4444", want: []w{
		ok("+5511987654321", "0011987654321", TypeMobile, "multiple_numbers"),
		ok("+551133334444", "001133334444", TypeFixed, "multiple_numbers")}},
	{in: "(11) 98765-4321; (11) 3333-4444", want: []w{
		ok("+5511987654321", "0011987654321", TypeMobile, "multiple_numbers"),
		ok("+551133334444", "001133334444", TypeFixed, "multiple_numbers")}},
	{in: "(11) 98765-4321 e (11) 3333-4444", want: []w{
		ok("+5511987654321", "0011987654321", TypeMobile, "multiple_numbers"),
		ok("+551133334444", "001133334444", TypeFixed, "multiple_numbers")}},
	{in: "Tel: (11) 3333-4444 Cel: (11) 98765-4321", want: []w{
		ok("+551133334444", "001133334444", TypeFixed, "multiple_numbers"),
		ok("+5511987654321", "0011987654321", TypeMobile, "multiple_numbers")}},
	{in: "+55 11 98765-4321 +55 11 3333-4444", want: []w{
		ok("+5511987654321", "0011987654321", TypeMobile, "multiple_numbers"),
		ok("+551133334444", "001133334444", TypeFixed, "multiple_numbers")}},
	{in: "3833-3340,3833-3341", want: []w{
		fixed("+554738333340", "004738333340", TypeFixed, "added_default_ddd", "multiple_numbers"),
		fixed("+554738333341", "004738333341", TypeFixed, "added_default_ddd", "multiple_numbers")}},
	{in: "(11) 3333-4444 / 4445", want: []w{
		ok("+551133334444", "001133334444", TypeFixed, "multiple_numbers"),
		fixed("+551133334445", "001133334445", TypeFixed, "multiple_numbers", "completed_from_previous")}},
	{in: "11 98765-4321 / ***", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}},
	{in: "(11) 98765-4321 / (20) 3333-4444", want: []w{
		ok("+5511987654321", "0011987654321", TypeMobile, "multiple_numbers"),
		bad("invalid_ddd", "multiple_numbers")}},

	// Fixes staff should confirm.
	{in: "8765-4321", want: []w{fixed("+5547987654321", "0047987654321", TypeMobile, "added_ninth_digit", "added_default_ddd")}},
	{in: "3333-4444", want: []w{fixed("+554733334444", "004733334444", TypeFixed, "added_default_ddd")}},
	{in: "98765-4321", want: []w{fixed("+5547987654321", "0047987654321", TypeMobile, "added_default_ddd")}},
	{in: "(11) 8765-4321", want: []w{fixed("+5511987654321", "0011987654321", TypeMobile, "added_ninth_digit")}},
	{in: "(11) 6123-4567", want: []w{fixed("+5511961234567", "0011961234567", TypeMobile, "added_ninth_digit")}},
	{in: "(11) 9999-8888", want: []w{fixed("+5511999998888", "0011999998888", TypeMobile, "added_ninth_digit")}},
	{in: "0047 8765 4321", want: []w{fixed("+5547987654321", "0047987654321", TypeMobile, "added_ninth_digit")}},
	{in: "+55 47 8765-4321", want: []w{fixed("+5547987654321", "0047987654321", TypeMobile, "added_ninth_digit")}},
	{in: "3333-4444", ddd: "11", want: []w{fixed("+551133334444", "001133334444", TypeFixed, "added_default_ddd")}},

	// Ambiguous: two valid readings; the plan's choice is kept.
	{in: "5540041234", want: []w{fixed("+555540041234", "005540041234", TypeFixed, "ambiguous")}},      // DDD 55 landline, or +55 4004-1234
	{in: "(11) 7123-4567", want: []w{fixed("+551171234567", "001171234567", TypeMobile, "ambiguous")}}, // 7xxx radio range, or a mobile missing its 9
	{in: "7123-4567", want: []w{fixed("+554771234567", "004771234567", TypeMobile, "added_default_ddd", "ambiguous")}},
	{in: "0049 89 123456", want: []w{fixed("+5549989123456", "0049989123456", TypeMobile, "added_ninth_digit", "ambiguous")}}, // or Munich

	// Foreign numbers.
	{in: "+1 650 253 0000", want: []w{ok("+16502530000", "0016502530000", TypeForeign)}},
	{in: "+1 (650) 253-0000", want: []w{ok("+16502530000", "0016502530000", TypeForeign)}},
	{in: "001 650 253 0000", want: []w{ok("+16502530000", "0016502530000", TypeForeign)}},
	{in: "0021 1 650 253 0000", want: []w{ok("+16502530000", "0016502530000", TypeForeign, "carrier_code_removed")}},
	{in: "+351 912 345 678", want: []w{ok("+351912345678", "00351912345678", TypeForeign)}},
	{in: "00351 912 345 678", want: []w{ok("+351912345678", "00351912345678", TypeForeign)}},
	{in: "+351 21 123 4567", want: []w{ok("+351211234567", "00351211234567", TypeForeign)}},
	{in: "+34 93 289 0729", want: []w{ok("+34932890729", "0034932890729", TypeForeign)}},
	{in: "+1 650 253 0000", fmt: "e164", want: []w{ok("+16502530000", "+16502530000", TypeForeign)}},
	{in: "16502530000", want: []w{bad("unknown_country")}},  // a US number without '+': never assume the country
	{in: "447911123456", want: []w{bad("unknown_country")}}, // a UK mobile without '+'
	{in: "+999 1234567", want: []w{bad("unknown_country")}},
	{in: "+1 650 253", want: []w{bad("too_short")}},

	// Invalid.
	{in: "", want: nil},
	{in: "   \t ", want: nil},
	{in: "5.511987654321E+12", want: []w{bad("precision_lost")}},
	{in: "5,51199E+12", want: []w{bad("precision_lost")}},
	{in: "1.1987654321e10", want: []w{bad("precision_lost")}},
	{in: "***", want: []w{bad("placeholder")}},
	{in: "---", want: []w{bad("placeholder")}},
	{in: "(xx) xxxx-xxxx", want: []w{bad("placeholder")}},
	{in: "0000-0000", want: []w{bad("placeholder")}},
	{in: "9999-9999", want: []w{bad("placeholder")}},
	{in: "(11) 0000-0000", want: []w{bad("placeholder")}},
	{in: "00000000000", want: []w{bad("placeholder")}},
	// A filler whichever way it is written: without the trunk 0, with +55.
	{in: "0800 000000", want: []w{bad("placeholder")}},
	{in: "800000000", want: []w{bad("placeholder")}},
	{in: "(22) 2222-2222", want: []w{bad("placeholder")}},
	{in: "+55 22 2222-2222", want: []w{bad("placeholder")}},
	{in: "12345678", want: []w{bad("placeholder")}},
	{in: "não tem", want: []w{bad("placeholder")}},
	{in: "Sem telefone", want: []w{bad("placeholder")}},
	{in: "N/A", want: []w{bad("placeholder")}},
	{in: "Ligar para o gerente", want: []w{bad("not_a_number")}},
	{in: "fulano@example.com", want: []w{bad("not_a_number")}},
	{in: "11 9876S-4321", want: []w{bad("not_a_number")}},
	{in: "0800 FLORES", want: []w{bad("not_a_number")}},
	{in: "(20) 3333-4444", want: []w{bad("invalid_ddd")}},
	{in: "(10) 98765-4321", want: []w{bad("invalid_ddd")}},
	{in: "(23) 3333-4444", want: []w{bad("invalid_ddd")}},
	{in: "(30) 3333-4444", want: []w{ok("+553033334444", "03033334444", TypeSharedCost)}}, // 30 is no DDD, but 0303 333-4444 is a number
	{in: "0", want: []w{bad("too_short")}},
	{in: "3333-444", want: []w{bad("too_short")}},
	{in: "(11) 3333-444", want: []w{bad("too_short")}},
	{in: "(11) 3333-44445", want: []w{bad("too_long")}},
	{in: "47333344444733335555", want: []w{bad("too_long")}},
	{in: "4733334444 4733335555", want: []w{ // two complete numbers, a space between them
		ok("+554733334444", "004733334444", TypeFixed, "multiple_numbers"),
		ok("+554733335555", "004733335555", TypeFixed, "multiple_numbers")}},
	{in: "3231159088324692", want: []w{bad("too_long")}},
	{in: "(11) 0333-4444", want: []w{bad("invalid_number")}},
	{in: "(11) 1234-5678", want: []w{bad("invalid_number")}},
	{in: "(11) 83333-4444", want: []w{bad("invalid_number")}},
	{in: "3333-4444", ddd: "-", want: []w{bad("missing_ddd")}},
	{in: "98765-4321", ddd: "-", want: []w{bad("missing_ddd")}},
	{in: "8765-4321", ddd: "-", want: []w{bad("missing_ddd")}},
	{in: "4004-1234", ddd: "-", want: []w{ok("+5540041234", "40041234", TypeSharedCost)}},

	// Dial formats.
	{in: "(47) 3333-4444", fmt: "e164", want: []w{ok("+554733334444", "+554733334444", TypeFixed)}},
	{in: "(47) 3333-4444", fmt: "ddd", want: []w{ok("+554733334444", "4733334444", TypeFixed)}},
	{in: "(47) 3333-4444", fmt: "national", want: []w{ok("+554733334444", "04733334444", TypeFixed)}},
	{in: "(47) 3333-4444", fmt: "digits", want: []w{ok("+554733334444", "554733334444", TypeFixed)}},
	{in: "(47) 3333-4444", fmt: "zeros", want: []w{ok("+554733334444", "00554733334444", TypeFixed)}},
	{in: "(47) 3333-4444", fmt: "csp21", want: []w{ok("+554733334444", "0214733334444", TypeFixed)}},
	{in: "0800 123 4567", fmt: "e164", want: []w{ok("+558001234567", "08001234567", TypeTollFree)}},
	{in: "4004-1234", fmt: "csp21", want: []w{ok("+5540041234", "40041234", TypeSharedCost)}},
	{in: "+1 650 253 0000", fmt: "csp21", want: []w{ok("+16502530000", "002116502530000", TypeForeign)}},
	{in: "94733334444", fmt: "9{ddd}{number}", want: []w{ok("+554733334444", "94733334444", TypeFixed)}}, // the tenant's own dial string
	{in: "0214733334444", fmt: "csp21", want: []w{ok("+554733334444", "0214733334444", TypeFixed)}},      // the tenant's own dial string
	{in: "0214733334444", want: []w{ok("+554733334444", "004733334444", TypeFixed, "carrier_code_removed")}},
	{in: "00554733334444", fmt: "zeros", want: []w{ok("+554733334444", "00554733334444", TypeFixed)}},
}

func profileFor(t testing.TB, ddd, format string) Profile {
	t.Helper()
	switch ddd {
	case "":
		ddd = "47"
	case "-":
		ddd = ""
	}
	p, err := NewProfile(ddd, format)
	if err != nil {
		t.Fatalf("NewProfile(%q, %q): %v", ddd, format, err)
	}
	return p
}

func TestNormalizeVectors(t *testing.T) {
	for _, v := range allVectors() {
		p := profileFor(t, v.ddd, v.fmt)
		got := v.run(p)
		if len(got) != len(v.want) {
			t.Errorf("%q (ddd %s, fmt %q, column %q): %d results, want %d: %+v", v.in, v.ddd, v.fmt, v.col, len(got), len(v.want), got)
			continue
		}
		for i, g := range got {
			x := v.want[i]
			rs, err := ParseReasons(x.reasons)
			if err != nil {
				t.Fatal(err)
			}
			x.reasons = rs.String()
			gw := w{g.Status, g.E164, g.Dial, g.Type, g.Extension, g.Reasons.String()}
			if gw != x {
				t.Errorf("%q (ddd %s, fmt %q, column %q) #%d:\n got %+v\nwant %+v\n(suggestion %q)", v.in, v.ddd, v.fmt, v.col, i, gw, x, g.Suggestion)
			}
			if (g.Status == StatusOK && !g.Reasons.Has(MoreExtensions)) != (g.Suggestion == "") {
				t.Errorf("%q #%d: status %s with suggestion %q", v.in, i, g.Status, g.Suggestion)
			}
		}
	}
}

// TestEveryReasonCovered guards the table: every reason code has a vector.
func TestEveryReasonCovered(t *testing.T) {
	var seen Reasons
	for _, v := range allVectors() {
		for _, x := range v.want {
			rs, err := ParseReasons(x.reasons)
			if err != nil {
				t.Fatal(err)
			}
			seen |= rs
		}
	}
	for r := Reason(1); r < reasonEnd; r <<= 1 {
		if !seen.Has(r) {
			t.Errorf("no vector for reason %s", r)
		}
	}
}

func TestInput(t *testing.T) {
	p := profileFor(t, "", "")
	for _, c := range []struct {
		cell  string
		input []string
	}{
		{"  (21) 3938-7723 (Museu) ", []string{"(21) 3938-7723 (Museu)"}},
		{"11 98765-4321 / 11 3333-4444", []string{"11 98765-4321", "11 3333-4444"}},
		{"Tel: (11) 3333-4444 Cel: (11) 98765-4321", []string{"Tel: (11) 3333-4444", "Cel: (11) 98765-4321"}},
		{"(11) 3333-4444 ramal 10 / 3333-4445", []string{"(11) 3333-4444 ramal 10", "3333-4445"}},
	} {
		got := p.Normalize(c.cell)
		if len(got) != len(c.input) {
			t.Fatalf("%q: %d results", c.cell, len(got))
		}
		for i := range got {
			if got[i].Input != c.input[i] {
				t.Errorf("%q #%d: Input %q, want %q", c.cell, i, got[i].Input, c.input[i])
			}
		}
	}
}

func TestSuggestions(t *testing.T) {
	p := profileFor(t, "", "")
	for _, c := range []struct{ cell, want string }{
		{"8765-4321", "Confirme: número sem DDD e celular antigo com 8 dígitos; usado o DDD padrão 47 e acrescentado o 9 → (47) 98765-4321"},
		{"(47) 9876-5432", "Confirme: celular antigo com 8 dígitos; acrescentado o 9 → (47) 99876-5432"},
		{"3333-4444", "Confirme: número sem DDD; usado o DDD padrão 47 → (47) 3333-4444"},
		{"5540041234", "Confirme: também pode ser lido como 4004-1234 (custo compartilhado) → (55) 4004-1234"},
		{"(11) 7123-4567", "Confirme: válido na antiga faixa 7 de rádio, mas pode ser celular ao qual falta o 9: (11) 97123-4567 → (11) 7123-4567"},
		{"0049 89 123456", "Confirme: celular antigo com 8 dígitos; acrescentado o 9; também seria válido como número estrangeiro +49 89 123456 (DE) → (49) 98912-3456"},
		{"(20) 3333-4444", "DDD 20 não existe: confira o DDD"},
		{"16502530000", "Sem código de país: se for um número estrangeiro, grave-o com + na frente: +1 650-253-0000 (US)"},
		{"5.511987654321E+12", sugPrecisionLost},
		{"***", sugPlaceholder},
	} {
		got := p.Normalize(c.cell)
		if len(got) != 1 || got[0].Suggestion != c.want {
			t.Errorf("%q: suggestion %q\nwant %q", c.cell, got[0].Suggestion, c.want)
		}
	}
}

func TestHugeCell(t *testing.T) {
	p := profileFor(t, "", "")
	for _, cell := range []string{
		strings.Repeat("1", 1<<20),
		strings.Repeat("(11) 3333-4444 / ", 1<<16),
		strings.Repeat("\xff\x00", 1<<19),
		"(11) 3333-4444" + strings.Repeat(" ", 1<<20), // trailing blanks are trimmed first
	} {
		got := p.Normalize(cell)
		if len(got) == 0 || len(got) > MaxNumbersPerCell {
			t.Fatalf("%d results for a %d-byte cell", len(got), len(cell))
		}
		if len(got[0].Input) > MaxCellBytes {
			t.Errorf("Input echoes %d bytes", len(got[0].Input))
		}
	}
	got := p.Normalize(strings.Repeat("1", 1<<20))
	if got[0].Status != StatusInvalid || !got[0].Reasons.Has(TooLong) {
		t.Errorf("megabyte of digits: %+v", got[0])
	}
	many := strings.Repeat("(11) 3333-4444 / ", 100)
	if n := len(p.Normalize(many)); n != MaxNumbersPerCell {
		t.Errorf("%d results, want the cap %d", n, MaxNumbersPerCell)
	}
}

func TestZeroProfile(t *testing.T) {
	var p Profile // no default DDD, default format
	got := p.Normalize("(47) 3333-4444")
	if len(got) != 1 || got[0].Dial != "004733334444" {
		t.Fatalf("zero profile: %+v", got)
	}
	if got := p.Normalize("3333-4444"); got[0].Status != StatusInvalid || !got[0].Reasons.Has(MissingDDD) {
		t.Errorf("zero profile, no DDD: %+v", got[0])
	}
}

func TestAppendNormalizeReuses(t *testing.T) {
	p := profileFor(t, "", "")
	dst := make([]Result, 0, 8)
	dst = p.AppendNormalize(dst, "(11) 3333-4444")
	dst = p.AppendNormalize(dst, "")
	dst = p.AppendNormalize(dst, "11 98765-4321 / 11 3333-4444")
	if len(dst) != 3 || dst[0].Input != "(11) 3333-4444" || !dst[2].Reasons.Has(MultipleNumbers) || dst[0].Reasons.Has(MultipleNumbers) {
		t.Fatalf("AppendNormalize: %+v", dst)
	}
}
