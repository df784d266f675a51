package api_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cti3cx/cti3cx/api"
	"github.com/cti3cx/cti3cx/loader"
)

// The samples, imported by the real loader, answer through the API: the
// whole product path from a CRM export to 3CX's lookup.
func TestSamplesImportedAnswer(t *testing.T) {
	f := newFixture(t, api.Deps{})
	ctx := context.Background()
	ten, err := f.db.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	// The samples' Maria, not the fixture's, must be the one that answers.
	if _, err := f.db.Pool.Exec(ctx, `DELETE FROM contacts WHERE tenant_id = $1`, ten.ID); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"accounts.csv", "contacts.csv"} {
		_, err := loader.Import(ctx, f.db, ten, loader.Options{
			File: filepath.Join("..", "samples", file), RejectsPath: filepath.Join(t.TempDir(), "rejects.csv"),
		})
		if err != nil {
			t.Fatalf("import %s: %v", file, err)
		}
	}
	for _, number := range []string{"+5547999887766", "047999887766", "0047999887766"} {
		cs := decodeContacts(t, f.consult(f.acme, number))
		if len(cs) == 0 || cs[0].ID != "C-1001" || cs[0].FirstName != "Maria" || cs[0].LastName != "Silva" || cs[0].MobilePhone != number {
			t.Errorf("%s: %+v", number, cs)
		}
		// Everyone who owns the number answers, each with it as sent.
		for _, c := range cs {
			if !slices.Contains([]string{c.BusinessPhone, c.BusinessPhone2, c.MobilePhone, c.MobilePhone2}, number) {
				t.Errorf("%s: %s lacks the searched number: %+v", number, c.ID, c)
			}
		}
	}
}
