package loader

import (
	"io"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressEvery is how often progress is logged when stderr is no terminal.
const progressEvery = 5 * time.Second

// progress shows an import's advance: a bar with rows/s and ETA on a
// terminal, structured log lines otherwise.
type progress struct {
	bar   *progressbar.ProgressBar
	log   *slog.Logger
	src   rowReader
	rows  int
	start time.Time
	last  time.Time
}

func newProgress(term io.Writer, log *slog.Logger, src rowReader) *progress {
	p := &progress{log: log, src: src, start: time.Now(), last: time.Now()}
	if term == nil {
		return p
	}
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
	return p
}

func (p *progress) add(rows int) {
	p.rows += rows
	now := time.Now()
	rate := float64(p.rows) / max(now.Sub(p.start).Seconds(), 1e-3)
	if p.bar != nil {
		p.bar.Describe(progressDescription(p.rows, rate))
		if d := p.src.Done(); d >= 0 {
			p.bar.Set64(int64(d * 1000))
		} else {
			p.bar.Set64(int64(p.rows))
		}
		return
	}
	if now.Sub(p.last) >= progressEvery {
		p.last = now
		attrs := []any{"rows", p.rows, "rows_per_s", int(rate)}
		if d := p.src.Done(); d >= 0 {
			attrs = append(attrs, "done_pct", int(d*100))
		}
		p.log.Info("import progress", attrs...)
	}
}

func progressDescription(rows int, rate float64) string {
	return "importando: " + itoa(rows) + " linhas, " + itoa(int(rate)) + " linhas/s"
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
