package normalize

// Status says how far a number could be trusted.
type Status string

const (
	// StatusOK: valid; only formatting was removed (punctuation, +55, the
	// trunk 0, a carrier code, "0xx", an extension, other numbers in the
	// cell), or the DDD was taken from the row's DDD column (NormalizeDDD).
	StatusOK Status = "ok"
	// StatusFixed: valid only after an inferred change (ninth digit, default
	// DDD, completion) or a choice between two readings; staff should confirm.
	StatusFixed Status = "fixed"
	// StatusInvalid: not a usable number; Suggestion says why.
	StatusInvalid Status = "invalid"
)

// Type is the kind of number.
type Type string

const (
	TypeFixed      Type = "fixed"       // landline, with DDD
	TypeMobile     Type = "mobile"      // mobile, with DDD (also the old 8-digit 7xxx radio range)
	TypeTollFree   Type = "toll_free"   // 0800
	TypeSharedCost Type = "shared_cost" // 0300, 0303, and nationwide 3003, 4004, 4020… (8 digits, no DDD)
	TypePremium    Type = "premium"     // 0500, 0900
	TypeShortCode  Type = "short_code"  // 190, 192, 102…
	TypeVoIP       Type = "voip"        // not used for Brazil by the current rules
	TypeForeign    Type = "foreign"     // any valid number outside Brazil
	TypeUnknown    Type = "unknown"     // invalid numbers
)

// Result is one number found in a cell.
type Result struct {
	Input      string  // the part of the cell this number came from (the whole trimmed cell when it holds one number)
	Status     Status  // ok, fixed or invalid
	E164       string  // "+554733334444"; "" when invalid. Short codes are "+55" + code ("+55190").
	Dial       string  // the tenant's dial string; "" when invalid
	Type       Type    // TypeUnknown when invalid
	Extension  string  // "123" for "ramal 123"; never part of Dial
	Reasons    Reasons // why the status is what it is; informational codes may accompany ok
	Suggestion string  // pt-BR, for fixed and invalid; for ok only the note of further extensions (more_extensions)
}
