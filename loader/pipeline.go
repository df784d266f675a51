package loader

import (
	"context"
	"errors"
	"hash/maphash"
	"io"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cti3cx/cti3cx/schema"
)

// maxStoredRejects caps the rejects kept in import_rejects; the rejects
// file has them all.
const maxStoredRejects = 10000

// maxStoredRecordBytes caps each reject's record in import_rejects, so that
// 10,000 rejects stay a few tens of MB whatever the rows hold.
const maxStoredRecordBytes = 8 << 10

// truncateRecord cuts s to maxStoredRecordBytes on a character boundary,
// marking the cut.
func truncateRecord(s string) string {
	if len(s) <= maxStoredRecordBytes {
		return s
	}
	cut := maxStoredRecordBytes - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

type rejected struct {
	row row
	err *rowError
	id  string // the row's id, when it has one
}

// warned is a record imported with warnings.
type warned struct {
	rec   int // index in recs
	warns []*rowError
}

// batch is a slice of rows on its way through the workers. done closes
// when recs and rejects are filled.
type batch struct {
	rows    []row
	recs    []schema.StagedRecord
	recRow  []int // index in rows of each rec
	rejects []rejected
	warned  []warned
	done    chan struct{}
}

// pipeline reads rows on one goroutine, builds and normalizes them on
// GOMAXPROCS workers, and hands the records to COPY in input order. It
// holds at most a few batches in memory, whatever the input's size.
type pipeline struct {
	ctx     context.Context
	cancel  context.CancelFunc
	src     rowReader
	builder *recordBuilder
	ordered chan *batch
	workers sync.WaitGroup
	readEnd chan struct{}
	readErr error
	failed  error // what next returned to COPY

	cur *batch
	pos int

	// onBatch sees every finished batch in order before its records go
	// to COPY; an error stops the import.
	onBatch func(*batch) error
}

func startPipeline(ctx context.Context, src rowReader, b *recordBuilder, workers, size int, onBatch func(*batch) error) *pipeline {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if size <= 0 {
		size = 512
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &pipeline{ctx: ctx, cancel: cancel, src: src, builder: b, onBatch: onBatch,
		ordered: make(chan *batch, workers*4)}
	p.readEnd = make(chan struct{})
	work := make(chan *batch, workers*2)
	for range workers {
		p.workers.Add(1)
		go func() {
			defer p.workers.Done()
			s := newScratch()
			for {
				select {
				case bt, ok := <-work:
					if !ok {
						return
					}
					p.process(bt, s)
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(p.readEnd)
		defer close(work)
		defer close(p.ordered)
		p.readErr = p.read(work, size)
	}()
	return p
}

func (p *pipeline) read(work chan<- *batch, size int) error {
	for {
		bt := &batch{rows: make([]row, 0, size), done: make(chan struct{})}
		var err error
		for len(bt.rows) < size {
			var r row
			if r, err = p.src.Next(); err != nil {
				break
			}
			bt.rows = append(bt.rows, r)
		}
		if len(bt.rows) > 0 {
			select {
			case work <- bt:
			case <-p.ctx.Done():
				return p.ctx.Err()
			}
			select {
			case p.ordered <- bt:
			case <-p.ctx.Done():
				return p.ctx.Err()
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.ctx.Err(); err != nil {
			return err
		}
	}
}

func (p *pipeline) process(bt *batch, s *scratch) {
	defer close(bt.done)
	bt.recs = make([]schema.StagedRecord, len(bt.rows))
	n := 0
	for i, r := range bt.rows {
		if err := p.builder.build(r, &bt.recs[n], s); err != nil {
			bt.rejects = append(bt.rejects, rejected{r, err, p.builder.id(r)})
			continue
		}
		if len(s.warns) > 0 {
			bt.warned = append(bt.warned, warned{n, append([]*rowError(nil), s.warns...)})
		}
		bt.recRow = append(bt.recRow, i)
		n++
	}
	bt.recs = bt.recs[:n]
}

// next is COPY's source: the next record in input order, nil at the end.
// COPY reports a source's error to the server, which answers with its own
// text; failed keeps ours.
func (p *pipeline) next() (*schema.StagedRecord, error) {
	rec, err := p.next1()
	if err != nil {
		p.failed = err
	}
	return rec, err
}

func (p *pipeline) next1() (*schema.StagedRecord, error) {
	for p.cur == nil || p.pos >= len(p.cur.recs) {
		var bt *batch
		var ok bool
		select {
		case bt, ok = <-p.ordered:
		case <-p.ctx.Done():
			return nil, p.ctx.Err()
		}
		if !ok {
			if p.readErr != nil {
				return nil, p.readErr
			}
			return nil, nil
		}
		select {
		case <-bt.done:
		case <-p.ctx.Done():
			return nil, p.ctx.Err()
		}
		if err := p.onBatch(bt); err != nil {
			return nil, err
		}
		p.cur, p.pos = bt, 0
	}
	rec := &p.cur.recs[p.pos]
	p.pos++
	return rec, nil
}

// readerGrace is how long stop waits for a reader blocked in I/O (a pipe
// that never ends); past it the reader is left to finish on its own.
const readerGrace = 5 * time.Second

// readFinished tells whether the reader has returned, so that the source
// may be asked for its hash.
func (p *pipeline) readFinished() bool {
	select {
	case <-p.readEnd:
		return true
	default:
		return false
	}
}

// stop ends the goroutines and waits for them.
func (p *pipeline) stop() {
	p.cancel()
	p.workers.Wait()
	select {
	case <-p.readEnd:
	case <-time.After(readerGrace):
	}
}

// dupIndex finds external ids seen twice. It keeps a 64-bit hash per id,
// not the id, so that a million ids cost a few MB; the database dedupes
// exactly, this only reports.
type dupIndex struct {
	seed maphash.Seed
	seen map[uint64]int // id hash -> line
}

func newDupIndex() *dupIndex { return &dupIndex{seed: maphash.MakeSeed(), seen: map[uint64]int{}} }

// add records id at line and returns the earlier line of the same id, or 0.
func (d *dupIndex) add(id string, line int) int {
	h := maphash.String(d.seed, id)
	prev := d.seen[h]
	d.seen[h] = line
	return prev
}
