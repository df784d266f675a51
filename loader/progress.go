package loader

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressEvery is how often progress is logged when stderr is no terminal.
const progressEvery = 5 * time.Second

// Import phases, as progress names them.
const (
	phaseReading = "reading" // rows read, normalized and streamed to the database
	phaseWriting = "writing" // the staged rows applied to the tenant's records
)

// progress shows an import's advance during the whole import: a bar with
// rows/s and ETA on a terminal, structured log lines otherwise. A ticker
// keeps both coming while no row moves (the database applying the rows),
// with the phase named, so a long import is never silent.
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	log   *slog.Logger
	src   rowReader
	rows  int
	phase string
	start time.Time
	last  time.Time
	stop  chan struct{}
	done  chan struct{}
}

func newProgress(term io.Writer, log *slog.Logger, src rowReader) *progress {
	p := &progress{log: log, src: src, phase: phaseReading, start: time.Now(), last: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{})}
	if term != nil {
		total := int64(-1)
		if src.Done() >= 0 {
			total = 1000 // per mille of the input's bytes
		}
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(term),
			progressbar.OptionSetDescription("importando"),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	go p.tick()
	return p
}

func (p *progress) tick() {
	defer close(p.done)
	every := progressEvery
	if p.bar != nil {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.show(time.Now())
			p.mu.Unlock()
		}
	}
}

func (p *progress) add(rows int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rows += rows
	p.show(time.Now())
}

// setPhase names what the import does now.
func (p *progress) setPhase(phase string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase = phase
	p.last = time.Time{} // say so at once
	p.show(time.Now())
}

// show draws the bar, or logs a line when progressEvery has passed. The
// caller holds mu.
func (p *progress) show(now time.Time) {
	rate := float64(p.rows) / max(now.Sub(p.start).Seconds(), 1e-3)
	if p.bar != nil {
		p.bar.Describe(progressDescription(p.phase, p.rows, rate))
		switch d := p.src.Done(); {
		case p.phase == phaseWriting:
			p.bar.Set64(p.bar.GetMax64()) // every row is read; the database works
		case d >= 0:
			p.bar.Set64(int64(d * 1000))
		default:
			p.bar.Set64(int64(p.rows))
		}
		return
	}
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	attrs := []any{"phase", p.phase, "rows", p.rows, "rows_per_s", int(rate), "elapsed", now.Sub(p.start).Round(time.Second).String()}
	if d := p.src.Done(); d >= 0 && p.phase == phaseReading {
		attrs = append(attrs, "done_pct", int(d*100))
	}
	p.log.Info("import progress", attrs...)
}

func progressDescription(phase string, rows int, rate float64) string {
	if phase == phaseWriting {
		return "gravando no banco: " + itoa(rows) + " linhas"
	}
	return "lendo e normalizando: " + itoa(rows) + " linhas, " + itoa(int(rate)) + " linhas/s"
}

func (p *progress) finish() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	<-p.done
	if p.bar != nil {
		p.bar.Finish()
	}
}
