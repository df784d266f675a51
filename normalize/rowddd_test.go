package normalize

import (
	"reflect"
	"testing"
)

// dddVectors are cells read with the DDD of their row (NormalizeDDD),
// written from the numbering plan with synthetic numbers; the tenant's
// default DDD is 47 unless the vector says otherwise.
var dddVectors = []vector{
	// The column's DDD, however it is written, for a number without one.
	{in: "3241-5566", col: "62", want: []w{ok("+556232415566", "006232415566", TypeFixed, "ddd_from_column")}},
	{in: "98123-4567", col: "062", want: []w{ok("+5562981234567", "0062981234567", TypeMobile, "ddd_from_column")}},
	{in: "3241 5566", col: "0xx21", want: []w{ok("+552132415566", "002132415566", TypeFixed, "ddd_from_column")}},
	{in: "3241-5566", col: "(62)", want: []w{ok("+556232415566", "006232415566", TypeFixed, "ddd_from_column")}},
	{in: "32415566", col: "62.0", want: []w{ok("+556232415566", "006232415566", TypeFixed, "ddd_from_column")}},
	{in: "8123-4567", col: "021", want: []w{fixed("+5521981234567", "0021981234567", TypeMobile, "added_ninth_digit", "ddd_from_column")}},
	{in: "3241-5566", col: "62", ddd: "-", want: []w{ok("+556232415566", "006232415566", TypeFixed, "ddd_from_column")}},
	// A DDD cell that holds no DDD: as if the column did not exist.
	{in: "3241-5566", col: "0", want: []w{fixed("+554732415566", "004732415566", TypeFixed, "added_default_ddd")}},
	{in: "3241-5566", col: "00", want: []w{fixed("+554732415566", "004732415566", TypeFixed, "added_default_ddd")}},
	{in: "3241-5566", col: "**", want: []w{fixed("+554732415566", "004732415566", TypeFixed, "added_default_ddd")}},
	{in: "3241-5566", col: "SP", ddd: "-", want: []w{bad("missing_ddd")}},
	// Digits that are no DDD: never the tenant's default instead.
	{in: "3241-5566", col: "9", want: []w{bad("invalid_ddd")}},
	{in: "3241-5566", col: "20", want: []w{bad("invalid_ddd")}},
	{in: "(11) 3241-5566", col: "20", want: []w{ok("+551132415566", "001132415566", TypeFixed)}},
	// A DDD split between the column and the cell, as a public registry
	// exports it: the row's digits in order, when they make one number.
	{in: "121035858", col: "03", want: []w{fixed("+553121035858", "003121035858", TypeFixed, "ddd_split")}},
	{in: "1 2103-5858", col: "3", want: []w{fixed("+553121035858", "003121035858", TypeFixed, "ddd_split")}},
	{in: "935251814", col: "09", want: []w{fixed("+559935251814", "009935251814", TypeFixed, "ambiguous", "ddd_split")}}, // or (99) 93525-1814
	{in: "98765-4321", col: "01", want: []w{bad("invalid_ddd")}},                                                         // (19) 8765-4321 would need a ninth digit
	{in: "18765-4321", col: "01", want: []w{bad("too_short")}},                                                           // (11) 8765-4321 would need a ninth digit too
	{in: "22432032", col: "01", want: []w{bad("invalid_ddd")}},                                                           // 12 243-2032 has a 7-digit subscriber
	{in: "(1) 21035858", col: "03", want: []w{bad("invalid_ddd")}},
	{in: "021035858", col: "03", want: []w{bad("invalid_ddd")}},
	// Every number of the cell without a DDD of its own takes the column's.
	{in: "32417788/ 98123-4567", col: "62", want: []w{
		ok("+556232417788", "006232417788", TypeFixed, "ddd_from_column", "multiple_numbers"),
		ok("+5562981234567", "0062981234567", TypeMobile, "ddd_from_column", "multiple_numbers")}},
	{in: "3241-7788 / 3241-7789", col: "62", want: []w{
		ok("+556232417788", "006232417788", TypeFixed, "ddd_from_column", "multiple_numbers"),
		ok("+556232417789", "006232417789", TypeFixed, "ddd_from_column", "multiple_numbers")}},
	// A DDD of its own that agrees with the column: nothing to say.
	{in: "(62) 3241-5566", col: "62", want: []w{ok("+556232415566", "006232415566", TypeFixed)}},
	{in: "6232415566", col: "62", want: []w{ok("+556232415566", "006232415566", TypeFixed)}},
	// One that contradicts it: both readings, never silently one.
	{in: "9981234567", col: "75", want: []w{fixed("+5599981234567", "0099981234567", TypeMobile, "added_ninth_digit", "ambiguous")}},
	{in: "(21) 3241-5566", col: "62", want: []w{fixed("+552132415566", "002132415566", TypeFixed, "ambiguous")}},
	{in: "+55 21 98123-4567", col: "62", want: []w{fixed("+5521981234567", "0021981234567", TypeMobile, "ambiguous")}},
	{in: "(14) 3421-5678 / 3422-6789", col: "62", want: []w{
		fixed("+551434215678", "001434215678", TypeFixed, "ambiguous", "multiple_numbers"),
		ok("+556234226789", "006234226789", TypeFixed, "ddd_from_column", "multiple_numbers")}},
	// Numbers without a DDD in the plan keep none; a nationwide number with
	// the row's DDD is a landline of that DDD, as (62) 4004-1234 is.
	{in: "0800 123 4567", col: "62", want: []w{ok("+558001234567", "08001234567", TypeTollFree)}},
	{in: "190", col: "62", want: []w{ok("+55190", "190", TypeShortCode)}},
	{in: "4004-1234", col: "62", want: []w{ok("+556240041234", "006240041234", TypeFixed, "ddd_from_column")}},
	{in: "4004-1234", col: "0", want: []w{ok("+5540041234", "40041234", TypeSharedCost)}},
	{in: "4004-1234", want: []w{ok("+5540041234", "40041234", TypeSharedCost)}},

	// Without a DDD column, a number without DDD takes the DDD of the
	// previous number of the cell (else of the next one); the tenant's
	// default only when no number of the cell has a DDD.
	{in: "(14) 3421-5678 / 3422-6789", want: []w{
		ok("+551434215678", "001434215678", TypeFixed, "multiple_numbers"),
		fixed("+551434226789", "001434226789", TypeFixed, "ddd_from_cell", "multiple_numbers")}},
	{in: "(14) 3421-5678 / 8422-6789", want: []w{
		ok("+551434215678", "001434215678", TypeFixed, "multiple_numbers"),
		fixed("+5514984226789", "0014984226789", TypeMobile, "added_ninth_digit", "ddd_from_cell", "multiple_numbers")}},
	{in: "3421-5678 / (14) 3422-6789", want: []w{
		fixed("+551434215678", "001434215678", TypeFixed, "ddd_from_cell", "multiple_numbers"),
		ok("+551434226789", "001434226789", TypeFixed, "multiple_numbers")}},
	{in: "(14) 3421-5678 / 3422-6789 / (16) 3610-2020 / 3610-2021", want: []w{
		ok("+551434215678", "001434215678", TypeFixed, "multiple_numbers"),
		fixed("+551434226789", "001434226789", TypeFixed, "ddd_from_cell", "multiple_numbers"),
		ok("+551636102020", "001636102020", TypeFixed, "multiple_numbers"),
		fixed("+551636102021", "001636102021", TypeFixed, "ddd_from_cell", "multiple_numbers")}},
	{in: "3421-5678 / 3422-6789", want: []w{
		fixed("+554734215678", "004734215678", TypeFixed, "added_default_ddd", "multiple_numbers"),
		fixed("+554734226789", "004734226789", TypeFixed, "added_default_ddd", "multiple_numbers")}},
	{in: "3421-5678 / 3422-6789", ddd: "-", want: []w{bad("missing_ddd", "multiple_numbers"), bad("missing_ddd", "multiple_numbers")}},
}

