// Package revalidate re-normalizes stored phones whose rules version or
// tenant profile changed since they were last checked, in batches that each
// commit on their own: a run never holds locks for long, and an interrupted
// run leaves its finished batches done and the rest selected next time.
package revalidate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Actor names revalidation in the phone_changes audit rows.
const Actor = "revalidation"

// DefaultBatchSize keeps a batch's transaction well under a second.
const DefaultBatchSize = 5000

// Options tune a run. The zero value revalidates with the current rules and
// the tenant's own profile.
type Options struct {
	// RulesVersion stamps checked rows; normalize.RulesVersion when empty.
	// Tests bump it to simulate new rules.
	RulesVersion string
	// Profile replaces the tenant's profile when set.
	Profile *normalize.Profile
	// All re-checks every phone, not only those checked under other rules.
	All       bool
	BatchSize int
	Logger    *slog.Logger
	// AfterBatch is called after each committed batch with the counts so far.
	AfterBatch func(Counts)
}

// Counts are what a run found.
type Counts struct {
	Checked      int
	Changed      int
	NewlyInvalid int
	Fixed        int // were invalid, now ok or fixed
	StillInvalid int
}

// Run outcomes, as stored in revalidation_runs.
const (
	OutcomeOK          = "ok"
	OutcomeFailed      = "failed"
	OutcomeInterrupted = schema.OutcomeInterrupted
)

// Tenant revalidates one tenant's phones and records the run. Cancelling ctx
// stops the run after the batch in flight commits; the run is then recorded
// as interrupted and ctx's error returned.
func Tenant(ctx context.Context, db *schema.DB, t schema.Tenant, opts Options) (schema.RevalidationRun, error) {
	opts = opts.withDefaults()
	profile, err := tenantProfile(t, opts)
	if err != nil {
		return schema.RevalidationRun{}, err
	}
	run, err := db.StartRevalidationRun(ctx, t.ID, opts.RulesVersion)
	if err != nil {
		return run, err
	}
	r := &runner{db: db, tenantID: t.ID, runID: run.ID, profile: profile, fingerprint: profile.Fingerprint(), opts: opts,
		start: run.StartedAt}
	counts, err := r.run(ctx)
	run.Checked, run.Changed, run.NewlyInvalid = counts.Checked, counts.Changed, counts.NewlyInvalid
	run.Fixed, run.StillInvalid = counts.Fixed, counts.StillInvalid
	switch {
	case err == nil:
		run.Outcome = OutcomeOK
	case ctx.Err() != nil:
		run.Outcome, run.Error = OutcomeInterrupted, "interrupted"
	default:
		run.Outcome, run.Error = OutcomeFailed, cti3cx.ErrorMessage(err)
	}
	saved, ferr := db.FinishRevalidationRun(ctx, run)
	if ferr != nil {
		// The batches' counts are committed; the next start marks the run
		// abandoned once this process is gone.
		opts.Logger.Error("cannot record the end of the revalidation run", "tenant", t.Slug, "run", run.ID, "outcome", run.Outcome, "error", ferr)
		return run, errors.Join(err, ferr)
	}
	opts.Logger.Info("revalidation finished", "tenant", t.Slug, "run", saved.ID, "outcome", saved.Outcome,
		"checked", saved.Checked, "changed", saved.Changed, "newly_invalid", saved.NewlyInvalid,
		"fixed", saved.Fixed, "still_invalid", saved.StillInvalid)
	return saved, err
}

// All revalidates every tenant in turn. A tenant that fails is logged and
// the others still run; the errors are returned joined.
func All(ctx context.Context, db *schema.DB, opts Options) ([]schema.RevalidationRun, error) {
	opts = opts.withDefaults()
	tenants, err := db.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	var runs []schema.RevalidationRun
	var errs []error
	for _, t := range tenants {
		if ctx.Err() != nil {
			return runs, ctx.Err()
		}
		run, err := Tenant(ctx, db, t, opts)
		if run.ID != 0 {
			runs = append(runs, run)
		}
		if ctx.Err() != nil {
			return runs, ctx.Err()
		}
		if err != nil {
			opts.Logger.Error("revalidation failed", "tenant", t.Slug, "err", err)
			errs = append(errs, fmt.Errorf("tenant %s: %w", t.Slug, err))
		}
	}
	return runs, errors.Join(errs...)
}

