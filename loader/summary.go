package loader

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// WriteTable prints the summary as a table for people.
func (s Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	title := "import"
	if s.DryRun {
		title = "import (dry run: nothing written)"
	}
	fmt.Fprintf(w, "%s #%d: %s %s from %s (%s) — %s\n", title, s.RunID, s.Mode, s.Kind, s.Source, s.Format, s.Outcome)
	rows := []struct {
		label string
		n     int
	}{
		{"read", s.RowsRead}, {"inserted", s.Inserted}, {"updated", s.Updated}, {"unchanged", s.Unchanged},
		{"deleted", s.Deleted}, {"rejected", s.Rejected}, {"warned", s.Warned}, {"duplicates", s.Duplicates},
		{"phones ok", s.PhonesOK}, {"phones fixed", s.PhonesFixed}, {"phones invalid", s.PhonesInvalid},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%d\t\n", r.label, r.n)
	}
	fmt.Fprintf(tw, "  duration\t%s\t\n", s.Duration.Round(time.Millisecond))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if s.RejectsPath != "" {
		fmt.Fprintf(w, "rejected rows, warnings (importada = sim) and duplicates written to %s\n", s.RejectsPath)
	}
	return nil
}
