package api_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/schema"
)

// A number two contacts own: consult-phone's call is in both contacts'
// history, each shown under its own name.
func TestConsultPhoneCallInEachOwnersHistory(t *testing.T) {
	f := newFixture(t, api.Deps{})
	pedro := f.acme.Contact(t, "C-1005", "Pedro", "Silva", "", nil, "")
	f.acme.ContactPhone(t, pedro, schema.FieldMobile2, 0, "+5547999887766")
	cs := decodeContacts(t, f.consult(f.acme, "47999887766"))
	if len(cs) != 2 {
		t.Fatalf("answer: %+v", cs)
	}
	callNo, _ := strconv.ParseInt(cs[0].CustomValue, 10, 64)
	for _, c := range cs {
		calls, err := f.db.ListCalls(context.Background(), f.acme.ID, schema.CallFilter{ContactExternalID: c.ID})
		if err != nil || len(calls) != 1 || calls[0].ID != callNo || calls[0].ContactExternalID != c.ID {
			t.Errorf("%s's history: %v %+v", c.ID, err, calls)
		}
	}
}

// The placeholder links to the tenant's unknown-number page, never to a
// record that does not exist; without that template its url is empty.
func TestPlaceholderURL(t *testing.T) {
	f := newFixture(t, api.Deps{})
	ten := f.acme.Tenant
	ten.Settings.PlaceholderUnknown = true
	if _, err := f.db.UpdateTenant(context.Background(), ten); err != nil {
		t.Fatal(err)
	}
	if cs := decodeContacts(t, f.consult(f.acme, "4733330000")); cs[0].URL != "" {
		t.Errorf("placeholder url without a template: %q", cs[0].URL)
	}
	ten.Settings.UnknownURL = "https://crm.example/novo?telefone={number}"
	if _, err := f.db.UpdateTenant(context.Background(), ten); err != nil {
		t.Fatal(err)
	}
	if cs := decodeContacts(t, f.consult(f.acme, "+554733330000")); cs[0].URL != "https://crm.example/novo?telefone=%2B554733330000" {
		t.Errorf("placeholder url: %q", cs[0].URL)
	}
}
