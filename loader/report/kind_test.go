package report

import (
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/normalize"
)

// TestEveryReasonHasATitle: a sheet is titled in Portuguese for every
// reason code normalize can give, never with the code itself.
func TestEveryReasonHasATitle(t *testing.T) {
	for r := normalize.Reason(1); r != 0 && !strings.HasPrefix(r.String(), "reason("); r <<= 1 {
		if _, ok := kindTitle[r.String()]; !ok {
			t.Errorf("no sheet title for reason %s", r)
		}
	}
}

// TestProblemKind: a row is filed under what is wrong with it, not under
// how it was read.
func TestProblemKind(t *testing.T) {
	for _, c := range []struct{ reasons, want string }{
		{"added_ninth_digit,ddd_from_column", "added_ninth_digit"},
		{"added_ninth_digit,ambiguous", "ambiguous"},
		{"extension_split,more_extensions", "more_extensions"},
		{"multiple_numbers,ddd_from_cell", "ddd_from_cell"},
		{"ddd_split", "ddd_split"},
		{"ambiguous,ddd_from_column,ddd_split", "ddd_split"},
	} {
		if got := problemKind(c.reasons); got != c.want {
			t.Errorf("problemKind(%q) = %q, want %q", c.reasons, got, c.want)
		}
	}
}
