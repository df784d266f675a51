package loader

// headerScanLimit is how many records may stand above the header (titles,
// blank lines, notes) before auto-detection gives up.
const headerScanLimit = 30

// looksLikeHeader tells whether a record can be the header: at least two
// cells, one of them a column we know.
func looksLikeHeader(cells []string) bool {
	filled, known := 0, 0
	for _, c := range cells {
		if c == "" {
			continue
		}
		filled++
		k := headerKey(c)
		if _, ok := accountAliases[k]; ok {
			known++
		} else if _, ok := contactAliases[k]; ok {
			known++
		}
	}
	return filled >= 2 && known >= 1
}

// headerFinder picks the header among the first records: the record on
// line want when it is set, else the first that looks like a header, else
// the first non-blank one.
type headerFinder struct {
	want     int
	first    []string
	firstAt  int
	seen     int
	found    []string
	foundAt  int
	finished bool
}

// offer looks at one record; it returns true once the header is decided.
func (h *headerFinder) offer(line int, cells []string) bool {
	h.seen++
	if h.want > 0 {
		if line >= h.want {
			h.found, h.foundAt, h.finished = cells, line, true
		}
		return h.finished
	}
	if isBlankRow(cells) {
		return false
	}
	if h.first == nil {
		h.first, h.firstAt = cells, line
	}
	if looksLikeHeader(cells) {
		h.found, h.foundAt, h.finished = cells, line, true
		return true
	}
	if h.seen >= headerScanLimit {
		h.found, h.foundAt, h.finished = h.first, h.firstAt, true
	}
	return h.finished
}

// result returns the header after the input ended or offer returned true.
func (h *headerFinder) result() ([]string, int) {
	if h.found == nil && h.want == 0 {
		return h.first, h.firstAt
	}
	return h.found, h.foundAt
}
