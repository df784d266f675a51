package schema

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// Fix is a staff correction of one phone: the override and the fields it
// normalizes to.
type Fix struct {
	PhoneID            int64
	Override           string
	Fields             Normalized
	RulesVersion       string
	ProfileFingerprint string
	Actor              string // "fix:<file name>"
}

// FixTarget is the phone a fix is about to change, as locked for the change.
type FixTarget struct {
	ID       int64
	Raw      string
	Override *string
	Normalized
}

// ApplyFix stores fix.Override on the tenant's phone with its normalized
// fields and an audit row, in one transaction. check sees the row locked
// before anything is written and vetoes the fix (a stale report) by returning
// an error, which ApplyFix returns unchanged. A phone of another tenant is
// ENOTFOUND.
func (db *DB) ApplyFix(ctx context.Context, tenantID int64, fix Fix, check func(FixTarget) error) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		var t FixTarget
		err := tx.QueryRow(ctx, `
			SELECT id, raw, override, input, e164, dial, type, extension, status, reasons, suggestion
			FROM phones WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, fix.PhoneID).
			Scan(&t.ID, &t.Raw, &t.Override, &t.Input, &t.E164, &t.Dial, &t.Type, &t.Extension, &t.Status,
				&t.Reasons, &t.Suggestion)
		if errors.Is(err, pgx.ErrNoRows) {
			return cti3cx.Errorf(cti3cx.ENOTFOUND, "phone %d not found", fix.PhoneID)
		}
		if err != nil {
			return err
		}
		if err := check(t); err != nil {
			return err
		}
		before, err := json.Marshal(auditFix{Override: t.Override, Normalized: t.Normalized})
		if err != nil {
			return err
		}
		f := fix.Fields
		f.Input = t.Input // the override replaces the value normalized, not the cell's part
		after, err := json.Marshal(auditFix{Override: &fix.Override, Normalized: f})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE phones SET override = $3, e164 = $4, dial = $5, type = $6, extension = $7, status = $8,
				reasons = $9, suggestion = $10, rules_version = $11, profile_fingerprint = $12,
				checked_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND id = $2`,
			tenantID, fix.PhoneID, fix.Override, f.E164, f.Dial, f.Type, f.Extension, f.Status, f.Reasons,
			f.Suggestion, fix.RulesVersion, fix.ProfileFingerprint); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO phone_changes (tenant_id, phone_id, actor, before, after)
			VALUES ($1, $2, $3, $4, $5)`, tenantID, fix.PhoneID, fix.Actor, before, after)
		return err
	})
}

// FixTargetByID returns the tenant's phone for a dry run's staleness check.
func (db *DB) FixTargetByID(ctx context.Context, tenantID, phoneID int64) (FixTarget, error) {
	var t FixTarget
	err := db.Pool.QueryRow(ctx, `
		SELECT id, raw, override, input, e164, dial, type, extension, status, reasons, suggestion
		FROM phones WHERE tenant_id = $1 AND id = $2`, tenantID, phoneID).
		Scan(&t.ID, &t.Raw, &t.Override, &t.Input, &t.E164, &t.Dial, &t.Type, &t.Extension, &t.Status,
			&t.Reasons, &t.Suggestion)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, cti3cx.Errorf(cti3cx.ENOTFOUND, "phone %d not found", phoneID)
	}
	return t, dbError(err)
}

type auditFix struct {
	Override *string `json:"override"`
	Normalized
}

// NotAPhone is what a phone staff marked as "not a phone" holds, with an
// empty override: no number, so no lookup finds it and no dial string
// exists. It counts as fixed by staff, with not_a_number as the reason, so
// the review list and the report leave it out, and revalidation keeps it so
// (see loader/revalidate) until the source's value changes.
func NotAPhone() Normalized {
	return Normalized{Type: "unknown", Status: "fixed", Reasons: "not_a_number",
		Suggestion: "Marcado pela equipe como não sendo telefone: o número foi apagado"}
}
