// Package loader imports a tenant's accounts and contacts from CSV/TSV,
// XLSX and JSON feeds: it detects the file's shape, maps its columns,
// normalizes every phone with the tenant's profile and writes everything in
// one transaction (COPY into a temporary table, then set-based upserts).
//
// The data path of an import, stage by stage, with the files that hold it
// (Import, in loader.go, runs them in this order):
//
//  1. Read: openSource (loader.go) picks the format and source.go declares
//     the row every reader yields; csv.go, csvfile.go and rawcsv.go read
//     CSV/TSV (encoding, delimiter), xlsx.go and xlsxscan.go XLSX, json.go
//     and feed.go a JSON file or an HTTP feed; limit.go bounds their records.
//  2. Map: header.go finds the header row, mapping.go turns columns into
//     fields (a mapping file, or names recognized) and the record kind.
//  3. Build and normalize: pipeline.go feeds rows to workers in batches;
//     record.go builds each row into a schema.StagedRecord, and that is where
//     every phone cell is normalized with the tenant's normalize.Profile
//     (email.go cleans e-mails). A row that cannot be built is rejected
//     (reject.go) and written back for staff (rejectsfile.go).
//  4. Store: schema.Importer (schema/importer.go) COPYs the staged records
//     and upserts accounts, contacts and phones, in the transaction Import
//     opens; the run is recorded in import_runs (schema/importrun.go), and
//     summary.go and progress.go tell the operator.
//
// From there the phone index answers 3CX (api, schema/lookup.go). Beside the
// import: rewrite*.go write a load file back with its phones in the dial
// format; revalidate re-checks stored phones, report writes what needs a
// human and applies staff's fixes, worker runs both (and feeds) on a
// schedule, export hands the index back to the CRM.
package loader

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Import modes.
const (
	ModeUpsert = "upsert"
	ModeFull   = "full" // also soft-deletes records absent from the source
)

// Options describe one import. Exactly one of File and Feed is set.
type Options struct {
	File string // CSV/TSV/TXT, XLSX, or JSON/NDJSON by extension; "-" reads CSV from Stdin
	Feed string // JSON feed: an http(s) URL, a path, or "-" for Stdin

	Kind        string // accounts or contacts; "" detects it from the columns
	MappingFile string // JSON or YAML
	Encoding    string // auto (default) or a name: utf-8, windows-1252, iso-8859-1...
	Delimiter   string // auto (default), ";", ",", "tab", "|"
	Sheet       string // XLSX sheet; the first when empty
	HeaderRow   int    // 1-based line of the header; 0 detects it
	NoHeader    bool   // CSV/XLSX: the first line is data; columns are named 1, 2, …

	Mode           string  // upsert (default) or full
	Force          bool    // full mode: delete past MaxDeleteShare
	MaxDeleteShare float64 // 0 means schema.DefaultMaxDeleteShare
	DryRun         bool    // do everything, then roll back
	NoWait         bool    // refuse, rather than wait, when an import of the tenant and kind is running
	MaxErrors      string  // "N" rows or "P%" of rows read; "" means no limit
	RejectsPath    string  // "" means next to the input (none for URLs and stdin)

	FeedOptions FeedOptions
	Stdin       io.Reader
	Logger      *slog.Logger
	Progress    io.Writer // a terminal: progress bar; nil: periodic log lines
	MappingOut  io.Writer // dry run: where the chosen mapping is printed

	Limits     Limits
	UnzipLimit int64 // XLSX; 0 means DefaultUnzipLimit
	tmpDir     string
	Workers    int // normalizing goroutines; 0 means GOMAXPROCS
	BatchSize  int // rows per batch; 0 means 512
}

// Summary is what an import did.
type Summary struct {
	RunID       int64
	Kind        string
	Source      string
	Format      string
	Mode        string
	DryRun      bool
	Outcome     string
	Mapping     Mapping
	Duplicates  int      // earlier rows of a repeated id, superseded by the later one
	Notes       []string // what the implementer must know: lines not read as data, no data rows
	RejectsPath string
	Duration    time.Duration
	schema.ImportCounts
}

