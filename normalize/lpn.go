package normalize

import (
	"errors"
	"strconv"

	"github.com/nyaruka/phonenumbers/v2"
)

// The slow path: libphonenumber is the authority. These functions are only
// ever given prepared input: "+" followed by digits.

func lpnType(t phonenumbers.PhoneNumberType) Type {
	switch t {
	case phonenumbers.FIXED_LINE:
		return TypeFixed
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return TypeMobile
	case phonenumbers.TOLL_FREE:
		return TypeTollFree
	case phonenumbers.PREMIUM_RATE:
		return TypePremium
	case phonenumbers.SHARED_COST:
		return TypeSharedCost
	case phonenumbers.VOIP:
		return TypeVoIP
	}
	return TypeUnknown
}

// lpnBR asks libphonenumber about a Brazilian national significant number.
// The number is valid only if libphonenumber reads back exactly the same
// national number (it must not strip or add anything).
func lpnBR(nsn []byte) (Type, verdict) {
	if len(nsn) == 0 || len(nsn) > 17 {
		return TypeUnknown, vInvalid
	}
	s := "+55" + string(nsn)
	num, err := phonenumbers.Parse(s, "BR")
	if err != nil || num.GetCountryCode() != 55 || phonenumbers.Format(num, phonenumbers.E164) != s {
		return TypeUnknown, vInvalid
	}
	if len(nsn) <= 6 {
		if phonenumbers.IsValidShortNumberForRegion(num, "BR") {
			return TypeShortCode, vValid
		}
		return TypeUnknown, vInvalid
	}
	if !phonenumbers.IsValidNumber(num) {
		return TypeUnknown, vInvalid
	}
	return lpnType(phonenumbers.GetNumberType(num)), vValid
}

// foreign is libphonenumber's reading of an international number.
type foreign struct {
	cc       int
	national string // national significant number
	e164     string
	pretty   string // INTERNATIONAL format, for suggestions
	region   string
	why      Reasons // when invalid
}

// ccDigits returns the country code of a valid foreign number as text.
func (f *foreign) ccDigits() string { return f.e164[1 : len(f.e164)-len(f.national)] }

// lpnIntl parses digits that follow "+" (country code first).
func lpnIntl(d []byte) (foreign, verdict) {
	if len(d) < 2 || len(d) > 17 {
		if len(d) < 2 {
			return foreign{why: Reasons(TooShort)}, vInvalid
		}
		return foreign{why: Reasons(TooLong)}, vInvalid
	}
	num, err := phonenumbers.Parse("+"+string(d), "ZZ")
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return foreign{why: Reasons(UnknownCountry)}, vInvalid
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return foreign{why: Reasons(TooShort)}, vInvalid
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return foreign{why: Reasons(TooLong)}, vInvalid
		}
		return foreign{why: Reasons(InvalidNumber)}, vInvalid
	}
	f := foreign{cc: int(num.GetCountryCode()), region: phonenumbers.GetRegionCodeForNumber(num)}
	if !phonenumbers.IsValidNumber(num) {
		switch phonenumbers.IsPossibleNumberWithReason(num) {
		case phonenumbers.TOO_SHORT:
			f.why = Reasons(TooShort)
		case phonenumbers.TOO_LONG:
			f.why = Reasons(TooLong)
		case phonenumbers.INVALID_COUNTRY_CODE:
			f.why = Reasons(UnknownCountry)
		default:
			f.why = Reasons(InvalidNumber)
		}
		return f, vInvalid
	}
	f.e164 = phonenumbers.Format(num, phonenumbers.E164)
	f.national = f.e164[1+len(strconv.Itoa(f.cc)):]
	f.pretty = phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
	return f, vValid
}