func (o Options) withDefaults() Options {
	if o.RulesVersion == "" {
		o.RulesVersion = normalize.RulesVersion
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func tenantProfile(t schema.Tenant, opts Options) (normalize.Profile, error) {
	if opts.Profile != nil {
		return *opts.Profile, nil
	}
	p, err := normalize.NewProfile(t.DefaultDDD, t.DialFormat)
	if err != nil {
		return p, cti3cx.Errorf(cti3cx.EINVALID, "tenant %s: phone profile: %w", t.Slug, err)
	}
	return p, nil
}

type runner struct {
	db          *schema.DB
	tenantID    int64
	runID       int64
	profile     normalize.Profile
	fingerprint string
	opts        Options
	start       time.Time

	results   []normalize.Result // reused across phones
	unchanged []int64
	changed   []schema.PhoneUpdate
}

func (r *runner) run(ctx context.Context) (Counts, error) {
	var counts Counts
	var after int64
	// The batch in flight finishes even when ctx is cancelled: cancellation
	// is honoured between batches, the run's safe points.
	work := context.WithoutCancel(ctx)
	for ctx.Err() == nil {
		batch, err := r.db.PhonesToRevalidate(work, r.tenantID, after, r.opts.RulesVersion, r.fingerprint,
			r.opts.All, r.start, r.opts.BatchSize)
		if err != nil {
			return counts, err
		}
		if len(batch) == 0 {
			return counts, nil
		}
		if err := r.batch(work, batch, &counts); err != nil {
			return counts, err
		}
		after = batch[len(batch)-1].ID
		if r.opts.AfterBatch != nil {
			r.opts.AfterBatch(counts)
		}
	}
	return counts, ctx.Err()
}

func (r *runner) batch(ctx context.Context, batch []schema.PhoneCheck, counts *Counts) error {
	r.unchanged, r.changed = r.unchanged[:0], r.changed[:0]
	var c Counts
	for i := range batch {
		p := &batch[i]
		now := r.renormalize(p)
		c.Checked++
		wasInvalid, isInvalid := p.Status == string(normalize.StatusInvalid), now.Status == string(normalize.StatusInvalid)
		switch {
		case wasInvalid && isInvalid:
			c.StillInvalid++
		case wasInvalid:
			c.Fixed++
		case isInvalid:
			c.NewlyInvalid++
		}
		if now == p.Normalized {
			r.unchanged = append(r.unchanged, p.ID)
			continue
		}
		u, err := r.update(p, now)
		if err != nil {
			return err
		}
		r.changed = append(r.changed, u)
	}
	n, err := r.db.SaveRevalidatedBatch(ctx, r.tenantID, r.opts.RulesVersion, r.fingerprint, Actor, r.unchanged, r.changed,
		&schema.BatchCounts{RunID: r.runID, Checked: c.Checked, NewlyInvalid: c.NewlyInvalid, Fixed: c.Fixed, StillInvalid: c.StillInvalid})
	if err != nil {
		return err
	}
	c.Changed = n
	counts.Checked += c.Checked
	counts.Changed += c.Changed
	counts.NewlyInvalid += c.NewlyInvalid
	counts.Fixed += c.Fixed
	counts.StillInvalid += c.StillInvalid
	return nil
}

// renormalize reads a stored phone again. An empty staff override marks the
// row as not a phone, which stays so. A staff override is one number
// standing for this row alone, so its first result counts; otherwise the
// cell's result at the row's position does. When the cell now yields fewer
// numbers than the row's position needs, the row is flagged invalid as
// ambiguous: revalidation never adds or drops rows, the loader rewrites a
// cell's rows when the source changes.
func (r *runner) renormalize(p *schema.PhoneCheck) schema.Normalized {
	if p.Override != nil && *p.Override == "" {
		n := schema.NotAPhone() // staff said the field holds no phone
		n.Input = p.Input
		return n
	}
	value, at := p.Raw, p.Position
	switch {
	case p.Override != nil:
		r.results = r.profile.AppendNormalize(r.results[:0], *p.Override)
		at = 0
	case p.DDD != "":
		// The cell with its row's DDD cell, as the import read them.
		r.results = r.profile.AppendNormalizeDDD(r.results[:0], value, p.DDD)
	default:
		r.results = r.profile.AppendNormalize(r.results[:0], value)
	}
	if at >= len(r.results) {
		return schema.Normalized{
			Input:      p.Input,
			Status:     string(normalize.StatusInvalid),
			Reasons:    ambiguous.String(),
			Suggestion: "O campo agora é lido com menos números do que antes: revise o valor.",
		}
	}
	res := r.results[at]
	n := schema.Normalized{
		Input:      res.Input,
		E164:       res.E164,
		Dial:       res.Dial,
		Type:       string(res.Type),
		Extension:  res.Extension,
		Status:     string(res.Status),
		Reasons:    res.Reasons.String(),
		Suggestion: res.Suggestion,
	}
	if p.Override != nil {
		n.Input = p.Input // the override stands in for the input; the input stays the source's
	}
	return n
}

func (r *runner) update(p *schema.PhoneCheck, now schema.Normalized) (schema.PhoneUpdate, error) {
	before, err := json.Marshal(audit{Normalized: p.Normalized})
	if err != nil {
		return schema.PhoneUpdate{}, err
	}
	after, err := json.Marshal(audit{Normalized: now, RulesVersion: r.opts.RulesVersion, Profile: r.fingerprint})
	if err != nil {
		return schema.PhoneUpdate{}, err
	}
	return schema.PhoneUpdate{ID: p.ID, Raw: p.Raw, Override: p.Override, Normalized: now, Before: before, After: after}, nil
}

type audit struct {
	schema.Normalized
	RulesVersion string `json:"rules_version,omitempty"`
	Profile      string `json:"profile_fingerprint,omitempty"`
}

// ambiguous flags rows whose position the cell no longer reaches.
var ambiguous = mustReasons("ambiguous")

func mustReasons(s string) normalize.Reasons {
	r, err := normalize.ParseReasons(s)
	if err != nil {
		panic(err)
	}
	return r
}