// errDryRun and *abortError roll the transaction back on purpose.
var errDryRun = errors.New("dry run")

type abortError struct {
	rejected, read int
	limit          string
}

func (e *abortError) Error() string {
	return fmt.Sprintf("aborted: %d rejected rows (of %d read) exceed --max-errors %s; nothing was written", e.rejected, e.read, e.limit)
}

// Import runs one import for tenant and returns its summary. Bad input
// (unreadable file, unknown format, no id column...) is a *cti3cx.Error
// with code EINVALID and nothing is written; an abort for --max-errors has
// code ECONFLICT and leaves the previous data intact.
//
// Its stages, in order: check the options (prepareImport), record a feed's
// run before fetching it, open the source and choose the mapping, record the
// run, read, build, normalize and store in one transaction (writeImport),
// then record the outcome (finishImport).
func Import(ctx context.Context, db *schema.DB, tenant schema.Tenant, opts Options) (Summary, error) {
	start := time.Now()
	plan, err := prepareImport(tenant, &opts)
	if err != nil {
		return Summary{}, err
	}
	log := plan.log

	run, sum, err := startFeedRun(ctx, db, tenant, plan.kind, opts, log)
	if err != nil {
		return Summary{}, err
	}
	failed := func(err error) (Summary, error) {
		if run.ID == 0 {
			return sum, err
		}
		return failRun(ctx, db, run, sum, start, err, log)
	}

	// Temporary files (a large sheet unpacked) go to a directory of this
	// process; those of loaders that died are removed first.
	wd, err := newWorkDir(log)
	if err != nil {
		log.Warn("no loader temporary directory, using the system's", "error", err)
	} else {
		defer wd.Close()
		opts.tmpDir = wd.path
	}
	src, f, name, err := openSource(ctx, opts, log, plan.mf.names())
	if err != nil {
		return failed(err)
	}
	defer src.Close()
	if opts.RejectsPath != "" {
		if err := checkRejectsPath(opts.RejectsPath, f); err != nil {
			return failed(err)
		}
	}
	if opts.NoHeader && f.kind == FormatJSON {
		return failed(cti3cx.Errorf(cti3cx.EINVALID, "%s: --no-header is for CSV and XLSX files: JSON records name their fields", name))
	}

	m, err := chooseMapping(name, src.Header(), opts, plan.mf)
	if opts.DryRun && opts.MappingOut != nil && m.Kind != "" {
		m.WriteYAML(opts.MappingOut)
	}
	if err != nil {
		return failed(err)
	}
	sum = Summary{RunID: run.ID, Kind: m.Kind, Source: name, Format: f.kind, Mode: opts.Mode, DryRun: opts.DryRun, Mapping: m,
		Notes: headerNotes(f, opts, m, plan.mf)}
	if run, err = recordRun(ctx, db, run, tenant, m.Kind, name, f, opts, log); err != nil {
		if run.ID == 0 {
			return sum, err
		}
		return failed(err)
	}
	sum.RunID = run.ID
	log = log.With("run", run.ID, "tenant", tenant.Slug, "kind", m.Kind)

	rw := &rejectsWriter{path: rejectsPath(opts, f), fmt: f, header: src.Header()}
	st := &runState{limit: plan.limit, rejects: rw, fmt: f, dups: newDupIndex(), progress: newProgress(opts.Progress, log, src)}
	im := schema.Importer{TenantID: tenant.ID, Kind: m.Kind, Source: name,
		RulesVersion: normalize.RulesVersion, Fingerprint: plan.profile.Fingerprint()}
	w := importWrite{db: db, im: im, run: run, slug: tenant.Slug, src: src, builder: newRecordBuilder(m, plan.profile), st: st, opts: opts, log: log}
	counts, readAll, txErr := w.write(ctx)
	st.progress.finish()
	path, rwErr := rw.close()
	sum.RejectsPath = path
	if readAll {
		run.SourceHash = src.Hash()
	}
	return finishImport(ctx, db, run, sum, st, counts, importEnd{name: name, start: start, txErr: txErr, rwErr: rwErr}, log)
}

