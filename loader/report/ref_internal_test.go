package report

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// Excel turns a CSV cell that reads as a number (all digits, a decimal, or
// E-notation such as 1042.0944642e10) into a number, and fixes apply then
// refuses the row: a ref must never read as one.
func TestRefNeverNumeric(t *testing.T) {
	for i := range 20000 {
		raw := strconv.Itoa(i * 7919)
		var override *string
		if i%3 == 0 {
			o := "(47) " + raw
			override = &o
		}
		id := int64(i%5000 + 1)
		ref := Ref(id, raw, override)
		if _, err := strconv.ParseFloat(ref, 64); err == nil {
			t.Fatalf("ref %q reads as a number", ref)
		}
		idText, st, ok := strings.Cut(ref, ".")
		if !ok || idText != strconv.FormatInt(id, 10) {
			t.Fatalf("ref %q: want %d.<stamp>", ref, id)
		}
		// The id is the only digit run: the stamp starts with a letter and
		// holds no digit Excel could read as a fraction or an exponent.
		if st == "" || !unicode.IsLetter(rune(st[0])) || strings.ContainsFunc(st, unicode.IsDigit) {
			t.Fatalf("ref %q: stamp %q must be letters only", ref, st)
		}
		if strings.ContainsAny(st, "eE") {
			t.Fatalf("ref %q: stamp %q holds an exponent letter", ref, st)
		}
		gotID, gotStamp, ok := parseRef(ref)
		if !ok || gotID != id || strconv.FormatInt(gotID, 10)+"."+gotStamp != ref {
			t.Fatalf("ref %q does not round-trip: %d %q %v", ref, gotID, gotStamp, ok)
		}
		if Ref(id, raw+"1", override) == ref {
			t.Fatalf("ref %q does not change with the raw value", ref)
		}
	}
}

// Refs written before the stamp was letters (hex) still apply.
func TestRefLegacyHex(t *testing.T) {
	old := "1042." + stamp("(47) 3333-4444", nil, legacyHex)
	id, st, ok := parseRef(old)
	if !ok || id != 1042 || !refMatches(st, "(47) 3333-4444", nil) {
		t.Fatalf("legacy ref %q: %d %q %v", old, id, st, ok)
	}
	if refMatches(st, "(47) 3333-4445", nil) {
		t.Fatalf("legacy ref %q matches another value", old)
	}
}
