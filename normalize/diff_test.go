package normalize

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers/v2"
)

// The differential test: wherever the fast path (the plan's tables)
// answers, the slow path (libphonenumber as the oracle) must give the same
// results, and libphonenumber itself must agree with every valid number we
// return: E.164, validity and type.

func diffProfiles(t testing.TB) []Profile {
	return []Profile{
		profileFor(t, "", ""),                 // DDD 47, the seed's mask
		profileFor(t, "-", ""),                // no default DDD
		profileFor(t, "11", "e164"),           // E.164 dialling
		profileFor(t, "55", "9{ddd}{number}"), // DDD 55 (also a country code), a custom prefix
		profileFor(t, "21", "csp21"),          // carrier code in the dial string
		profileFor(t, "-", "{ddd}{number};intl=000{cc}{national}"),
	}
}

// diffCell compares both paths on one cell; it reports whether the fast
// path answered.
func diffCell(t testing.TB, p Profile, cell string) bool {
	t.Helper()
	fast, ok := p.appendNormalize(nil, cell, modeFast)
	if !ok {
		return false
	}
	slow, _ := p.appendNormalize(nil, cell, modeSlow)
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("fast and slow paths differ for %q (profile %s %s):\nfast %+v\nslow %+v", cell, p.DDD, p.Format, fast, slow)
	}
	for _, r := range fast {
		checkLPN(t, cell, r)
	}
	return true
}

// checkLPN asks libphonenumber directly about a valid result.
func checkLPN(t testing.TB, cell string, r Result) {
	t.Helper()
	if r.Status == StatusInvalid {
		return
	}
	num, err := phonenumbers.Parse(r.E164, "ZZ")
	if err != nil {
		t.Errorf("%q: libphonenumber cannot parse our E.164 %q: %v", cell, r.E164, err)
		return
	}
	if got := phonenumbers.Format(num, phonenumbers.E164); got != r.E164 {
		t.Errorf("%q: libphonenumber formats %q as %q", cell, r.E164, got)
	}
	if r.Type == TypeShortCode {
		if !phonenumbers.IsValidShortNumberForRegion(num, "BR") {
			t.Errorf("%q: %s is not a valid short code for libphonenumber", cell, r.E164)
		}
		return
	}
	if !phonenumbers.IsValidNumber(num) {
		t.Errorf("%q: %s (%s) is not valid for libphonenumber", cell, r.E164, r.Status)
		return
	}
	want := TypeForeign
	if num.GetCountryCode() == 55 {
		want = lpnType(phonenumbers.GetNumberType(num))
	}
	if r.Type != want {
		t.Errorf("%q: %s typed %s, libphonenumber says %s", cell, r.E164, r.Type, want)
	}
}

// extraCells widen the differential corpus beyond the table.
var extraCells = []string{
	"47 3333 4444", "4733334444", "554733334444", "+554733334444", "00554733334444", "0554733334444",
	"047 98888 7777", "(47) 98888-7777", "+55 47 98888-7777", "47988887777", "0 41 47 98888-7777",
	"3003 1234", "0800 704 1019", "08007071019", "0300 789 1234", "4004 0001", "(11) 4004-0001",
	"+55 11 4004-0001", "(61) 3966-8300", "61 39668300", "(11) 36251934", "(11) 992768289", "(14) 34342248",
	"(14) 997710106", "+34 609 953 751", "+34 93 325 0914", "3231159088324692", "0xx47 3333-4444",
	"0XX 47 98888 7777", "(00) 0000-0000", "11111111", "99999999999", "+55", "+", "()", "-", "0800",
	"4004", "190190", "1234", "10315", "100", "128", "55", "5555", "55 5555-5555", "5555555555",
	"5555 5555", "55 55 5555-5555", "00 55 55 5555 5555", "0021 55 11 3333 4444", "0055", "00",
	"(11) 7777-6666", "(47) 7123-4567", "0047 7123 4567", "7777-6666", "(99) 3333-4444", "(99) 99999-9999",
	"(21) 2222-3333", "(19) 5555-4444", "(33) 5123-4567", "(11) 2000-0000", "0 99 11 98765 4321",
	"0 12 11 3333 4444", "0 13 11 3333 4444", "90 21 11 3333 4444", "9021113333444", "(11) 3333-4444 ramal",
	"ramal 123", "r. 123", "x", "#", ";ext=1", "11 3333-4444 ramal 12345678", "+55 11 3333-4444 / 4445 / 46",
	"11 3333 4444 11 98765 4321", "(11) 98765-4321 (comercial) / (11) 3333-4444 (residencial)",
	"\x00(11)\x01 3333\u2013 4444", "(11) 3333-4444\xff", "１１３３３３４４４４", "٠١١٣٣٣٣٤٤٤٤",
	"5.5E+12", "1E5", "e10", "12.0", "11987654321.00", "11987654321.5",
}