// startFeedRun records a feed's run before the feed is fetched: opening it
// reads pages (up to jsonHeaderScan records) from a server that may fail or
// hang, and such a run must leave a trace. Until the columns tell, the kind
// is provisional. A local file or stdin is opened first (no run yet): bad
// input leaves no run, as it writes nothing.
func startFeedRun(ctx context.Context, db *schema.DB, tenant schema.Tenant, kind string, opts Options, log *slog.Logger) (schema.ImportRun, Summary, error) {
	if opts.File != "" || !isURL(opts.Feed) {
		return schema.ImportRun{}, Summary{}, nil
	}
	name := redactURL(opts.Feed)
	run, err := db.CreateImportRun(ctx, schema.ImportRun{TenantID: tenant.ID, Kind: cmp.Or(kind, KindContacts),
		Source: name, Mode: opts.Mode, DryRun: opts.DryRun})
	if err != nil {
		return run, Summary{}, err
	}
	log.Info("import started", "run", run.ID, "tenant", tenant.Slug, "source", name, "mode", opts.Mode, "dry_run", opts.DryRun)
	return run, Summary{RunID: run.ID, Kind: run.Kind, Source: name, Format: FormatJSON, Mode: opts.Mode, DryRun: opts.DryRun}, nil
}

// importPlan is what Import checks before it opens anything.
type importPlan struct {
	log     *slog.Logger
	limit   maxErrors
	profile normalize.Profile
	mf      *mappingFile
	kind    string // from --kind or the mapping file; "" until the columns tell
}

// prepareImport checks the options that need no input: mode, --max-errors,
// the tenant's phone profile, the mapping file and the kind.
func prepareImport(tenant schema.Tenant, opts *Options) (importPlan, error) {
	plan := importPlan{log: opts.Logger}
	if plan.log == nil {
		plan.log = slog.New(slog.DiscardHandler)
	}
	if opts.Mode == "" {
		opts.Mode = ModeUpsert
	}
	if opts.Mode != ModeUpsert && opts.Mode != ModeFull {
		return plan, cti3cx.Errorf(cti3cx.EINVALID, "--mode %q: want upsert or full", opts.Mode)
	}
	var err error
	if plan.limit, err = parseMaxErrors(opts.MaxErrors); err != nil {
		return plan, err
	}
	if plan.profile, err = normalize.NewProfile(tenant.DefaultDDD, tenant.DialFormat); err != nil {
		return plan, cti3cx.Errorf(cti3cx.EINVALID, "tenant %s: phone profile: %v", tenant.Slug, err)
	}
	if opts.MappingFile != "" {
		f, err := loadMappingFile(opts.MappingFile)
		if err != nil {
			return plan, err
		}
		plan.mf = &f
	}
	plan.kind = opts.Kind
	if plan.kind == "" && plan.mf != nil {
		plan.kind = plan.mf.Kind
	}
	if plan.kind != "" && plan.kind != KindAccounts && plan.kind != KindContacts {
		return plan, cti3cx.Errorf(cti3cx.EINVALID, "--kind %q: want accounts or contacts", plan.kind)
	}
	return plan, nil
}

