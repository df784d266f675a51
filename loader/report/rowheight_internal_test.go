package report

import "testing"

// Names in capitals, as CRMs hold them, are wider than a character a unit:
// the row must be tall enough for every wrapped line of them. The line
// counts are what LibreOffice showed for these names in a 22-wide column
// (make review-files), plus what a per-character estimate got wrong.
func TestRowHeight(t *testing.T) {
	t.Parallel()
	name := 22.0
	for _, c := range []struct {
		text  string
		width float64
		min   int // lines at least
		max   int
	}{
		{"UNIODONTO MACEIÓ COOPERATIVA ODONTOLÓGICA", name, 3, 3},
		{"UNIMED ITAJUBA COOPERATIVA DE TRABALHO MÉDICO", name, 3, 4},
		{"MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM", name, 4, 5},
		{"Padaria Pão Quente", name, 1, 1},
		{"", name, 1, 1},
		{"(47) 3333-4444", 20, 1, 1},
		{"(47) 3333-4444\n(47) 3333-5555", 20, 2, 2},
	} {
		h := rowHeight([]string{c.text}, []float64{c.width})
		if lines := int(h / 15); lines < c.min || lines > c.max || h != 15*float64(lines) {
			t.Errorf("rowHeight(%q, %v) = %v (%d lines), want %d to %d lines", c.text, c.width, h, lines, c.min, c.max)
		}
	}
	// The tallest cell of a row sets its height.
	if h := rowHeight([]string{"x", "UNIODONTO MACEIÓ COOPERATIVA ODONTOLÓGICA"}, []float64{8, 22}); h != 45 {
		t.Errorf("row height %v, want 45", h)
	}
}
