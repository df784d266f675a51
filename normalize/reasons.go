package normalize

import (
	"fmt"
	"math/bits"
	"strings"
)

// Reason is one reason code, a single bit. Several reasons combine into
// Reasons. The text form (String) is what is stored and shown; never renumber
// existing reasons: the bit values are not stored, but keep them stable anyway.
type Reason uint32

const (
	// AddedNinthDigit: an old 8-digit mobile was upgraded by prepending the 9
	// (the "nono dígito"). Never applied to landlines (first digit 2–5).
	AddedNinthDigit Reason = 1 << iota
	// AddedDefaultDDD: the number had no DDD; the tenant's default DDD was used.
	AddedDefaultDDD
	// ExtensionSplit: an extension ("ramal 123", "r. 123", "x123", "#123") was
	// separated from the number; it is in Result.Extension, never in Dial.
	ExtensionSplit
	// MultipleNumbers: the cell held several numbers; each has its own Result.
	MultipleNumbers
	// CarrierCodeRemoved: a long-distance carrier code (CSP, e.g. the 15 of
	// "0 15 11 …") was removed. Formatting only.
	CarrierCodeRemoved
	// PrecisionLost: the cell is in scientific notation ("5.511987654321E+12"),
	// as Excel writes long numbers; digits may be lost, so none are guessed.
	PrecisionLost
	// Placeholder: a filler instead of a number: zeros, repeated digits,
	// asterisks, dashes, "não tem", "sem telefone"…
	Placeholder
	// InvalidDDD: the area code is not one of the 67 assigned DDDs.
	InvalidDDD
	// TooShort: too few digits for any number of the plan.
	TooShort
	// TooLong: too many digits (possibly two numbers run together).
	TooLong
	// NotANumber: words, or letters mixed into the digits.
	NotANumber
	// UnknownCountry: an international number whose country code does not
	// exist, or digits that only make sense as a foreign number written
	// without "+" (the suggestion then says which).
	UnknownCountry
	// Ambiguous: the text can be read as two different valid numbers; the
	// result holds the one the numbering plan supports, the suggestion names
	// both.
	Ambiguous
	// MissingDDD: a local number (8 or 9 digits) without DDD, and the tenant
	// has no default DDD.
	MissingDDD
	// InvalidNumber: right length and DDD, but no such number in the plan
	// (e.g. a landline starting with 0 or 1, a 9-digit subscriber not
	// starting with 9).
	InvalidNumber
	// CompletedFromPrevious: an abbreviated alternative ("3333-4444 / 4445")
	// was completed with the digits of the previous number in the cell.
	CompletedFromPrevious
	// DDDFromColumn: the number had no DDD of its own; the DDD of its row's
	// DDD column was used (NormalizeDDD). Informational: the DDD is written
	// in the row, so alone it leaves the status ok.
	DDDFromColumn
	// DDDFromCell: the number had no DDD of its own; the DDD of another
	// number of the same cell was used (the previous one, else the next):
	// "(14) 3421-5678 / 3422-6789".
	DDDFromCell
	// MoreExtensions: the cell lists several extensions of the number
	// ("ramais 210 e 215"); the first is in Result.Extension, the others in
	// the suggestion. Informational.
	MoreExtensions
	// DDDSplit: the DDD was split between the row's DDD column and the cell
	// ("03" + "121035858" → (31) 2103-5858); the row's digits were read in
	// order as one national number.
	DDDSplit

	reasonEnd
)

var reasonNames = [...]string{
	"added_ninth_digit",
	"added_default_ddd",
	"extension_split",
	"multiple_numbers",
	"carrier_code_removed",
	"precision_lost",
	"placeholder",
	"invalid_ddd",
	"too_short",
	"too_long",
	"not_a_number",
	"unknown_country",
	"ambiguous",
	"missing_ddd",
	"invalid_number",
	"completed_from_previous",
	"ddd_from_column",
	"ddd_from_cell",
	"more_extensions",
	"ddd_split",
}

var reasonText = [...]string{
	"celular antigo de 8 dígitos: acrescentado o 9",
	"número sem DDD: usado o DDD padrão",
	"ramal separado do número",
	"célula com mais de um número",
	"código de operadora removido",
	"número em notação científica do Excel: dígitos perdidos",
	"valor de preenchimento, não um telefone",
	"DDD inexistente",
	"dígitos de menos",
	"dígitos demais",
	"não é um número de telefone",
	"país desconhecido ou número estrangeiro sem o +",
	"número ambíguo: pode ser lido de duas formas",
	"número sem DDD e sem DDD padrão",
	"número inexistente no plano de numeração",
	"número abreviado completado pelo anterior",
	"número sem DDD: usado o DDD da coluna de DDD",
	"número sem DDD: usado o DDD de outro número da célula",
	"mais de um ramal: o primeiro no campo ramal, os outros na sugestão",
	"DDD dividido entre a coluna de DDD e o número",
}

// allReasons is the mask of every defined reason.
const allReasons = Reasons(reasonEnd - 1)

func (r Reason) index() int {
	if r == 0 || r&(r-1) != 0 || r >= reasonEnd {
		return -1
	}
	return bits.TrailingZeros32(uint32(r))
}

// String returns the reason code, e.g. "added_ninth_digit".
func (r Reason) String() string {
	if i := r.index(); i >= 0 {
		return reasonNames[i]
	}
	return fmt.Sprintf("reason(%#x)", uint32(r))
}

// Reasons is a set of Reason bits. It is a plain integer so the hot path
// never allocates for it.
type Reasons uint32

// Has reports whether r is in the set.
func (rs Reasons) Has(r Reason) bool { return rs&Reasons(r) != 0 }

// List returns the reasons in the set, in the stable order of String.
func (rs Reasons) List() []Reason {
	rs &= allReasons
	if rs == 0 {
		return nil
	}
	out := make([]Reason, 0, bits.OnesCount32(uint32(rs)))
	for v := uint32(rs); v != 0; v &= v - 1 {
		out = append(out, Reason(v&-v))
	}
	return out
}

// String returns the comma-separated reason codes in bit order ("" when
// empty). ParseReasons is its inverse.
func (rs Reasons) String() string {
	rs &= allReasons
	switch bits.OnesCount32(uint32(rs)) {
	case 0:
		return ""
	case 1:
		return Reason(rs).String()
	}
	var b strings.Builder
	for v := uint32(rs); v != 0; v &= v - 1 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(Reason(v & -v).String())
	}
	return b.String()
}

// ParseReasons parses the output of Reasons.String. Spaces around codes are
// ignored; an unknown code is an error.
func ParseReasons(s string) (Reasons, error) {
	var rs Reasons
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		found := false
		for i, name := range reasonNames {
			if name == part {
				rs |= 1 << i
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("normalize: unknown reason code %q", part)
		}
	}
	return rs, nil
}

// Describe explains the reasons in plain Portuguese for CRM staff, e.g.
// "celular antigo de 8 dígitos: acrescentado o 9; número sem DDD: usado o DDD
// padrão". It returns "" for an empty set.
func (rs Reasons) Describe() string {
	rs &= allReasons
	var b strings.Builder
	for v := uint32(rs); v != 0; v &= v - 1 {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(reasonText[bits.TrailingZeros32(v)])
	}
	return b.String()
}
