package normalize_test

import (
	"fmt"

	"github.com/cti3cx/cti3cx/normalize"
)

// A tenant's profile (its default DDD and 3CX dial format) normalizes a cell
// into one result per number: the canonical E.164, the string 3CX dials,
// and why a number was changed. docs/normalize.md shows this example.
func ExampleProfile_Normalize() {
	p, err := normalize.NewProfile("47", "default")
	if err != nil {
		panic(err)
	}
	for _, r := range p.Normalize("(11) 3333-4444 ramal 12 / 8765-4321") {
		fmt.Println(r.Status, r.E164, r.Dial, r.Type, r.Extension, r.Reasons)
		if r.Suggestion != "" {
			fmt.Println(" ", r.Suggestion)
		}
	}
	// Output:
	// ok +551133334444 001133334444 fixed 12 extension_split,multiple_numbers
	// fixed +5511987654321 0011987654321 mobile  added_ninth_digit,multiple_numbers,ddd_from_cell
	//   Confirme: celular antigo com 8 dígitos; acrescentado o 9; número sem DDD; usado o DDD 11 de outro número da célula → (11) 98765-4321
}

// 3CX sends the caller's number as the trunk delivers it, or in the dial
// format; Inbound turns it into what the phone index is searched by: E.164
// candidates, and the last digits for a number too short to place.
func ExampleProfile_Inbound() {
	p, err := normalize.NewProfile("47", "default")
	if err != nil {
		panic(err)
	}
	for _, number := range []string{"0047999887766", "+554733334444", "99887766"} {
		l, err := p.Inbound(number)
		fmt.Printf("%s: candidates %v, last digits %q, error %v\n", number, l.Candidates, l.Suffix, err)
	}
	// Output:
	// 0047999887766: candidates [+5547999887766], last digits "", error <nil>
	// +554733334444: candidates [+554733334444], last digits "", error <nil>
	// 99887766: candidates [+5547999887766], last digits "99887766", error <nil>
}