func TestNormalizeDDDSuggestions(t *testing.T) {
	p := profileFor(t, "", "")
	for _, c := range []struct{ cell, col, want string }{
		{"9981234567", "75", "Confirme: celular antigo com 8 dígitos; acrescentado o 9; o DDD do número (99) difere do DDD da coluna de DDD (75); pela coluna seria (75) 98123-4567 → (99) 98123-4567"},
		{"(21) 3241-5566", "62", "Confirme: o DDD do número (21) difere do DDD da coluna de DDD (62); pela coluna seria (62) 3241-5566 → (21) 3241-5566"},
		{"3241-5566", "9", "DDD 9 da coluna de DDD não existe: confira o DDD"},
		{"3241-5566", "123", "DDD 123 da coluna de DDD não existe: confira o DDD"},
		{"121035858", "03", "Confirme: DDD dividido entre a coluna de DDD e o número; lido o DDD 31 → (31) 2103-5858"},
		{"935251814", "09", "Confirme: DDD dividido entre a coluna de DDD e o número; lido o DDD 99; também pode ser lido como (99) 93525-1814 (celular) → (99) 3525-1814"},
		{"(14) 3421-5678 / 3422-6789", "", "Confirme: número sem DDD; usado o DDD 14 de outro número da célula → (14) 3422-6789"},
	} {
		got := p.NormalizeDDD(c.cell, c.col)
		if len(got) == 0 || got[len(got)-1].Suggestion != c.want {
			t.Errorf("%q with DDD %q: %+v\nwant suggestion %q", c.cell, c.col, got, c.want)
		}
	}
}

