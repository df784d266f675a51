package report

import (
	"context"
	"errors"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/normalize"
	"github.com/cti3cx/cti3cx/schema"
)

// Fixer stores staff corrections of one tenant's phones. It is the one path
// a correction takes, from a report sent back (ApplyFixes) or from the
// review page: the value is checked with the tenant's profile, stored as an
// override (the source's raw value is kept; the override wins until the
// source changes it), refused when the phone changed since staff saw it, and
// audited in phone_changes under the actor.
type Fixer struct {
	db      *schema.DB
	tenant  schema.Tenant
	profile normalize.Profile
	actor   string // "fix:<file name>", "staff:<token label>"
}

// NewFixer returns a Fixer for the tenant whose changes are audited as actor.
func NewFixer(db *schema.DB, t schema.Tenant, actor string) (*Fixer, error) {
	profile, err := normalize.NewProfile(t.DefaultDDD, t.DialFormat)
	if err != nil {
		return nil, cti3cx.Errorf(cti3cx.EINVALID, "tenant %s: phone profile: %w", t.Slug, err)
	}
	return &Fixer{db: db, tenant: t, profile: profile, actor: actor}, nil
}

// Correction is one fix staff asked for.
type Correction struct {
	// Ref is the phone and the value staff saw, as Ref writes it (the ref
	// column of a report, a row of the review page).
	Ref string
	// Value is the number to store; it must read as exactly one valid
	// number. Ignored when NotAPhone.
	Value string
	// NotAPhone clears the number: the field holds no phone. The phone stays
	// in the index, without a number, until the source's value changes.
	NotAPhone bool
}

// FixOutcome is what became of a Correction. Rejected says why, in
// Portuguese, when it was not applied; Stale marks the rejections due to a
// phone that changed or went away since staff saw it.
type FixOutcome struct {
	PhoneID  int64
	Rejected string
	Stale    bool
	Dial     string // what 3CX dials now, when applied with a number
}

// Apply stores the correction.
func (f *Fixer) Apply(ctx context.Context, c Correction) (FixOutcome, error) {
	return f.fix(ctx, c, false)
}

// Validate reads a value as Apply would: its normalized fields, or why it
// would be rejected (in Portuguese).
func (f *Fixer) Validate(value string) (schema.Normalized, string) {
	return Validate(f.profile, value)
}

// errStale vetoes a fix inside the transaction that locked the phone.
var errStale = errors.New("stale")

func (f *Fixer) fix(ctx context.Context, c Correction, dryRun bool) (FixOutcome, error) {
	var out FixOutcome
	id, stamp, ok := parseRef(c.Ref)
	if !ok {
		out.Rejected = "coluna ref vazia ou alterada: use uma linha do relatório como foi gerada"
		return out, nil
	}
	out.PhoneID = id
	override, fields := "", schema.NotAPhone()
	if !c.NotAPhone {
		var why string
		if fields, why = f.Validate(c.Value); why != "" {
			out.Rejected = why
			return out, nil
		}
		override, out.Dial = c.Value, fields.Dial
	}
	check := func(p schema.FixTarget) error {
		if p.ID != id || !refMatches(stamp, p.Raw, p.Override) {
			return errStale
		}
		return nil
	}
	var err error
	if dryRun {
		var p schema.FixTarget
		if p, err = f.db.FixTargetByID(ctx, f.tenant.ID, id); err == nil {
			err = check(p)
		}
	} else {
		err = f.db.ApplyFix(ctx, f.tenant.ID, schema.Fix{PhoneID: id, Override: override, Fields: fields,
			RulesVersion: normalize.RulesVersion, ProfileFingerprint: f.profile.Fingerprint(), Actor: f.actor}, check)
	}
	switch {
	case errors.Is(err, errStale):
		out.Stale = true
		out.Rejected = "desatualizado: o telefone mudou desde que o relatório foi gerado; gere um novo relatório"
	case cti3cx.ErrorCode(err) == cti3cx.ENOTFOUND:
		out.Stale = true
		out.Rejected = "desatualizado: o telefone não existe mais; gere um novo relatório"
	case err != nil:
		return out, err
	}
	if out.Rejected != "" {
		out.Dial = ""
	}
	return out, nil
}

// Validate reads a fix with the tenant's profile: it must be exactly one
// valid number. It returns the fields to store, or why the fix is refused,
// in Portuguese.
func Validate(profile normalize.Profile, value string) (schema.Normalized, string) {
	results := profile.Normalize(value)
	switch {
	case len(results) == 0:
		return schema.Normalized{}, "não há número no valor informado"
	case len(results) > 1:
		return schema.Normalized{}, "informe um único número por linha"
	}
	r := results[0]
	if r.Status == normalize.StatusInvalid {
		why := "número inválido"
		if d := r.Reasons.Describe(); d != "" {
			why += ": " + d
		}
		if r.Suggestion != "" {
			why += " (" + r.Suggestion + ")"
		}
		return schema.Normalized{}, why
	}
	return Normalized(r), ""
}

// Normalized is a normalize.Result as the phone index stores it.
func Normalized(r normalize.Result) schema.Normalized {
	return schema.Normalized{Input: r.Input, E164: r.E164, Dial: r.Dial, Type: string(r.Type),
		Extension: r.Extension, Status: string(r.Status), Reasons: r.Reasons.String(), Suggestion: r.Suggestion}
}
