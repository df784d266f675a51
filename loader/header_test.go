package loader

import (
	"fmt"
	"strings"
	"testing"
)

// The header finder never drops a data record: what it reads past the
// header it picked is pending, to be read again as data.
func TestHeaderFinderKeepsDataRecords(t *testing.T) {
	data := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf("%d;Empresa %d;3422-%04d", 1000+i, i, i))
		}
		return out
	}
	cases := []struct {
		name       string
		opt        headerOptions
		lines      []string
		header     string
		at         int
		pendingTop string // first pending record's line:first cell, "" for none
		pending    int
	}{
		{"a header after a title", headerOptions{}, append([]string{"Relação", "", "Código;Razão Social;Telefone"}, data(1, 3)...),
			"Código;Razão Social;Telefone", 3, "", 0},
		{"no header in 30 lines: the first, the rest is data", headerOptions{}, data(1, 40),
			"1001;Empresa 1;3422-0001", 1, "2:1002", 29},
		{"a short headerless file: the first, the rest is data", headerOptions{}, data(1, 5),
			"1001;Empresa 1;3422-0001", 1, "2:1002", 4},
		{"a mapping's names find the header", headerOptions{named: map[string]bool{"empresa 1": true}}, data(1, 5),
			"1001;Empresa 1;3422-0001", 1, "", 0},
		{"--no-header: every record is data", headerOptions{noHeader: true}, data(1, 5),
			"1;2;3", 0, "1:1001", 5},
		{"--header-row", headerOptions{row: 2}, append([]string{"título"}, data(1, 3)...),
			"1001;Empresa 1;3422-0001", 2, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := headerFinder{headerOptions: c.opt}
			for i, l := range c.lines {
				var cells []string
				if l != "" {
					cells = strings.Split(l, ";")
				}
				if h.offer(i+1, cells) {
					break
				}
			}
			header, at := h.result()
			if strings.Join(header, ";") != c.header || at != c.at || len(h.pending) != c.pending {
				t.Fatalf("header %q at %d, %d pending; want %q at %d, %d pending", header, at, len(h.pending), c.header, c.at, c.pending)
			}
			if c.pendingTop != "" {
				if top := fmt.Sprintf("%d:%s", h.pending[0].line, h.pending[0].cells[0]); top != c.pendingTop {
					t.Fatalf("first pending %s, want %s", top, c.pendingTop)
				}
			}
		})
	}
}
