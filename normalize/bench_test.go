package normalize

import (
	"runtime"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers/v2"
)

// benchMix is a realistic mix of Brazilian CRM cells: mostly well-formed
// landlines and mobiles in the usual spellings, some in the seed's "00"
// mask, a few legacy 8-digit mobiles and numbers without DDD, toll-free,
// nationwide and emergency numbers, extensions, two numbers in a cell and
// the usual fillers.
var benchMix = []string{
	"(47) 3333-4444", "(11) 98765-4321", "(21) 2222-3333", "(11) 3625-1934", "(14) 99771-0106",
	"47 3433-2211", "47 99912-3456", "11987654321", "4733334444", "(61) 3966-8300",
	"+55 11 98765-4321", "+55 (47) 3333-4444", "+5548999887766", "5511987654321", "55 41 3322-1100",
	"011 98765 4321", "(047) 3433-2211", "0xx11 3333-4444", "0 15 11 98765-4321", "0047999999999",
	"004733334444", "(19) 3231-1590", "(31) 99876-5432", "(51) 3212-3434", "(85) 98811-2233",
	"(11) 8765-4321", "8765-4321", "3433-2211", "99912-3456", "0800 123 4567",
	"4004-1234", "08007071019", "190", "(11) 3333-4444 ramal 123", "11 98765-4321 / 11 3333-4444",
	"(21) 3938-7723 (Museu)", "***", "0000-0000", "(20) 3333-4444", "5.511987654321E+12",
	"", "(11) 3333-4444 / 4445", "(62) 3241-5566", "(71) 3012-4455", "(92) 99123-4567",
	"(48) 3025-1122", "(41) 3333-2222", "(27) 3322-1144", "(81) 3456-7890", "(16) 3610-2020",
}

func mixNumbers(p Profile) int {
	n := 0
	for _, c := range benchMix {
		n += len(p.Normalize(c))
	}
	return n
}

// TestBenchMixIsFast: every cell of the benchmark mix takes the fast path,
// so the benchmark measures it.
func TestBenchMixIsFast(t *testing.T) {
	p := profileFor(t, "", "")
	for _, c := range benchMix {
		if _, ok := p.appendNormalize(nil, c, modeFast); !ok {
			t.Errorf("%q leaves the fast path", c)
		}
	}
}

// TestFastPathAllocs: at most two allocations per number on the fast path
// (E164 and Dial share one; a fixed number's suggestion is the second).
func TestFastPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	p := profileFor(t, "", "")
	dst := make([]Result, 0, 16)
	for _, c := range benchMix {
		n := len(p.Normalize(c))
		allocs := testing.AllocsPerRun(50, func() { dst = p.AppendNormalize(dst[:0], c) })
		if n > 0 && allocs > float64(2*n) {
			t.Errorf("%q: %.1f allocations for %d numbers", c, allocs, n)
		}
	}
}

func BenchmarkNormalizeMix(b *testing.B) {
	p := profileFor(b, "", "")
	numbers := mixNumbers(p)
	dst := make([]Result, 0, 16)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range benchMix {
			dst = p.AppendNormalize(dst[:0], c)
		}
	}
	b.StopTimer()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms1)
	total := float64(numbers) * float64(b.N)
	b.ReportMetric(total/elapsed.Seconds(), "numbers/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/number")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/total, "allocs/number")
}

// BenchmarkLibphonenumberMix: libphonenumber alone on the same cells
// (Parse + IsValidNumber + Format(E164) + GetNumberType), one number per
// cell, for the ratio.
func BenchmarkLibphonenumberMix(b *testing.B) {
	p := profileFor(b, "", "")
	numbers := mixNumbers(p)
	start := time.Now()
	var sink string
	for b.Loop() {
		for _, c := range benchMix {
			num, err := phonenumbers.Parse(c, "BR")
			if err != nil {
				continue
			}
			if phonenumbers.IsValidNumber(num) {
				sink = phonenumbers.Format(num, phonenumbers.E164)
			}
			_ = phonenumbers.GetNumberType(num)
		}
	}
	_ = sink
	elapsed := time.Since(start)
	total := float64(numbers) * float64(b.N)
	b.ReportMetric(total/elapsed.Seconds(), "numbers/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/number")
}

// inboundBench: the forms 3CX sends, for DDD 47 (default format) and
// other DDDs, mobile and landline.
var inboundBench = []struct{ name, in string }{
	{"e164-noplus/mobile", "5547999887766"},
	{"e164-noplus/landline", "554733334444"},
	{"e164-noplus/ddd11", "5511987654321"},
	{"e164-noplus/ddd49-landline", "554933334444"},
	{"tenant-00/mobile", "0047999887766"},
	{"tenant-00/landline", "004733334444"},
	{"tenant-00/ddd11", "0011987654321"},
	{"tenant-00/ddd61-landline", "006133334444"},
	{"national/mobile", "47999887766"},
	{"national/landline", "4733334444"},
	{"national/ddd11", "11987654321"},
	{"national/legacy", "4788887777"},
	{"e164/mobile", "+5547999887766"},
	{"e164/landline", "+554733334444"},
	{"zeros/mobile", "005547999887766"},
	{"trunk/mobile", "047999887766"},
	{"trunk-csp/mobile", "01547999887766"},
	{"local/mobile", "999887766"},
	{"local/landline", "33334444"},
	{"local/legacy", "88887777"},
	{"nongeo/0800", "08001234567"},
	{"foreign/plus", "+16502530000"},
	{"foreign/00", "0016502530000"},
	{"foreign/bare", "16502530000"},
}

func BenchmarkInbound(b *testing.B) {
	p := profileFor(b, "", "")
	for _, c := range inboundBench {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = p.Inbound(c.in)
			}
		})
	}
}
