package schema

import "time"

// Phone fields, as named in consult-phone's answer; the last three are kept
// in the index but have no slot in 3CX's contact.
const (
	FieldBusiness  = "businessphone"
	FieldBusiness2 = "businessphone2"
	FieldMobile    = "mobilephone"
	FieldMobile2   = "mobilephone2"
	FieldHome      = "homephone"
	FieldFax       = "fax"
	FieldOther     = "otherphone"
)

// PhoneFields lists every field in a stable order.
var PhoneFields = []string{FieldBusiness, FieldBusiness2, FieldMobile, FieldMobile2, FieldHome, FieldFax, FieldOther}

// Phone is one row of the normalized phone index: one number found in one
// phone field of an account or a contact. A cell holding two numbers gives
// two rows, at positions 0 and 1.
type Phone struct {
	ID        int64
	TenantID  int64
	AccountID *int64 // exactly one of AccountID and ContactID is set
	ContactID *int64
	Field     string
	Position  int
	Raw       string  // the whole cell as received from the source
	Input     string  // the part of the cell this number came from
	Override  *string // a staff fix; normalized instead of Raw until Raw changes

	E164               string // "" when invalid
	Dial               string // in the tenant's dial format; "" when invalid
	Type               string
	Extension          string
	Status             string // ok, fixed, invalid
	Reasons            string // comma-separated reason codes
	Suggestion         string // pt-BR, for fixed and invalid
	RulesVersion       string // normalize.RulesVersion that produced the fields above
	ProfileFingerprint string // the tenant profile that produced them
	CheckedAt          time.Time
	UpdatedAt          time.Time
}