func allCells() []string {
	cells := append([]string(nil), extraCells...)
	for _, v := range vectors {
		cells = append(cells, v.in)
	}
	return cells
}

func TestDifferentialVectors(t *testing.T) {
	answered, total := 0, 0
	for _, p := range diffProfiles(t) {
		for _, c := range allCells() {
			total++
			if diffCell(t, p, c) {
				answered++
			}
		}
	}
	t.Logf("fast path answered %d of %d cell×profile pairs", answered, total)
}

// genCell builds a random cell in the shapes CRM staff type.
func genCell(rng *rand.Rand) string {
	digits := func(n int, first string) string {
		var b strings.Builder
		b.WriteByte(first[rng.IntN(len(first))])
		for i := 1; i < n; i++ {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	ddd := digits(2, "123456789")
	var sub string
	switch rng.IntN(6) {
	case 0:
		sub = digits(8, "2345")
	case 1:
		sub = digits(9, "9")
	case 2:
		sub = digits(8, "6789")
	case 3:
		sub = digits(8+rng.IntN(2), "0123456789")
	case 4:
		sub = digits(8, "7")
	default:
		sub = digits(rng.IntN(12)+1, "0123456789")
	}
	split := func(s string) string {
		if len(s) < 8 || rng.IntN(2) == 0 {
			return s
		}
		k := len(s) - 4
		return s[:k] + []string{"-", " ", ".", ""}[rng.IntN(4)] + s[k:]
	}
	prefix := []string{"", "", "", "0", "0xx", "+55 ", "55", "0055 ", "00", "0 15 ", "0 21 ", "90 15 ", "+", "00 21 "}[rng.IntN(14)]
	var cell string
	switch rng.IntN(8) {
	case 0:
		cell = split(sub)
	case 1:
		cell = prefix + ddd + split(sub)
	case 2:
		cell = prefix + "(" + ddd + ") " + split(sub)
	case 3:
		cell = "0" + []string{"800", "300", "303", "500", "900"}[rng.IntN(5)] + " " + digits(3, "0123456789") + " " + digits(3+rng.IntN(2), "0123456789")
	case 4:
		cell = []string{"3003", "4003", "4004", "4020", "4370", "4864", "4001", "3000"}[rng.IntN(8)] + "-" + digits(4, "0123456789")
	case 5:
		cell = prefix + digits(3+rng.IntN(12), "0123456789")
	default:
		cell = prefix + ddd + " " + split(sub)
	}
	switch rng.IntN(10) {
	case 0:
		cell += " ramal " + digits(1+rng.IntN(4), "123456789")
	case 1:
		cell += " / " + ddd + " " + split(digits(8, "2345"))
	case 2:
		cell += " / " + digits(4, "0123456789")
	}
	return cell
}

func TestDifferentialGenerated(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 500
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ps := diffProfiles(t)
	answered := 0
	for i := 0; i < n; i++ {
		if diffCell(t, ps[i%len(ps)], genCell(rng)) {
			answered++
		}
	}
	t.Logf("fast path answered %d of %d generated cells", answered, n)
	if answered < n*6/10 {
		t.Errorf("the fast path answered only %d of %d generated cells", answered, n)
	}
}

// TestFastBRAgreesWithLPN compares the tables with libphonenumber for every
// leading-digit pattern the metadata distinguishes (four digits) at every
// length, with random tails.
func TestFastBRAgreesWithLPN(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	step := 1
	if testing.Short() || raceEnabled {
		step = 7
	}
	var buf [16]byte
	for prefix := 0; prefix < 10000; prefix += step {
		for n := 1; n <= 13; n++ {
			nsn := buf[:n]
			p := []byte{byte('0' + prefix/1000), byte('0' + prefix/100%10), byte('0' + prefix/10%10), byte('0' + prefix%10)}
			for i := range nsn {
				if i < 4 {
					nsn[i] = p[i]
				} else {
					nsn[i] = byte('0' + rng.IntN(10))
				}
			}
			ft, fv := fastBR(nsn)
			if fv == vUnsure {
				continue
			}
			st, sv := lpnBR(nsn)
			if ft != st || fv != sv {
				t.Errorf("nsn %s: tables say %s/%d, libphonenumber %s/%d", nsn, ft, fv, st, sv)
			}
		}
	}
	for c := 0; c < 1000; c++ {
		nsn := []byte{byte('0' + c/100), byte('0' + c/10%10), byte('0' + c%10)}
		if ft, fv := fastBR(nsn); fv != vUnsure {
			if st, sv := lpnBR(nsn); ft != st || fv != sv {
				t.Errorf("short %s: tables say %s/%d, libphonenumber %s/%d", nsn, ft, fv, st, sv)
			}
		}
	}
}

// TestLPNParsesOurOKCells: where libphonenumber alone reads a plain cell as
// a valid number, our ok result is the same number.
func TestLPNParsesOurOKCells(t *testing.T) {
	p := profileFor(t, "", "")
	for _, c := range allCells() {
		rs := p.Normalize(c)
		if len(rs) != 1 || rs[0].Status != StatusOK || rs[0].Type == TypeShortCode || strings.HasPrefix(strings.TrimLeft(c, " ("), "00") {
			continue
		}
		num, err := phonenumbers.Parse(c, "BR")
		if err != nil || !phonenumbers.IsValidNumber(num) {
			continue
		}
		if got := phonenumbers.Format(num, phonenumbers.E164); got != rs[0].E164 {
			t.Errorf("%q: libphonenumber reads %s, we read %s", c, got, rs[0].E164)
		}
	}
}

var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{2,15}$`)
var dialRE = regexp.MustCompile(`^\+?[0-9]{3,24}$`)

// checkInvariants holds for every cell and profile.
func checkInvariants(t testing.TB, p Profile, cell string, res []Result) {
	t.Helper()
	trimmed := trimCell(cell)
	if trimmed == "" {
		if res != nil {
			t.Fatalf("blank cell %q gave %+v", cell, res)
		}
		return
	}
	if len(res) < 1 || len(res) > MaxNumbersPerCell {
		t.Fatalf("%q: %d results", cell, len(res))
	}
	for _, r := range res {
		if r.Reasons&^allReasons != 0 {
			t.Errorf("%q: undefined reason bits %x", cell, uint32(r.Reasons))
		}
		if len(r.Input) > MaxCellBytes || (len(trimmed) <= MaxCellBytes && !strings.Contains(trimmed, r.Input)) {
			t.Errorf("%q: Input %q is not part of the cell", cell, r.Input)
		}
		if r.Extension != "" && (len(r.Extension) > maxExtDigits || strings.Trim(r.Extension, "0123456789") != "" || !r.Reasons.Has(ExtensionSplit)) {
			t.Errorf("%q: extension %q", cell, r.Extension)
		}
		switch r.Status {
		case StatusInvalid:
			if r.E164 != "" || r.Dial != "" || r.Type != TypeUnknown || r.Suggestion == "" || r.Reasons == 0 {
				t.Errorf("%q: inconsistent invalid result %+v", cell, r)
			}
			continue
		case StatusOK:
			if (r.Suggestion != "") != r.Reasons.Has(MoreExtensions) {
				t.Errorf("%q: ok with a suggestion %+v", cell, r)
			}
		case StatusFixed:
			if r.Suggestion == "" || !utf8.ValidString(r.Suggestion) {
				t.Errorf("%q: fixed without a suggestion %+v", cell, r)
			}
		default:
			t.Fatalf("%q: status %q", cell, r.Status)
		}
		if !e164RE.MatchString(r.E164) || !dialRE.MatchString(r.Dial) || r.Type == TypeUnknown {
			t.Errorf("%q: malformed valid result %+v", cell, r)
			continue
		}
		// Idempotent: our own E.164 reads back as the same number.
		again := p.Normalize(r.E164)
		if len(again) != 1 || again[0].E164 != r.E164 || again[0].Status == StatusInvalid {
			t.Errorf("%q: E.164 %s reads back as %+v", cell, r.E164, again)
		}
		if r.Type == TypeForeign {
			continue // a foreign dial string may also be a Brazilian one ("0047…")
		}
		// The dial string reads back as the same number, as cell and from 3CX.
		if again := p.Normalize(r.Dial); len(again) != 1 || again[0].E164 != r.E164 {
			t.Errorf("%q: dial string %s reads back as %+v", cell, r.Dial, again)
		}
		if lk, err := p.Inbound(r.Dial); err != nil || len(lk.Candidates) == 0 || lk.Candidates[0] != r.E164 {
			t.Errorf("%q: Inbound(%s) = %+v, %v; want %s first", cell, r.Dial, lk, err, r.E164)
		}
		if d := p.DialString(r.E164); d != r.Dial {
			t.Errorf("%q: DialString(%s) = %q, Dial %q", cell, r.E164, d, r.Dial)
		}
	}
}

func TestInvariantsVectors(t *testing.T) {
	for _, p := range diffProfiles(t) {
		for _, c := range allCells() {
			checkInvariants(t, p, c, p.Normalize(c))
		}
	}
}

// FuzzNormalize: no panic, bounded work, the invariants, and the
// differential check on any input. Its seed corpus runs in every
// `go test`; run it for real with
//
//	go test -run='^$' -fuzz='^FuzzNormalize$' -fuzztime=30s ./normalize/
func FuzzNormalize(f *testing.F) {
	for _, c := range allCells() {
		f.Add(c)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200; i++ {
		f.Add(genCell(rng))
	}
	ps := diffProfiles(f)
	f.Fuzz(func(t *testing.T, cell string) {
		for _, p := range ps {
			checkInvariants(t, p, cell, p.Normalize(cell))
			diffCell(t, p, cell)
		}
	})
}

// FuzzInbound: digits or an error; the same answer as the reference
// (inboundRef, which asks libphonenumber), for several profiles; every
// candidate is valid for libphonenumber.
//
//	go test -run='^$' -fuzz='^FuzzInbound$' -fuzztime=30s ./normalize/
func FuzzInbound(f *testing.F) {
	for _, s := range inboundSeeds {
		f.Add(s)
	}
	for _, s := range inboundForms("47999887766") {
		f.Add(s)
	}
	for _, s := range inboundForms("1133334444") {
		f.Add(s)
	}
	ps := append([]Profile{profileFor(f, "", "")}, inboundProfiles(f)[:4]...)
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range ps {
			lk, err := p.Inbound(s)
			want, werr := p.inboundRef(s)
			if !reflect.DeepEqual(lk, want) || lookupString(lk, err) != lookupString(want, werr) {
				t.Fatalf("Inbound(%q) (ddd %q, fmt %s) = %s; reference %s", s, p.DDD, p.Format, lookupString(lk, err), lookupString(want, werr))
			}
			if err != nil {
				if !errors.Is(err, ErrNotDigits) {
					t.Fatalf("Inbound(%q): %v", s, err)
				}
				return
			}
			for _, c := range lk.Candidates {
				num, err := phonenumbers.Parse(c, "ZZ")
				if err != nil || phonenumbers.Format(num, phonenumbers.E164) != c ||
					!(phonenumbers.IsValidNumber(num) || phonenumbers.IsValidShortNumberForRegion(num, "BR")) {
					t.Errorf("Inbound(%q): candidate %s is not valid", s, c)
				}
			}
			if lk.Suffix != "" && !strings.HasSuffix(s, lk.Suffix) {
				t.Errorf("Inbound(%q): suffix %q", s, lk.Suffix)
			}
		}
	})
}

// FuzzDialFormat: any spec parses or fails cleanly, and round-trips.
//
//	go test -run='^$' -fuzz='^FuzzDialFormat$' -fuzztime=30s ./normalize/
func FuzzDialFormat(f *testing.F) {
	for _, s := range Presets {
		f.Add(s)
	}
	for _, s := range []string{"", "default", "9{ddd}{number}", "0{csp}{ddd}{number};csp=15", "{national};intl=+{cc}{national}", "{", "}{", ";;", "=;="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		df, err := ParseDialFormat(spec)
		if err != nil {
			if !errors.Is(err, ErrDialFormat) {
				t.Fatalf("%q: %v", spec, err)
			}
			return
		}
		back, err := ParseDialFormat(df.String())
		if err != nil || back.Spec() != df.Spec() || back.String() != df.String() {
			t.Fatalf("%q: String %q does not round-trip: %v", spec, df.String(), err)
		}
		p := Profile{DDD: "47", Format: df}
		for _, c := range []string{"(47) 3333-4444", "+1 650 253 0000", "0800 123 4567"} {
			checkInvariants(t, p, c, p.Normalize(c))
		}
	})
}
