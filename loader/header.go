package loader

import "strconv"

// headerScanLimit is how many records may stand above the header (titles,
// blank lines, notes) before auto-detection gives up.
const headerScanLimit = 30

// looksLikeHeader tells whether a record can be the header: at least two
// cells, one of them a column we know or one a mapping file names.
func looksLikeHeader(cells []string, named map[string]bool) bool {
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
		} else if named[k] {
			known++
		}
	}
	return filled >= 2 && known >= 1
}

// headerOptions say how the header is found.
type headerOptions struct {
	row      int             // 1-based line of the header; 0 detects it
	noHeader bool            // every record is data; columns are named 1, 2, …
	named    map[string]bool // headerKey of the columns a mapping file names
}

// pendingRecord is a record read while looking for the header that turned
// out to be data: the reader yields it before reading on.
type pendingRecord struct {
	line  int
	cells []string
	err   error // a malformed record
}

// headerFinder picks the header among the first records: the record on
// line want when it is set, else the first that looks like a header, else
// the first non-blank one. Records it read past the header it picked are
// kept in pending, so that no data line is lost; with noHeader every
// record is pending and the header is made of column numbers.
type headerFinder struct {
	headerOptions
	first    []string
	firstAt  int
	seen     int
	found    []string
	foundAt  int
	finished bool
	width    int // widest record, for noHeader
	pending  []pendingRecord
}

// offer looks at one record; it returns true once the header is decided.
func (h *headerFinder) offer(line int, cells []string) bool {
	h.seen++
	switch {
	case h.noHeader:
		if !isBlankRow(cells) {
			h.pending = append(h.pending, pendingRecord{line: line, cells: cells})
			h.width = max(h.width, len(cells))
		}
		h.finished = h.seen >= headerScanLimit
		return h.finished
	case h.row > 0:
		if line >= h.row {
			h.found, h.foundAt, h.finished = cells, line, true
		}
		return h.finished
	}
	if isBlankRow(cells) {
		return false
	}
	if looksLikeHeader(cells, h.named) {
		h.found, h.foundAt, h.finished = cells, line, true
		h.pending = nil // titles above the header, not data
		return true
	}
	if h.first == nil {
		h.first, h.firstAt = cells, line
	} else {
		h.pending = append(h.pending, pendingRecord{line: line, cells: cells})
	}
	if h.seen >= headerScanLimit {
		h.found, h.foundAt, h.finished = h.first, h.firstAt, true
	}
	return h.finished
}

// offerBroken keeps a malformed record met while looking for the header
// when it may be data (after the first candidate, or with noHeader).
func (h *headerFinder) offerBroken(line int, cells []string, err error) {
	if h.noHeader || (h.row == 0 && h.first != nil) {
		h.pending = append(h.pending, pendingRecord{line: line, cells: cells, err: err})
	}
}

// result returns the header and its line (0 with noHeader) after the input
// ended or offer returned true.
func (h *headerFinder) result() ([]string, int) {
	if h.noHeader {
		if h.width == 0 {
			return nil, 0
		}
		names := make([]string, h.width)
		for i := range names {
			names[i] = strconv.Itoa(i + 1)
		}
		return names, 0
	}
	if h.found == nil && h.row == 0 {
		return h.first, h.firstAt
	}
	return h.found, h.foundAt
}
