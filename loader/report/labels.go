package report

import (
	"cmp"
	"slices"

	"github.com/cti3cx/cti3cx/schema"
)

// The words of a report, for the other places CRM staff meet the same
// phones (the review page): one vocabulary, defined once here.

// Group is the reason group a phone with these stored reasons is filed
// under: a report's sheet, one per phone.
func Group(reasons string) string { return problemKind(reasons) }

// GroupTitle names a reason group in Portuguese.
func GroupTitle(group string) string { return sheetTitle(group) }

// Describe says stored reason codes in plain Portuguese.
func Describe(reasons string) string { return describe(reasons) }

// StatusLabel names a status (ok, fixed, invalid) in Portuguese.
func StatusLabel(status string) string { return cmp.Or(statusPT[status], status) }

// KindLabel names a record kind in Portuguese: conta, contato.
func KindLabel(k schema.Kind) string { return cmp.Or(kindPT[k], string(k)) }

// FieldLabel names a phone field as staff see it in the CRM.
func FieldLabel(field string) string { return cmp.Or(fieldPT[field], field) }

// StoredValue is the value staff see as stored for a phone (the
// valor_armazenado column): their override, else the part of the cell this
// number came from, else the cell.
func StoredValue(r schema.ReportRow) string {
	switch {
	case r.Override != nil:
		return *r.Override
	case r.Input != "" && r.Input != r.Raw:
		return r.Input // one of several numbers in the cell
	}
	return r.Raw
}

// RefOf is the ref of a report row: the phone and the value staff saw.
func RefOf(r schema.ReportRow) string { return Ref(r.PhoneID, r.Raw, r.Override) }

// GroupCount is how many phones a reason group holds, and the stored
// reasons strings filed under it.
type GroupCount struct {
	Group      string
	Title      string
	Count      int
	ReasonSets []string
}

// Groups folds counts by status and reasons into reason groups, largest
// first, as a report orders its sheets.
func Groups(counts []schema.ReportGroup) []GroupCount {
	by := map[string]*GroupCount{}
	for _, c := range counts {
		g := Group(c.Reasons)
		gc := by[g]
		if gc == nil {
			gc = &GroupCount{Group: g, Title: GroupTitle(g)}
			by[g] = gc
		}
		gc.Count += c.Count
		if !slices.Contains(gc.ReasonSets, c.Reasons) {
			gc.ReasonSets = append(gc.ReasonSets, c.Reasons)
		}
	}
	out := make([]GroupCount, 0, len(by))
	for _, gc := range by {
		out = append(out, *gc)
	}
	slices.SortFunc(out, func(a, b GroupCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Group, b.Group))
	})
	return out
}