// recordRun records the run once the source is open and its kind known: a
// new run for a file, or the feed's run (recorded before its first page)
// given its kind.
func recordRun(ctx context.Context, db *schema.DB, run schema.ImportRun, tenant schema.Tenant, kind, name string, f format, opts Options, log *slog.Logger) (schema.ImportRun, error) {
	if run.ID != 0 {
		if run.Kind == kind {
			return run, nil
		}
		run.Kind = kind
		return run, db.SetImportRunKind(ctx, run.TenantID, run.ID, run.Kind)
	}
	run, err := db.CreateImportRun(ctx, schema.ImportRun{TenantID: tenant.ID, Kind: kind, Source: name,
		Mode: opts.Mode, DryRun: opts.DryRun})
	if err != nil {
		return run, err
	}
	log.Info("import started", "run", run.ID, "tenant", tenant.Slug, "source", name, "format", f.kind, "mode", opts.Mode, "dry_run", opts.DryRun)
	return run, nil
}

// importWrite is the store stage: read, build, normalize and stage every row,
// then upsert, in one transaction.
type importWrite struct {
	db      *schema.DB
	im      schema.Importer
	run     schema.ImportRun
	slug    string
	src     rowReader
	builder *recordBuilder
	st      *runState
	opts    Options
	log     *slog.Logger
}

// write runs the transaction; readAll tells whether the source was read to
// its end (its hash is then the whole input's).
func (w importWrite) write(ctx context.Context) (counts schema.ImportCounts, readAll bool, err error) {
	var p *pipeline
	err = w.db.InTx(ctx, func(tx pgx.Tx) error {
		if err := lockImport(ctx, w.db, tx, w.im, w.run, w.slug, w.opts.NoWait, w.log); err != nil {
			return err
		}
		p = startPipeline(ctx, w.src, w.builder, w.opts.Workers, w.opts.BatchSize, w.st.absorb)
		_, err := w.im.Stage(ctx, tx, p.next)
		p.stop()
		if p.failed != nil {
			return p.failed
		}
		if err != nil {
			return err
		}
		if err := w.st.finalCheck(); err != nil {
			return err
		}
		w.st.progress.setPhase(phaseWriting)
		counts, err = w.im.Apply(ctx, tx, schema.ApplyOptions{Full: w.opts.Mode == ModeFull, Force: w.opts.Force,
			MaxDeleteShare: w.opts.MaxDeleteShare, Keep: w.st.keep, Dedupe: w.st.duplicates > 0})
		if err != nil {
			return err
		}
		if w.opts.DryRun {
			return errDryRun
		}
		return nil
	})
	return counts, p != nil && p.readFinished(), err
}

// importEnd is how the store stage ended.
type importEnd struct {
	name         string
	start        time.Time
	txErr, rwErr error
}

// finishImport records the run's outcome and counts, even when the import's
// context is gone, and returns the summary and the error the caller sees.
func finishImport(ctx context.Context, db *schema.DB, run schema.ImportRun, sum Summary, st *runState, counts schema.ImportCounts, end importEnd, log *slog.Logger) (Summary, error) {
	txErr := end.txErr
	counts.RowsRead, counts.Rejected, counts.Warned = st.read, st.rejected, st.warned
	counts.PhonesOK, counts.PhonesFixed, counts.PhonesInvalid = st.phones[0], st.phones[1], st.phones[2]
	sum.ImportCounts, sum.Duplicates = counts, st.duplicates
	if st.read == 0 && (txErr == nil || errors.Is(txErr, errDryRun)) {
		sum.Notes = append(sum.Notes, "no data rows: the file has a header and nothing after it, so nothing was imported")
	}
	run.ImportCounts = counts
	var abort *abortError
	switch {
	case txErr == nil || errors.Is(txErr, errDryRun):
		run.Outcome, txErr = schema.OutcomeOK, nil
		if sum.DryRun {
			run.Outcome = schema.OutcomeDryRun
		}
	case errors.As(txErr, &abort):
		run.Outcome, run.Error = schema.OutcomeAborted, abort.Error()
		txErr = cti3cx.Errorf(cti3cx.ECONFLICT, "%s: %s", end.name, abort.Error())
		run.Inserted, run.Updated, run.Unchanged, run.Deleted = 0, 0, 0, 0
		sum.ImportCounts = run.ImportCounts
	case ctx.Err() != nil:
		run.Outcome, run.Error = schema.OutcomeInterrupted, "interrupted by signal"
		run.Inserted, run.Updated, run.Unchanged, run.Deleted = 0, 0, 0, 0
		sum.ImportCounts = run.ImportCounts
		txErr = &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: end.name + ": import interrupted by signal; nothing was written", Err: txErr}
	default:
		run.Outcome, run.Error = schema.OutcomeFailed, cti3cx.ErrorMessage(txErr)
		run.Inserted, run.Updated, run.Unchanged, run.Deleted = 0, 0, 0, 0
		sum.ImportCounts = run.ImportCounts
		txErr = lostDatabase(end.name, txErr)
	}
	sum.Outcome = run.Outcome
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := db.FinishImportRun(finishCtx, run, st.stored); err != nil {
		// The next loader to start marks the run abandoned.
		log.Error("cannot record the end of the import run", "outcome", run.Outcome, "error", err)
		if txErr == nil {
			txErr = err
		}
	}
	txErr = rejectsFileEnd(&sum, run, end.rwErr, txErr, log)
	sum.Duration = time.Since(end.start)
	log.Info("import finished", "outcome", run.Outcome, "read", counts.RowsRead, "inserted", counts.Inserted,
		"updated", counts.Updated, "unchanged", counts.Unchanged, "deleted", counts.Deleted,
		"rejected", counts.Rejected, "warned", counts.Warned, "duplicates", st.duplicates, "duration", sum.Duration.Round(time.Millisecond))
	return sum, txErr
}