// TestNormalizeDDDNoDDD: a DDD cell that holds no DDD reads every cell
// exactly as Normalize does.
func TestNormalizeDDDNoDDD(t *testing.T) {
	for _, p := range diffProfiles(t) {
		for _, c := range allCells() {
			want := p.Normalize(c)
			for _, col := range []string{"", " ", "0", "00", "000", "**", "SP", "xx", "-", "n/a", "0xx"} {
				if got := p.NormalizeDDD(c, col); !reflect.DeepEqual(got, want) {
					t.Errorf("%q with DDD cell %q:\n got %+v\nwant %+v", c, col, got, want)
				}
			}
		}
	}
}

func TestAppendNormalizeDDDReuses(t *testing.T) {
	p := profileFor(t, "-", "")
	dst := p.AppendNormalizeDDD(nil, "(11) 3333-4444", "")
	dst = p.AppendNormalizeDDD(dst, "3241-5566 / 98123-4567", "62")
	if len(dst) != 3 || dst[0].E164 != "+551133334444" || dst[1].E164 != "+556232415566" || dst[2].E164 != "+5562981234567" {
		t.Fatalf("%+v", dst)
	}
}

// dddCols are DDD cells the differential and invariant tests read every
// cell with.
var dddCols = []string{"62", "011", "0xx21", "9", "20", "0", "75"}

// TestDifferentialDDD: with a DDD column too, wherever the tables answer
// libphonenumber gives the same results.
func TestDifferentialDDD(t *testing.T) {
	cells := allCells()
	for _, v := range dddVectors {
		cells = append(cells, v.in)
	}
	for _, p := range diffProfiles(t)[:3] {
		for _, c := range cells {
			for _, col := range dddCols {
				diffCellDDD(t, p, c, col)
			}
		}
	}
}

func diffCellDDD(t testing.TB, p Profile, cell, col string) {
	t.Helper()
	var a, b cellDDD
	a.column(col)
	b.column(col)
	fast, ok := p.appendNormalizeDDD(nil, cell, modeFast, &a)
	if !ok {
		return
	}
	slow, _ := p.appendNormalizeDDD(nil, cell, modeSlow, &b)
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("fast and slow paths differ for %q with DDD %q (profile %s %s):\nfast %+v\nslow %+v", cell, col, p.DDD, p.Format, fast, slow)
	}
	for _, r := range fast {
		checkLPN(t, cell, r)
	}
}

func TestColumnDDD(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want colState
		ddd  string
	}{
		{"62", colValid, "62"}, {" 62 ", colValid, "62"}, {"062", colValid, "62"}, {"0062", colValid, "62"},
		{"0xx62", colValid, "62"}, {"0XX62", colValid, "62"}, {"(62)", colValid, "62"}, {"(062)", colValid, "62"},
		{"62.0", colValid, "62"}, {`"62"`, colValid, "62"},
		{"", colNone, ""}, {"0", colNone, ""}, {"00", colNone, ""}, {"**", colNone, ""}, {"SP", colNone, ""},
		{"-", colNone, ""}, {"6 2", colNone, ""}, {"0xx", colNone, ""},
		{"9", colBad, "9"}, {"20", colBad, "20"}, {"123", colBad, "123"}, {"09", colBad, "9"},
	} {
		var dd cellDDD
		dd.column(c.raw)
		got := string(dd.colDDD[:])
		if dd.col == colBad {
			got = dd.colText
		} else if dd.col == colNone {
			got = ""
		}
		if dd.col != c.want || got != c.ddd {
			t.Errorf("DDD cell %q: state %d %q, want %d %q", c.raw, dd.col, got, c.want, c.ddd)
		}
	}
}
