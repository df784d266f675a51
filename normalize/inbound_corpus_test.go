package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// inboundDDDs are the 67 assigned DDDs.
func inboundDDDs() []string {
	var ds []string
	for i := 10; i < 100; i++ {
		if dddTable[i] {
			ds = append(ds, fmt.Sprintf("%02d", i))
		}
	}
	return ds
}

// inboundForms renders a Brazilian national number (DDD + subscriber) in
// every way 3CX may send it.
func inboundForms(nat string) []string {
	fs := []string{
		nat, "0" + nat, "015" + nat, "021" + nat, "041" + nat, "012" + nat, "09015" + nat, "9015" + nat,
		"55" + nat, "+55" + nat, "0055" + nat, "00" + nat, "+" + nat, "005" + nat, "55" + "0" + nat, "+550" + nat,
		"0021" + "55" + nat, "0015" + nat, "5555" + nat, "000" + nat,
	}
	for _, n := range []int{6, 7, 8, 9, 10, 11} {
		if n <= len(nat) {
			fs = append(fs, nat[len(nat)-n:])
		}
	}
	return fs
}

// inboundCorpus: every DDD × landline / mobile / legacy 8-digit mobile /
// radio 7xxx × every form, the tenant format of every preset (the forms
// above cover them all: 00+nat, nat, 0+nat, +55nat, 55nat, 0055nat,
// 021nat), non-geographic and short numbers, foreign numbers, odd lengths.
func inboundCorpus() []string {
	rng := rand.New(rand.NewPCG(7, 8))
	digits := func(n int, first string) string {
		var b strings.Builder
		b.WriteByte(first[rng.IntN(len(first))])
		for i := 1; i < n; i++ {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	var c []string
	for _, ddd := range inboundDDDs() {
		subs := []string{
			"33334444", digits(8, "2345"), digits(8, "2345"), // landline
			"999887766", "9" + digits(8, "6789"), "9" + digits(8, "0123456789"), // mobile
			"88887777", digits(8, "6789"), // legacy 8-digit mobile
			"71234567", digits(8, "7"), // radio 7xxx
			digits(8, "01"), digits(9, "12345678"), digits(7, "0123456789"), // not numbers
		}
		for _, s := range subs {
			c = append(c, inboundForms(ddd+s)...)
		}
	}
	nongeo := []string{
		"8001234567", "8007071019", "800123456", "3001234567", "3031234567", "5001234567", "900123456", "9001234567",
		"40041234", "30031234", "40201234", "43701234", "48641234", "40001234", "30001234", "40011234",
	}
	for _, n := range nongeo {
		c = append(c, n, "0"+n, "55"+n, "+55"+n, "0055"+n, "00"+n, "550"+n, "+550"+n)
	}
	for _, s := range []string{"190", "192", "193", "102", "100", "112", "128", "911", "1234", "10315", "190190", "180", "147", "0190", "55190", "+55190"} {
		c = append(c, s, "0"+s, "00"+s, "55"+s, "+55"+s)
	}
	foreign := []string{
		"16502530000", "12125551234", "14165551234", "18005551234", "1650253000", "165025300001",
		"351211234567", "351912345678", "35121123456", "351912345",
		"442079460000", "447911123456", "44207946000", "4420794600001",
		"4930123456", "491711234567", "33123456789", "34609953751", "5491123456789", "595981123456",
		"861012345678", "81312345678", "7912345678", "79123456789", "39061234567", "390612345678",
	}
	for _, f := range foreign {
		c = append(c, f, "+"+f, "00"+f, "0021"+f, "0015"+f, "000"+f, "0"+f)
	}
	for n := 1; n <= 20; n++ {
		for i := 0; i < 30; i++ {
			d := digits(n, "0123456789")
			c = append(c, d, "+"+d, "0"+d, "00"+d, "55"+d)
		}
	}
	c = append(c, inboundSeeds...)
	return c
}

// inboundSeeds are the fuzz seeds and the inputs of TestInbound.
var inboundSeeds = []string{
	"+5547999999999", "0047999999999", "33334444", "88887777", "16502530000", "+1", "0", "5540041234", "1171234567", "0xx", "+55 11",
	"5547999999999", "005547999999999", "047999999999", "01547999999999", "47999999999", "4733334444", "4788887777",
	"08001234567", "+16502530000", "0016502530000", "94733334444", "190", "0000",
	"5547999887766", "554733334444", "0047999887766", "47999887766", "+5547999887766", "047999887766", "999887766",
	"", "+", "11 3333-4444", "abc", "++5511", "5511x", "+55+11", "00", "55", "+55", "+0", "0055", "000000000000000000000",
}

// inboundProfiles: DDD 47 with every preset, no DDD, other DDDs, custom formats.
func inboundProfiles(t testing.TB) []Profile {
	ps := []Profile{profileFor(t, "-", ""), profileFor(t, "11", ""), profileFor(t, "55", ""), profileFor(t, "49", "digits")}
	names := make([]string, 0, len(Presets))
	for k := range Presets {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ps = append(ps, profileFor(t, "", k))
	}
	return append(ps, diffProfiles(t)[3:]...)
}

func lookupString(lk Lookup, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	return fmt.Sprintf("%q %q", lk.Candidates, lk.Suffix)
}

// TestInboundCorpus: Inbound gives exactly the reference's answer on the
// whole corpus, for every profile; and the reference still gives what it
// gave when the corpus was recorded (inboundCorpusDigest).
func TestInboundCorpus(t *testing.T) {
	corpus := inboundCorpus()
	ps := inboundProfiles(t)
	if testing.Short() || raceEnabled {
		ps = ps[:4]
	}
	h := sha256.New()
	fails := 0
	for _, p := range ps {
		fmt.Fprintf(h, "profile %s %s\n", p.DDD, p.Format.Spec())
		for _, s := range corpus {
			want, werr := p.inboundRef(s)
			got, gerr := p.Inbound(s)
			ws := lookupString(want, werr)
			fmt.Fprintf(h, "%s => %s\n", s, ws)
			if !reflect.DeepEqual(got, want) || lookupString(got, gerr) != ws {
				if fails++; fails <= 20 {
					t.Errorf("Inbound(%q) (ddd %q, fmt %s) = %s; reference %s", s, p.DDD, p.Format, lookupString(got, gerr), ws)
				}
			}
		}
	}
	t.Logf("%d inputs × %d profiles", len(corpus), len(ps))
	if len(ps) == len(inboundProfiles(t)) {
		if sum := hex.EncodeToString(h.Sum(nil)); sum != inboundCorpusDigest {
			t.Errorf("the reference's answers on the corpus changed: digest %s, recorded %s (libphonenumber metadata or the corpus changed?)", sum, inboundCorpusDigest)
		}
	}
}

// inboundCorpusDigest is the SHA-256 of the reference's answers on the
// corpus, recorded with the implementation of Inbound before the fast path
// (RulesVersion 1+lpn9.0.36).
const inboundCorpusDigest = "23459c108d2d710f0eca5673e9d6e458aa3d4f773c91fe54b679b068f789ae4f"