// lostDatabase says which import lost its database, and that nothing was
// written, instead of a bare "database unavailable".
func lostDatabase(name string, err error) error {
	var e *cti3cx.Error
	if errors.As(err, &e) && e.Code == cti3cx.EUNAVAILABLE && e.Message == "database unavailable" {
		return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: name + ": lost the database while importing; nothing was written (run the same command again once it is back)", Err: err}
	}
	return err
}

// rejectsFileEnd decides what a rejects file that could not be written
// means: before a commit it fails the import; after one (an XLSX is saved
// at the end) it is logged and noted, and the committed import stands.
func rejectsFileEnd(sum *Summary, run schema.ImportRun, rwErr, txErr error, log *slog.Logger) error {
	if rwErr == nil {
		return txErr
	}
	committed := run.Outcome == schema.OutcomeOK
	log.Error("cannot write the rejects file", "path", sum.RejectsPath, "committed", committed, "error", rwErr)
	if committed {
		sum.Notes = append(sum.Notes, fmt.Sprintf("the import committed, but the rejects file could not be written (%s); the first %d rejects are kept with the run",
			cti3cx.ErrorMessage(rwErr), maxStoredRejects))
		return txErr
	}
	if txErr == nil {
		return rwErr
	}
	return txErr
}

// lockImport serialises the imports of one tenant and kind with a
// transaction-level advisory lock: two imports with overlapping ids would
// otherwise lock the same rows in different orders and deadlock. It waits,
// saying for what, or with noWait refuses.
func lockImport(ctx context.Context, db *schema.DB, tx pgx.Tx, im schema.Importer, run schema.ImportRun, slug string, noWait bool, log *slog.Logger) error {
	ok, err := im.TryLock(ctx, tx)
	if err != nil || ok {
		return err
	}
	other := "another import"
	if r, found, _ := db.RunningImport(ctx, im.TenantID, im.Kind, run.ID); found {
		other = fmt.Sprintf("import run %d (%s, started %s)", r.ID, r.Source, r.StartedAt.Format(time.RFC3339))
	}
	if noWait {
		return cti3cx.Errorf(cti3cx.ECONFLICT, "%s of tenant %s's %s is running; --no-wait refuses to wait for it; nothing was written", other, slug, im.Kind)
	}
	log.Warn("waiting for another import of the same tenant and kind to finish", "other", other)
	waitStart := time.Now()
	if err := im.Lock(ctx, tx); err != nil {
		return err
	}
	log.Info("the other import finished; importing", "waited", time.Since(waitStart).Round(time.Millisecond))
	return nil
}

