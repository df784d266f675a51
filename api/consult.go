package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
)

// maxNumberDigits is longer than any number 3CX dials: E.164's 15 digits
// plus an international prefix and a carrier code.
const maxNumberDigits = 20

// Contact is one entry of consult-phone's answer: exactly the seed's keys,
// all strings, in the seed's order.
type Contact struct {
	ID             string `json:"id"`
	FirstName      string `json:"firstname"`
	LastName       string `json:"lastname"`
	Company        string `json:"company"`
	Email          string `json:"email"`
	BusinessPhone  string `json:"businessphone"`
	BusinessPhone2 string `json:"businessphone2"`
	MobilePhone    string `json:"mobilephone"`
	MobilePhone2   string `json:"mobilephone2"`
	URL            string `json:"url"`
	CustomValue    string `json:"customvalue"`
}

// ConsultResponse is consult-phone's successful answer.
type ConsultResponse struct {
	Contact []Contact `json:"contact"`
}

func (s *Server) handleConsultPhone(w http.ResponseWriter, r *http.Request, t *tenantEntry) {
	number := r.PathValue("phone")
	if err := checkNumber(number); err != nil {
		s.writeError(w, r, err)
		return
	}
	tenant := t.creds.Tenant
	reading, err := t.profile.Inbound(number)
	if err != nil {
		s.writeError(w, r, cti3cx.Errorf(cti3cx.EINVALID, "phone %q: %v", number, err))
		return
	}
	ctx := r.Context()
	owners, callID, err := s.db.AnswerExact(ctx, tenant.ID, reading.Candidates, number, schema.MaxLookupOwners)
	outcome := outcomeExact
	if err == nil && len(owners) > 0 && owners[0].Rank > 0 {
		outcome = outcomeAlternate
	}
	if err == nil && len(owners) == 0 && reading.Suffix != "" {
		owners, callID, err = s.db.AnswerSuffix(ctx, tenant.ID, reading.Suffix, number, schema.MaxLookupOwners)
		outcome = outcomeSuffix
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(owners) == 0 {
		if !tenant.Settings.PlaceholderUnknown {
			s.metrics.lookups.WithLabelValues(outcomeNotFound).Inc()
			s.writeError(w, r, cti3cx.Errorf(cti3cx.ENOTFOUND, "no contact or account has this number"))
			return
		}
		outcome = outcomePlaceholder
		// The placeholder's call; a match recorded its call with the lookup.
		callID, err = s.db.CreateCall(ctx, tenant.ID, schema.NewCall{Number: number})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.metrics.lookups.WithLabelValues(outcome).Inc()
	custom := strconv.FormatInt(callID, 10)
	// The call is in every listed owner's history, not only the first's.
	// Losing that costs history, not the answer 3CX waits for: log it.
	if err := s.db.RecordCallOwners(ctx, tenant.ID, callID, owners); err != nil {
		s.log.Warn("call owners not recorded", "request_id", requestIDFrom(ctx), "call", callID, "err", err)
	}

	resp := ConsultResponse{Contact: make([]Contact, 0, max(len(owners), 1))}
	for _, o := range owners {
		resp.Contact = append(resp.Contact, s.entry(t, o, number, custom))
	}
	if len(owners) == 0 {
		resp.Contact = append(resp.Contact, placeholder(tenant, number, custom))
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkNumber accepts what 3CX puts in [Number]: digits, after an optional +.
func checkNumber(n string) error {
	digits := strings.TrimPrefix(n, "+")
	if digits == "" {
		return cti3cx.Errorf(cti3cx.EINVALID, "phone is empty: want digits, optionally after a leading +")
	}
	if len(digits) > maxNumberDigits {
		return cti3cx.Errorf(cti3cx.EINVALID, "phone has %d characters: at most %d digits", len(digits), maxNumberDigits)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return cti3cx.Errorf(cti3cx.EINVALID, "phone %q: want digits only, optionally after a leading +", n)
		}
	}
	return nil
}

// slots are 3CX's phone fields, in the answer's order.
var slots = [4]string{schema.FieldBusiness, schema.FieldBusiness2, schema.FieldMobile, schema.FieldMobile2}

// entry renders one owner. The field that matched carries the number exactly
// as 3CX sent it: 3CX drops a contact none of whose phone fields equals the
// searched number.
func (s *Server) entry(t *tenantEntry, o schema.Owner, number, custom string) Contact {
	var phones [4]string
	for _, p := range o.Phones {
		i := slotIndex(p.Field)
		if i < 0 {
			continue
		}
		if p.E164 != "" {
			phones[i] = t.profile.DialString(p.E164)
		}
	}
	matched := -1
	if o.InSlot() {
		matched = slotIndex(o.Field)
	}
	if matched < 0 {
		// The number sits where 3CX has no slot (home, fax, other, a second
		// number in a cell): put it in the first free slot.
		matched = 1
		for i, v := range phones {
			if v == "" {
				matched = i
				break
			}
		}
	}
	phones[matched] = number
	tenant := t.creds.Tenant
	return Contact{
		ID:             o.ExternalID,
		FirstName:      o.FirstName,
		LastName:       o.LastName,
		Company:        o.Company,
		Email:          o.Email,
		BusinessPhone:  phones[0],
		BusinessPhone2: phones[1],
		MobilePhone:    phones[2],
		MobilePhone2:   phones[3],
		URL:            contactURL(tenant.ContactURL, o.ExternalID, string(o.Kind)),
		CustomValue:    custom,
	}
}

// placeholder answers an unknown number when the tenant asked for it, so
// that 3CX journals the call: the number is the name and the only phone.
// Its url is never a record's (none exists): the tenant's unknown-number
// template, else empty.
func placeholder(tenant schema.Tenant, number, custom string) Contact {
	return Contact{
		ID:            "unknown-" + custom,
		FirstName:     number,
		BusinessPhone: number,
		URL:           unknownURL(tenant.Settings.UnknownURL, number),
		CustomValue:   custom,
	}
}

// unknownURL fills the unknown-number template: {number} is the number as
// 3CX sent it, escaped for a query.
func unknownURL(template, number string) string {
	if template == "" {
		return ""
	}
	return strings.ReplaceAll(template, "{number}", url.QueryEscape(number))
}

func slotIndex(field string) int {
	for i, f := range slots {
		if f == field {
			return i
		}
	}
	return -1
}

// contactURL fills the tenant's template: {id} is the record's external id
// (escaped), {kind} contact, account or unknown.
func contactURL(template, id, kind string) string {
	if template == "" {
		return ""
	}
	return strings.NewReplacer("{id}", url.PathEscape(id), "{kind}", kind).Replace(template)
}
