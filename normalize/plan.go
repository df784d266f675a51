package normalize

// The Brazilian numbering plan as libphonenumber's metadata for region BR
// states it (see RulesVersion). The differential test proves that every
// answer of fastBR agrees with libphonenumber.

// verdict is the answer of an oracle about one candidate number.
type verdict uint8

const (
	vInvalid verdict = iota
	vValid
	vUnsure // the fast oracle does not know: ask libphonenumber
)

// dddTable marks the 67 assigned DDDs (index = the two digits as a number).
var dddTable = func() (t [100]bool) {
	for _, d := range []int{
		11, 12, 13, 14, 15, 16, 17, 18, 19,
		21, 22, 24, 27, 28,
		31, 32, 33, 34, 35, 37, 38,
		41, 42, 43, 44, 45, 46, 47, 48, 49,
		51, 53, 54, 55,
		61, 62, 63, 64, 65, 66, 67, 68, 69,
		71, 73, 74, 75, 77, 79,
		81, 82, 83, 84, 85, 86, 87, 88, 89,
		91, 92, 93, 94, 95, 96, 97, 98, 99,
	} {
		t[d] = true
	}
	return t
}()

func isDigit(c byte) bool { return c-'0' < 10 }

// validDDD reports whether a, b are the digits of an assigned DDD.
func validDDD(a, b byte) bool {
	return isDigit(a) && isDigit(b) && dddTable[(a-'0')*10+(b-'0')]
}

// isCSP reports whether a, b are a carrier selection code that
// libphonenumber strips after the trunk 0 ("0 15 11 …") or before an
// international number ("00 21 1 …"): 12, 14, 15, 21, 22, 23, 25, 31, 41, 43,
// 55, 65, 99.
func isCSP(a, b byte) bool {
	switch a {
	case '1':
		return b == '2' || b == '4' || b == '5'
	case '2':
		return b == '1' || b == '2' || b == '3' || b == '5'
	case '3':
		return b == '1'
	case '4':
		return b == '1' || b == '3'
	case '5', '6':
		return b == '5'
	case '9':
		return b == '9'
	}
	return false
}

// knownShort are 3-digit codes the fast path accepts: emergency 112, 128,
// 190, 192, 193, 911; the expanded emergency and public-utility codes; the
// directory 102. Other short numbers are decided by libphonenumber.
var knownShort = func() (t [1000]bool) {
	for _, c := range []int{102, 112, 116, 123, 128, 168, 180, 181, 185, 190, 191, 192, 193, 194, 197, 198, 199, 911} {
		t[c] = true
	}
	return t
}()

// fastBR classifies a Brazilian national significant number (no trunk 0,
// no country code) with the plan's tables. It is exact for lengths 1–2 and
// 7–16+; for 3–6 digits only the well-known short codes are answered.
func fastBR(nsn []byte) (Type, verdict) {
	n := len(nsn)
	switch n {
	case 3, 4, 5, 6:
		if n == 3 && knownShort[int(nsn[0]-'0')*100+int(nsn[1]-'0')*10+int(nsn[2]-'0')] {
			return TypeShortCode, vValid
		}
		return TypeUnknown, vUnsure
	case 8:
		// Nationwide numbers without DDD: 300X, 400X, 4020, 4370, 4864 + 4 digits.
		a, b, c, d := nsn[0], nsn[1], nsn[2], nsn[3]
		if (a == '3' && b == '0' && c == '0') ||
			(a == '4' && ((b == '0' && (c == '0' || (c == '2' && d == '0'))) ||
				(b == '3' && c == '7' && d == '0') ||
				(b == '8' && c == '6' && d == '4'))) {
			return TypeSharedCost, vValid
		}
	case 9, 10:
		// 0800 toll free, 0500/0900 premium (6 or 7 digits after the prefix),
		// 0300/0303 shared cost (7 digits after the prefix).
		if nsn[1] == '0' && nsn[2] == '0' {
			switch nsn[0] {
			case '8':
				return TypeTollFree, vValid
			case '5', '9':
				return TypePremium, vValid
			}
		}
		if n == 10 {
			if nsn[0] == '3' && nsn[1] == '0' && (nsn[2] == '0' || nsn[2] == '3') {
				return TypeSharedCost, vValid
			}
			if validDDD(nsn[0], nsn[1]) {
				switch c := nsn[2]; {
				case c >= '2' && c <= '5':
					return TypeFixed, vValid
				case c == '7':
					return TypeMobile, vValid // the old radio/trunking range
				}
			}
		}
	case 11:
		if validDDD(nsn[0], nsn[1]) && nsn[2] == '9' {
			return TypeMobile, vValid
		}
	}
	return TypeUnknown, vInvalid
}

// isGeo reports whether a type is dialled with a DDD.
func isGeo(t Type) bool { return t == TypeFixed || t == TypeMobile }