// failRun finishes a run that failed before its transaction began (the
// feed could not be fetched, no usable columns...) and returns err, as
// EUNAVAILABLE when the import was interrupted.
func failRun(ctx context.Context, db *schema.DB, run schema.ImportRun, sum Summary, start time.Time, err error, log *slog.Logger) (Summary, error) {
	run.Outcome, run.Error = schema.OutcomeFailed, cti3cx.ErrorMessage(err)
	if ctx.Err() != nil {
		run.Outcome, run.Error = schema.OutcomeInterrupted, "interrupted by signal"
		err = &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: sum.Source + ": import interrupted by signal; nothing was written", Err: err}
	}
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ferr := db.FinishImportRun(finishCtx, run, nil); ferr != nil {
		log.Error("cannot record the failed import", "run", run.ID, "error", ferr)
	}
	sum.Outcome, sum.Duration = run.Outcome, time.Since(start)
	log.Info("import finished", "run", run.ID, "outcome", run.Outcome, "error", run.Error, "duration", sum.Duration.Round(time.Millisecond))
	return sum, err
}

// runState is what the collector tracks while rows stream to COPY. It is
// used from one goroutine only (COPY's).
type runState struct {
	limit      maxErrors
	rejects    *rejectsWriter
	fmt        format
	dups       *dupIndex
	progress   *progress
	read       int
	rejected   int
	warned     int // imported rows with warnings
	duplicates int
	phones     [3]int // ok, fixed, invalid
	keep       []string
	stored     []schema.ImportReject
}

func (st *runState) absorb(bt *batch) error {
	st.read += len(bt.rows)
	for _, rj := range bt.rejects {
		st.rejected++
		if err := st.reject(rj.row, rj.err); err != nil {
			return err
		}
		// A rejected row's record stays: --mode full must not delete it.
		if id := rejectedID(rj); id != "" {
			st.keep = append(st.keep, id)
		}
	}
	for _, w := range bt.warned {
		st.warned++
		for _, e := range w.warns {
			if err := st.reject(bt.rows[bt.recRow[w.rec]], e); err != nil {
				return err
			}
		}
	}
	for i := range bt.recs {
		rec := &bt.recs[i]
		if prev := st.dups.add(rec.ExternalID, rec.Line); prev != 0 {
			st.duplicates++
			r := bt.rows[bt.recRow[i]]
			kept := r
			kept.line = prev
			if err := st.reject(kept, &rowError{CodeDuplicateID, fmt.Sprintf(
				"código %q repetido: a linha %d substitui esta (linha %d); abaixo os dados importados", rec.ExternalID, r.line, prev)}); err != nil {
				return err
			}
		}
		for _, p := range rec.Phones {
			switch p.Status {
			case string(normalize.StatusOK):
				st.phones[0]++
			case string(normalize.StatusFixed):
				st.phones[1]++
			default:
				st.phones[2]++
			}
		}
	}
	st.progress.add(len(bt.rows))
	if st.limit.exceededCount(st.rejected) {
		return &abortError{st.rejected, st.read, st.limit.text}
	}
	return nil
}

// rejectedID is the builder's idea of the row's id, if it has one.
func rejectedID(rj rejected) string { return rj.id }

func (st *runState) reject(r row, e *rowError) error {
	if len(st.stored) < maxStoredRejects {
		st.stored = append(st.stored, schema.ImportReject{Line: r.line, Code: e.Code, Message: e.Message,
			// A row of a UTF-8 file may hold invalid bytes: PostgreSQL refuses them.
			Record: truncateRecord(strings.ToValidUTF8(recordText(r, st.fmt), "\uFFFD")), Imported: e.imported()})
	}
	return st.rejects.write(r, e)
}

