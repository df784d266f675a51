package loader

import (
	"errors"
	"fmt"
	"io"
)

// Default limits: a real CRM export's record is a few KB, a feed page a few
// MB; the defaults leave two orders of magnitude of room and keep the peak
// memory of an import far under 512 MB whatever it is fed.
const (
	DefaultMaxRecordBytes int64 = 1 << 20   // one CSV record or JSON record
	DefaultMaxPageBytes   int64 = 32 << 20  // one feed page
	DefaultMaxFeedBytes   int64 = 4 << 30   // a whole HTTP feed
	DefaultMaxFeedPages         = 100_000   // pages of an HTTP feed
	DefaultMaxBlankRows         = 100_000   // XLSX: blank rows in a row
	DefaultMaxBlankCells        = 1_000_000 // XLSX: blank cells since the last row with data
)

// Limits bound what one import may hold or read. Zero values mean the
// defaults above.
type Limits struct {
	MaxRecordBytes int64 // a CSV record (all its lines) or a JSON record
	MaxBlankRows   int   // XLSX: consecutive blank rows
	MaxBlankCells  int   // XLSX: blank cells since the last row with data
}

func (l Limits) withDefaults() Limits {
	if l.MaxRecordBytes <= 0 {
		l.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if l.MaxBlankRows <= 0 {
		l.MaxBlankRows = DefaultMaxBlankRows
	}
	if l.MaxBlankCells <= 0 {
		l.MaxBlankCells = DefaultMaxBlankCells
	}
	return l
}

// errRecordTooLong is what a recordLimiter returns once a record outgrows
// its limit; the reader turns it into an input error naming the record.
var errRecordTooLong = errors.New("record too long")

// recordLimiter sits between a source and a decoder that buffers a whole
// record (encoding/csv, encoding/json). It hands out at most limit bytes
// past the last record boundary the decoder reported (mark), so a record
// without end costs limit bytes of memory, not the input's size. Reads
// are cut short rather than failed while allowance remains, so decoders
// that read ahead never see a spurious error.
type recordLimiter struct {
	r      io.Reader
	limit  int64
	passed int64 // bytes handed to the decoder
	mark   int64 // decoder offset of the last record's end
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	allow := l.limit - (l.passed - l.mark)
	if allow <= 0 {
		return 0, errRecordTooLong
	}
	if int64(len(p)) > allow {
		p = p[:allow]
	}
	n, err := l.r.Read(p)
	l.passed += int64(n)
	return n, err
}

// recordEnd tells the limiter where the decoder's last record ended.
func (l *recordLimiter) recordEnd(offset int64) { l.mark = offset }

// sizeText is a byte count as operators read it: 1 MiB, 32 MiB, 4 GiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
