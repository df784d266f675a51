package normalize

import "testing"

// trapVectors are the normalization traps found on real public registries,
// rewritten with synthetic numbers from the numbering plan; the tenant's
// default DDD is 47 unless the vector says otherwise.
var trapVectors = []vector{
	// Fillers with a DDD are fillers; no ninth digit is added to them.
	{in: "(31) 99999999", want: []w{bad("placeholder")}},
	{in: "(85) 88888888", want: []w{bad("placeholder")}},
	{in: "(27) 33333333", want: []w{bad("placeholder")}},
	{in: "(41) 9999-9999", want: []w{bad("placeholder")}},
	{in: "+55 41 9999-9999", want: []w{bad("placeholder")}},
	{in: "4133333333", want: []w{bad("placeholder")}},
	{in: "99999999", col: "31", want: []w{bad("placeholder")}},
	{in: "(47) 99999-9999", want: []w{ok("+5547999999999", "0047999999999", TypeMobile)}}, // 9 digits as written: a valid mobile
	{in: "(27) 3333-3334", want: []w{ok("+552733333334", "002733333334", TypeFixed)}},

	// A one-digit DDD is never absorbed into the number.
	{in: "(9) 32415566", want: []w{bad("invalid_ddd")}},
	{in: "(1) 3241-5566", want: []w{bad("invalid_ddd")}},
	{in: "(9) 98123-4567", ddd: "-", want: []w{bad("invalid_ddd")}},
	{in: "(113) 3241-5566", want: []w{bad("invalid_ddd")}}, // never DDD 11 + 33241-5566 or (11) 3324-1556…
	{in: "(200)00000", want: []w{bad("invalid_ddd")}},
	// Digits before the parentheses that are no prefix: never read across
	// them (18 2780-7099 is another subscriber). Prefixes stay readable.
	{in: "1(82)7807099", want: []w{bad("invalid_ddd")}},
	{in: "7 (47) 3333-4444", want: []w{bad("invalid_ddd")}},
	{in: "55 (47) 3333-4444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}},
	{in: "0 (47) 3333-4444", want: []w{ok("+554733334444", "004733334444", TypeFixed)}},
	{in: "0(47)986543", want: []w{bad("too_short")}}, // never 4798-6543 under the default DDD
	{in: "55 (4) 73333-4444", want: []w{bad("invalid_ddd")}},
	// A word or an extension in parentheses after a whole number is no group.
	{in: "98765-4321 (whatsapp)", want: []w{fixed("+5547987654321", "0047987654321", TypeMobile, "added_default_ddd")}},
	{in: "(3241-5566)", want: []w{fixed("+554732415566", "004732415566", TypeFixed, "added_default_ddd")}}, // a number in parentheses
	{in: "(0) 11 3241-5566", want: []w{ok("+551132415566", "001132415566", TypeFixed)}},                    // "(0)" is the trunk prefix
	{in: "(+1) 650 253 0000", want: []w{ok("+16502530000", "0016502530000", TypeForeign)}},

	// Two complete numbers separated only by a space or " - ".
	{in: "987654321 - 32415566", want: []w{
		fixed("+5547987654321", "0047987654321", TypeMobile, "added_default_ddd", "multiple_numbers"),
		fixed("+554732415566", "004732415566", TypeFixed, "added_default_ddd", "multiple_numbers")}},
	{in: "32418877 987651234", want: []w{
		fixed("+554732418877", "004732418877", TypeFixed, "added_default_ddd", "multiple_numbers"),
		fixed("+5547987651234", "0047987651234", TypeMobile, "added_default_ddd", "multiple_numbers")}},
	{in: "32418877 987651234", col: "62", want: []w{
		ok("+556232418877", "006232418877", TypeFixed, "ddd_from_column", "multiple_numbers"),
		ok("+5562987651234", "0062987651234", TypeMobile, "ddd_from_column", "multiple_numbers")}},
	{in: "(14) 3421-5678 3422-6789", want: []w{
		ok("+551434215678", "001434215678", TypeFixed, "multiple_numbers"),
		fixed("+551434226789", "001434226789", TypeFixed, "ddd_from_cell", "multiple_numbers")}},
	{in: "11 3241-5566 11 98123-4567", want: []w{
		ok("+551132415566", "001132415566", TypeFixed, "multiple_numbers"),
		ok("+5511981234567", "0011981234567", TypeMobile, "multiple_numbers")}},
	{in: "(11) 3241-5566 (21) 98123-4567", want: []w{
		ok("+551132415566", "001132415566", TypeFixed, "multiple_numbers"),
		ok("+5521981234567", "0021981234567", TypeMobile, "multiple_numbers")}},
	{in: "0xx11 3241-5566 – 98123-4567", want: []w{
		ok("+551132415566", "001132415566", TypeFixed, "multiple_numbers"),
		fixed("+5511981234567", "0011981234567", TypeMobile, "ddd_from_cell", "multiple_numbers")}},
	{in: "(11) 98765 4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile)}}, // one number in groups
	{in: "0 15 11 98765 4321", want: []w{ok("+5511987654321", "0011987654321", TypeMobile, "carrier_code_removed")}},

	// Several extensions of one number, never extra invalid results.
	{in: "(11) 3555-1200 (Ramais 210 e 215)", want: []w{ok("+551135551200", "001135551200", TypeFixed, "extension_split", "more_extensions").withExt("210")}},
	{in: "(11) 3555-1200 ramal 12 ou 13", want: []w{ok("+551135551200", "001135551200", TypeFixed, "extension_split", "more_extensions").withExt("12")}},
	{in: "3555-1200 ramais 10, 11 e 12", want: []w{fixed("+554735551200", "004735551200", TypeFixed, "added_default_ddd", "extension_split", "more_extensions").withExt("10")}},
	{in: "(11) 3555-1200 / ramal 12 e 13", want: []w{ok("+551135551200", "001135551200", TypeFixed, "extension_split", "more_extensions").withExt("12")}},
	{in: "(11) 3555-1200 / ramal 12", want: []w{ok("+551135551200", "001135551200", TypeFixed, "extension_split").withExt("12")}},
	{in: "(11) 3555-1200 ramal 12 / 3555-1201", want: []w{
		ok("+551135551200", "001135551200", TypeFixed, "extension_split", "multiple_numbers").withExt("12"),
		fixed("+551135551201", "001135551201", TypeFixed, "ddd_from_cell", "multiple_numbers")}},

	// A Brazilian DDD, in parentheses or in the column: what is wrong with
	// it as a Brazilian number, never a foreign suggestion.
	{in: "(33) 61234-5678", want: []w{bad("invalid_number")}}, // without "()": +33 6 12 34 56 78 (FR)?
	{in: "33612345678", col: "33", want: []w{bad("invalid_number")}},
	{in: "33612345678", col: "0", want: []w{bad("unknown_country")}}, // no DDD at all: the foreign reading is said

	// A parenthesised DDD followed by too few digits is too short.
	{in: "(47) 3333-44", want: []w{bad("too_short")}},
	{in: "(047) 3333-44", want: []w{bad("too_short")}},
	{in: "(0xx47) 98765-43", want: []w{bad("too_short")}},
	{in: "(47) 3333-44", col: "47", want: []w{bad("too_short")}},

	// List-shaped cells.
	{in: "[(21)3456-7890]", want: []w{ok("+552134567890", "002134567890", TypeFixed)}},
	{in: "[3811-2200,3811-2201]", want: []w{
		fixed("+554738112200", "004738112200", TypeFixed, "added_default_ddd", "multiple_numbers"),
		fixed("+554738112201", "004738112201", TypeFixed, "added_default_ddd", "multiple_numbers")}},
	{in: `["(21) 3456-7890", "(21) 98123-4567"]`, want: []w{
		ok("+552134567890", "002134567890", TypeFixed, "multiple_numbers"),
		ok("+5521981234567", "0021981234567", TypeMobile, "multiple_numbers")}},
	{in: "[]", want: nil},
	{in: "[ ]", want: nil},
}

func TestTrapSuggestions(t *testing.T) {
	p := profileFor(t, "", "")
	for _, c := range []struct{ cell, col, want string }{
		{"(11) 3555-1200 (Ramais 210 e 215)", "", "Outros ramais: 215"},
		{"3555-1200 ramais 10, 11 e 12", "", "Confirme: número sem DDD; usado o DDD padrão 47 → (47) 3555-1200; outros ramais: 11, 12"},
		{"(9) 32415566", "", "DDD (9) não existe: um DDD tem dois dígitos; confira o DDD"},
		{"(113) 3241-5566", "", "DDD (113) não existe: um DDD tem dois dígitos; confira o DDD"},
		{"(33) 61234-5678", "", sugInvalidNumber},
		{"33612345678", "33", sugInvalidNumber},
	} {
		got := p.NormalizeDDD(c.cell, c.col)
		if len(got) != 1 || got[0].Suggestion != c.want {
			t.Errorf("%q with DDD %q: %+v\nwant suggestion %q", c.cell, c.col, got, c.want)
		}
	}
	// Without the DDD, the same digits may be a foreign number written
	// without "+": that is still said.
	if got := p.Normalize("33 61234-5678"); len(got) != 1 || !got[0].Reasons.Has(UnknownCountry) {
		t.Errorf("33 61234-5678: %+v", got)
	}
}

// allVectors is every table: the general one, DDD columns, the traps.
func allVectors() []vector {
	return append(append(append([]vector(nil), vectors...), dddVectors...), trapVectors...)
}