func (st *runState) finalCheck() error {
	if st.limit.exceeded(st.rejected, st.read) {
		return &abortError{st.rejected, st.read, st.limit.text}
	}
	return nil
}

// maxErrors is --max-errors: a count, or a percentage of the rows read.
type maxErrors struct {
	text    string
	count   int
	percent float64
	set     bool
}

func parseMaxErrors(s string) (maxErrors, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return maxErrors{}, nil
	}
	m := maxErrors{text: s, set: true, count: -1, percent: -1}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v < 0 || v > 100 {
			return m, cti3cx.Errorf(cti3cx.EINVALID, "--max-errors %q: want a count (10) or a percentage (5%%)", s)
		}
		m.percent = v
		return m, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return m, cti3cx.Errorf(cti3cx.EINVALID, "--max-errors %q: want a count (10) or a percentage (5%%)", s)
	}
	m.count = v
	return m, nil
}

func (m maxErrors) exceededCount(rejected int) bool {
	return m.set && m.count >= 0 && rejected > m.count
}

func (m maxErrors) exceeded(rejected, read int) bool {
	if m.exceededCount(rejected) {
		return true
	}
	return m.set && m.percent >= 0 && read > 0 && float64(rejected)*100 > m.percent*float64(read)
}

func rejectsPath(opts Options, f format) string {
	if opts.RejectsPath != "" {
		return opts.RejectsPath
	}
	in := opts.File
	if in == "" {
		in = opts.Feed
	}
	if in == "" || in == "-" || isURL(in) {
		return ""
	}
	return defaultRejectsPath(in, f)
}

// openSource opens the file or feed and returns its reader, its format and
// the name runs record.
func openSource(ctx context.Context, opts Options, log *slog.Logger, named map[string]bool) (rowReader, format, string, error) {
	hopt := headerOptions{noHeader: opts.NoHeader, named: named}
	switch {
	case opts.File != "" && opts.Feed != "":
		return nil, format{}, "", cti3cx.Errorf(cti3cx.EINVALID, "give --file or --feed, not both")
	case opts.Feed != "":
		return openFeed(ctx, opts, log)
	case opts.File == "":
		return nil, format{}, "", cti3cx.Errorf(cti3cx.EINVALID, "no input: give --file or --feed")
	}
	name := opts.File
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		x, err := openXLSX(name, name, xlsxOptions{sheet: opts.Sheet, headerRow: opts.HeaderRow, unzipLimit: opts.UnzipLimit,
			tmpDir: opts.tmpDir, limits: opts.Limits, header: hopt})
		if err != nil {
			return nil, format{}, "", err
		}
		return x, x.fmt, name, nil
	case ".xls":
		return nil, format{}, "", inputError(name, "old Excel .xls is not supported: save it as .xlsx or CSV")
	case ".json", ".ndjson", ".jsonl":
		return openFeed(ctx, Options{Feed: name, FeedOptions: opts.FeedOptions, Stdin: opts.Stdin, Limits: opts.Limits}, log)
	}
	var in io.ReadCloser
	var size int64
	if name == "-" {
		in = io.NopCloser(opts.Stdin)
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, format{}, "", inputError(name, "%v", unwrapPathError(err))
		}
		if fi, err := f.Stat(); err == nil {
			if fi.IsDir() {
				f.Close()
				return nil, format{}, "", inputError(name, "is a directory")
			}
			size = fi.Size()
		}
		in = f
	}
	c, err := openCSV(name, in, size, csvOptions{encoding: opts.Encoding, delimiter: opts.Delimiter, headerRow: opts.HeaderRow,
		maxRecord: opts.Limits.MaxRecordBytes, header: hopt})
	if err != nil {
		in.Close()
		return nil, format{}, "", err
	}
	return c, c.fmt, name, nil
}

