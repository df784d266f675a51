package loader_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cti3cx/cti3cx/loader"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// Importing the rewritten file finds the same numbers, record by record, as
// importing the original (moved numbers change field, not owner).
func TestImportingTheRewriteFindsTheSameNumbers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := schematest.New(t)
	orig, err := db.CreateTenant(ctx, schema.Tenant{Slug: "orig", DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.CreateTenant(ctx, schema.Tenant{Slug: "again", DefaultDDD: "47"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "c.csv"), filepath.Join(dir, "c-3cx.csv")
	shapes := []string{"(47) 3333-4444", "8765-4321", "3333 4444 r. 22", "+55 11 2222-3333", "nenhum", "",
		"(47) 3333-4444 / 9876-5432 / 3232-1111", "0800 701 0101", "(48) 9999-888", "011 98765 4321"}
	content := latin1(t, "Exportação do CRM\r\ncodigo;nome;sobrenome;telefone;celular;whatsapp\r\n")
	for i := range 200 {
		content += latin1(t, fmt.Sprintf("C%d;José;\"Silva; %d\";%s;%s;%s\r\n", i, i, shapes[i%len(shapes)],
			shapes[(i*3)%len(shapes)], shapes[(i*7)%len(shapes)]))
	}
	if err := os.WriteFile(in, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	p, _ := normalize.NewProfile("47", "")
	if _, err := loader.Rewrite(ctx, p, loader.RewriteOptions{File: in, Out: out}); err != nil {
		t.Fatal(err)
	}
	numbers := func(ten schema.Tenant, file string) []string {
		if _, err := loader.Import(ctx, db, ten, loader.Options{File: file, RejectsPath: filepath.Join(dir, ten.Slug+".rej")}); err != nil {
			t.Fatal(err)
		}
		var nums []string
		err := db.ExportRecords(ctx, ten.ID, schema.KindContact, schema.ExportFilter{}, nil, func(r *schema.RecordState) error {
			for _, ph := range r.Phones {
				n := ph.E164
				if n == "" {
					n = "invalid:" + ph.Stored
				}
				// Numbers, not statuses: a fixed number rewritten reads ok.
				nums = append(nums, r.ExternalID+" "+n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(nums)
		return nums
	}
	a, b := numbers(orig, in), numbers(again, out)
	if len(a) < 400 {
		t.Fatalf("only %d numbers imported", len(a))
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("numbers differ:\norig  %v\nagain %v", a, b)
	}
}