func openFeed(ctx context.Context, opts Options, log *slog.Logger) (rowReader, format, string, error) {
	f := format{kind: FormatJSON}
	switch {
	case isURL(opts.Feed):
		name := redactURL(opts.Feed)
		fetch := newFeedFetcher(name, opts.FeedOptions, log)
		j, err := openJSON(ctx, name, nil, fetch, opts.Feed, opts.Limits.MaxRecordBytes)
		return j, f, name, err
	case opts.Feed == "-":
		j, err := openJSON(ctx, "stdin", io.NopCloser(opts.Stdin), nil, "", opts.Limits.MaxRecordBytes)
		return j, f, "stdin", err
	}
	in, err := openFeedFile(opts.Feed)
	if err != nil {
		return nil, f, "", err
	}
	j, err := openJSON(ctx, opts.Feed, in, nil, "", opts.Limits.MaxRecordBytes)
	if err != nil {
		in.Close()
	}
	return j, f, opts.Feed, err
}

// chooseMapping settles the kind and the column mapping, and checks that
// an id column exists.
func chooseMapping(name string, header []string, opts Options, mf *mappingFile) (Mapping, error) {
	kind := opts.Kind
	if kind == "" && mf != nil {
		kind = mf.Kind
	}
	if kind == "" {
		kind = detectKind(header)
	}
	if kind != "" && kind != KindAccounts && kind != KindContacts {
		return Mapping{}, cti3cx.Errorf(cti3cx.EINVALID, "--kind %q: want accounts or contacts", kind)
	}
	if kind == "" {
		if !looksLikeHeader(header, mf.names()) {
			return Mapping{}, inputError(name, "no recognizable column in the header (%s)", shortList(header))
		}
		return Mapping{}, inputError(name, "cannot tell accounts from contacts by the columns (%s): give --kind", shortList(header))
	}
	m, err := buildMapping(kind, header, mf)
	if err != nil {
		return m, err
	}
	if opts.Kind != "" || (mf != nil && mf.Kind != "") {
		if cols, other := m.contradictingColumns(mf); len(cols) > 0 {
			return m, inputError(name, "kind %s, but the columns %s are %s columns and would be dropped: give the right --kind, or map them in a mapping file (\"\" ignores a column)",
				kind, strings.Join(cols, ", "), other)
		}
	}
	if m.recognized() == 0 {
		return m, inputError(name, "no recognizable column in the header (%s); write a mapping file (fields: %s)", shortList(header), targetsList(kind))
	}
	if !m.has(TargetExternalID) {
		return m, inputError(name, "no id column: none of the columns (%s) is the record's code; map one to external_id in a mapping file (--mapping; --dry-run prints one to start from)", shortList(header))
	}
	return m, nil
}

// headerNotes says which lines were not read as data because of the
// header, so that no line is skipped silently.
func headerNotes(f format, opts Options, m Mapping, mf *mappingFile) []string {
	if f.kind == FormatJSON {
		return nil
	}
	if opts.NoHeader {
		return []string{fmt.Sprintf("no header (--no-header): every line is data; columns are named 1 to %d by position", len(m.Header))}
	}
	var notes []string
	switch h := f.headerLine; {
	case h == 2:
		notes = append(notes, "line 1 skipped before the header (line 2)")
	case h > 2:
		notes = append(notes, fmt.Sprintf("lines 1–%d skipped before the header (line %d)", h-1, h))
	}
	if !looksLikeHeader(m.Header, nil) {
		by := "the first line"
		if opts.HeaderRow > 0 {
			by = "--header-row"
		} else if mf != nil {
			by = "the mapping file"
		}
		notes = append(notes, fmt.Sprintf("line %d is the header (chosen by %s), though no cell of it is a known column name: if it is data, import with --no-header", f.headerLine, by))
	}
	return notes
}

func shortList(h []string) string {
	const max = 8
	if len(h) > max {
		return strings.Join(h[:max], ", ") + fmt.Sprintf(", … (%d columns)", len(h))
	}
	return strings.Join(h, ", ")
}
