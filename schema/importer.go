package schema

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// Import kinds, as import_runs names them.
const (
	ImportAccounts = "accounts"
	ImportContacts = "contacts"
)

// DefaultMaxDeleteShare is the share of a tenant's active records that a
// full import may soft-delete without being forced.
const DefaultMaxDeleteShare = 0.5

// StagedPhone is one normalized number of a record's phone cell.
type StagedPhone struct {
	Field      string
	Position   int16
	Raw        string // the whole cell
	DDD        string // the cell of its DDD column, as received; "" when none
	Input      string
	E164       string
	Dial       string
	Type       string
	Extension  string
	Status     string
	Reasons    string
	Suggestion string
}

// StagedRecord is one parsed, validated and normalized row, ready for COPY.
// Accounts use Name, TradeName and TaxID; contacts FirstName, LastName,
// AccountExternalID and Company.
type StagedRecord struct {
	Line              int
	ExternalID        string
	Name              string
	TradeName         string
	TaxID             string
	FirstName         string
	LastName          string
	AccountExternalID string
	Company           string
	Email             string
	Hash              string // of every imported field, phone cells included
	Phones            []StagedPhone
}

// Importer writes one import into the tenant's records, inside a
// transaction the caller owns: Stage fills a temporary table with COPY, Apply
// turns it into set-based upserts. Nothing is visible before the commit.
type Importer struct {
	TenantID     int64
	Kind         string // ImportAccounts or ImportContacts
	Source       string
	RulesVersion string
	Fingerprint  string
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Full soft-deletes the tenant's records of the kind absent from the stage.
	Full bool
	// MaxDeleteShare caps what Full may delete, as a share of the active
	// records before the import; 0 means DefaultMaxDeleteShare.
	MaxDeleteShare float64
	// Force lifts MaxDeleteShare.
	Force bool
	// Keep lists external ids present in the source but rejected: Full must
	// not delete them.
	Keep []string
	// Dedupe removes earlier lines of ids staged several times; set it when
	// the stage may hold duplicates.
	Dedupe bool
}

type kindSQL struct {
	table, owner string
	columns      []string // record columns after line and external_id
}

var kinds = map[string]kindSQL{
	ImportAccounts: {"accounts", "account_id", []string{"name", "trade_name", "tax_id", "email"}},
	ImportContacts: {"contacts", "contact_id", []string{"first_name", "last_name", "email", "account_external_id", "company"}},
}

var phoneArrays = []string{"p_field", "p_position", "p_raw", "p_input", "p_e164", "p_dial", "p_type",
	"p_extension", "p_status", "p_reasons", "p_suggestion", "p_ddd"}

const phoneCols = "field, position, raw, input, e164, dial, type, extension, status, reasons, suggestion, ddd"

func (im Importer) sql() (kindSQL, error) {
	k, ok := kinds[im.Kind]
	if !ok {
		return kindSQL{}, cti3cx.Errorf(cti3cx.EINVALID, "unknown import kind %q", im.Kind)
	}
	return k, nil
}

// Stage creates the temporary staging table and copies the records that
// next returns into it until next returns nil. next runs while COPY streams,
// so producing records overlaps with the database's work.
func (im Importer) Stage(ctx context.Context, tx pgx.Tx, next func() (*StagedRecord, error)) (int64, error) {
	k, err := im.sql()
	if err != nil {
		return 0, err
	}
	var cols []string
	for _, c := range k.columns {
		cols = append(cols, c+" text NOT NULL")
	}
	ddl := fmt.Sprintf(`CREATE TEMP TABLE import_stage (line integer NOT NULL, external_id text NOT NULL, %s,
		content_hash text NOT NULL, p_field text[], p_position smallint[], p_raw text[], p_input text[],
		p_e164 text[], p_dial text[], p_type text[], p_extension text[], p_status text[], p_reasons text[],
		p_suggestion text[], p_ddd text[]) ON COMMIT DROP`, strings.Join(cols, ", "))
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return 0, dbError(err)
	}
	names := append(append([]string{"line", "external_id"}, k.columns...), "content_hash")
	names = append(names, phoneArrays...)
	src := &stageSource{next: next, kind: im.Kind}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"import_stage"}, names, src)
	if err != nil {
		return n, dbError(err)
	}
	return n, nil
}

// stageSource adapts a record iterator to pgx.CopyFromSource.
type stageSource struct {
	next func() (*StagedRecord, error)
	kind string
	rec  *StagedRecord
	err  error
	vals []any
}

func (s *stageSource) Next() bool {
	s.rec, s.err = s.next()
	return s.err == nil && s.rec != nil
}

func (s *stageSource) Err() error { return s.err }

func (s *stageSource) Values() ([]any, error) {
	r := s.rec
	s.vals = s.vals[:0]
	s.vals = append(s.vals, int32(r.Line), r.ExternalID)
	if s.kind == ImportAccounts {
		s.vals = append(s.vals, r.Name, r.TradeName, r.TaxID, r.Email)
	} else {
		s.vals = append(s.vals, r.FirstName, r.LastName, r.Email, r.AccountExternalID, r.Company)
	}
	s.vals = append(s.vals, r.Hash)
	n := len(r.Phones)
	field, raw, input := make([]string, n), make([]string, n), make([]string, n)
	e164, dial, typ := make([]string, n), make([]string, n), make([]string, n)
	ext, status, reasons, sugg := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ddd := make([]string, n)
	pos := make([]int16, n)
	for i, p := range r.Phones {
		field[i], pos[i], raw[i], input[i] = p.Field, p.Position, p.Raw, p.Input
		e164[i], dial[i], typ[i], ext[i] = p.E164, p.Dial, p.Type, p.Extension
		status[i], reasons[i], sugg[i], ddd[i] = p.Status, p.Reasons, p.Suggestion, p.DDD
	}
	s.vals = append(s.vals, field, pos, raw, input, e164, dial, typ, ext, status, reasons, sugg, ddd)
	return s.vals, nil
}

// Apply upserts the staged records and their phones. Rows whose content
// hash is unchanged are not written at all; a changed row's phone field is
// rewritten only when its cell changed, which keeps staff overrides on
// unchanged cells and clears them when the source changes the cell.
func (im Importer) Apply(ctx context.Context, tx pgx.Tx, opts ApplyOptions) (ImportCounts, error) {
	c, err := im.apply(ctx, tx, opts)
	return c, dbError(err)
}

func (im Importer) apply(ctx context.Context, tx pgx.Tx, opts ApplyOptions) (ImportCounts, error) {
	var c ImportCounts
	k, err := im.sql()
	if err != nil {
		return c, err
	}
	if opts.Dedupe {
		if _, err := tx.Exec(ctx, `DELETE FROM import_stage s USING import_stage t
			WHERE t.external_id = s.external_id AND t.line > s.line`); err != nil {
			return c, err
		}
	}
	// Temporary tables have no statistics until analysed; without them the
	// planner picks nested loops over a million staged rows.
	if _, err := tx.Exec(ctx, `ANALYZE import_stage`); err != nil {
		return c, err
	}
	var staged, activeBefore int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM import_stage`).Scan(&staged); err != nil {
		return c, err
	}
	if opts.Full {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+k.table+` WHERE tenant_id = $1 AND deleted_at IS NULL`,
			im.TenantID).Scan(&activeBefore); err != nil {
			return c, err
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_changed (id bigint PRIMARY KEY, external_id text NOT NULL,
		inserted boolean NOT NULL) ON COMMIT DROP`); err != nil {
		return c, err
	}
	if _, err := tx.Exec(ctx, im.upsertSQL(k), im.TenantID, im.Source); err != nil {
		return c, err
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM import_changed`).
		Scan(&c.Inserted, &c.Updated); err != nil {
		return c, err
	}
	c.Unchanged = staged - c.Inserted - c.Updated
	if c.Inserted+c.Updated > 0 {
		if err := im.writePhones(ctx, tx, k, c.Updated > 0); err != nil {
			return c, err
		}
	}
	if im.Kind == ImportAccounts && c.Inserted+c.Updated > 0 {
		// Contacts imported before their account get linked now, once no
		// import of the tenant's contacts runs: their upserts and this
		// update would lock the same contacts in different orders. A
		// contacts import never waits for an accounts import, so the two
		// locks cannot form a cycle.
		if err := lockImports(ctx, tx, im.TenantID, ImportContacts); err != nil {
			return c, err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE contacts ct SET account_id = ch.id, updated_at = now()
			FROM import_changed ch
			WHERE ct.tenant_id = $1 AND ct.account_external_id = ch.external_id
				AND ct.account_id IS DISTINCT FROM ch.id`, im.TenantID); err != nil {
			return c, err
		}
	}
	if opts.Full {
		n, err := im.softDelete(ctx, tx, k, opts, activeBefore)
		if err != nil {
			return c, err
		}
		c.Deleted = n
	}
	return c, nil
}

func (im Importer) upsertSQL(k kindSQL) string {
	cols := strings.Join(k.columns, ", ")
	var sel, set []string
	for _, col := range k.columns {
		sel = append(sel, "s."+col)
		set = append(set, col+" = EXCLUDED."+col)
	}
	insertCols, selectCols, join, changed := cols, strings.Join(sel, ", "), "", ""
	if im.Kind == ImportContacts {
		// The account link is resolved here and kept fresh: a contact whose
		// account arrived since is updated even when its own fields are not.
		insertCols += ", account_id"
		selectCols += ", acc.id"
		join = `LEFT JOIN accounts acc ON acc.tenant_id = $1 AND acc.external_id = s.account_external_id AND s.account_external_id <> ''`
		set = append(set, "account_id = EXCLUDED.account_id")
		changed = " OR r.account_id IS DISTINCT FROM EXCLUDED.account_id"
	}
	return fmt.Sprintf(`
		WITH up AS (
			INSERT INTO %[1]s AS r (tenant_id, external_id, %[2]s, source, content_hash)
			SELECT $1, s.external_id, %[3]s, $2, s.content_hash FROM import_stage s %[4]s
			ORDER BY s.external_id
			ON CONFLICT (tenant_id, external_id) DO UPDATE SET %[5]s, source = EXCLUDED.source,
				content_hash = EXCLUDED.content_hash, deleted_at = NULL, updated_at = now()
			WHERE r.content_hash <> EXCLUDED.content_hash OR r.deleted_at IS NOT NULL%[6]s
			RETURNING r.id, r.external_id, (r.xmax = 0) AS inserted)
		INSERT INTO import_changed SELECT id, external_id, inserted FROM up`,
		k.table, insertCols, selectCols, join, strings.Join(set, ", "), changed)
}

const unnestPhones = `CROSS JOIN LATERAL unnest(s.p_field, s.p_position, s.p_raw, s.p_input, s.p_e164, s.p_dial,
	s.p_type, s.p_extension, s.p_status, s.p_reasons, s.p_suggestion, s.p_ddd)
	AS p(field, position, raw, input, e164, dial, type, extension, status, reasons, suggestion, ddd)`

// writePhones inserts the phones of new records, and for updated records
// rewrites the fields whose cell changed.
func (im Importer) writePhones(ctx context.Context, tx pgx.Tx, k kindSQL, anyUpdated bool) error {
	if _, err := tx.Exec(ctx, fmt.Sprintf(`
		INSERT INTO phones (tenant_id, %[1]s, %[2]s, rules_version, profile_fingerprint)
		SELECT $1, ch.id, p.*, $2, $3
		FROM import_changed ch JOIN import_stage s USING (external_id) %[3]s
		WHERE ch.inserted ORDER BY ch.id, p.field, p.position`, k.owner, phoneCols, unnestPhones),
		im.TenantID, im.RulesVersion, im.Fingerprint); err != nil {
		return err
	}
	if !anyUpdated {
		return nil
	}
	stmts := []string{
		fmt.Sprintf(`CREATE TEMP TABLE import_np ON COMMIT DROP AS
			SELECT ch.id AS owner_id, p.* FROM import_changed ch JOIN import_stage s USING (external_id) %s
			WHERE NOT ch.inserted`, unnestPhones),
		// A field is rewritten when its cell differs from the stored one,
		// including appearing or disappearing.
		fmt.Sprintf(`CREATE TEMP TABLE import_repl ON COMMIT DROP AS
			SELECT owner_id, field FROM
				(SELECT owner_id, field, raw, ddd FROM import_np WHERE position = 0) n
			FULL JOIN
				(SELECT ph.%[1]s AS owner_id, ph.field, ph.raw, ph.ddd FROM phones ph
				 JOIN import_changed ch ON ch.id = ph.%[1]s AND NOT ch.inserted
				 WHERE ph.tenant_id = $1 AND ph.position = 0) o
			USING (owner_id, field)
			WHERE (n.raw, n.ddd) IS DISTINCT FROM (o.raw, o.ddd)`, k.owner),
		fmt.Sprintf(`DELETE FROM phones ph USING import_repl r
			WHERE ph.tenant_id = $1 AND ph.%[1]s = r.owner_id AND ph.field = r.field
				AND NOT EXISTS (SELECT 1 FROM import_np n
					WHERE n.owner_id = r.owner_id AND n.field = r.field AND n.position = ph.position)`, k.owner),
		fmt.Sprintf(`INSERT INTO phones (tenant_id, %[1]s, %[2]s, rules_version, profile_fingerprint)
			SELECT $1, n.owner_id, n.field, n.position, n.raw, n.input, n.e164, n.dial, n.type, n.extension,
				n.status, n.reasons, n.suggestion, n.ddd, $2, $3
			FROM import_np n JOIN import_repl r USING (owner_id, field)
			ORDER BY n.owner_id, n.field, n.position
			ON CONFLICT (%[1]s, field, position) DO UPDATE SET raw = EXCLUDED.raw, ddd = EXCLUDED.ddd, input = EXCLUDED.input,
				override = NULL, e164 = EXCLUDED.e164, dial = EXCLUDED.dial, type = EXCLUDED.type,
				extension = EXCLUDED.extension, status = EXCLUDED.status, reasons = EXCLUDED.reasons,
				suggestion = EXCLUDED.suggestion, rules_version = EXCLUDED.rules_version,
				profile_fingerprint = EXCLUDED.profile_fingerprint, checked_at = now(), updated_at = now()`,
			k.owner, phoneCols),
	}
	for i, q := range stmts {
		var err error
		switch i {
		case 0:
			_, err = tx.Exec(ctx, q)
		case 3:
			_, err = tx.Exec(ctx, q, im.TenantID, im.RulesVersion, im.Fingerprint)
		default:
			_, err = tx.Exec(ctx, q, im.TenantID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// softDelete marks the tenant's records absent from the stage as deleted,
// refusing past the safe share unless forced.
func (im Importer) softDelete(ctx context.Context, tx pgx.Tx, k kindSQL, opts ApplyOptions, activeBefore int) (int, error) {
	keep := opts.Keep
	if keep == nil {
		keep = []string{}
	}
	absent := fmt.Sprintf(`%s r WHERE r.tenant_id = $1 AND r.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM import_stage s WHERE s.external_id = r.external_id)
		AND NOT (r.external_id = ANY($2))`, k.table)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+absent, im.TenantID, keep).Scan(&n); err != nil {
		return 0, err
	}
	share := opts.MaxDeleteShare
	if share <= 0 {
		share = DefaultMaxDeleteShare
	}
	if n > 0 && !opts.Force && float64(n) > share*float64(activeBefore) {
		return 0, cti3cx.Errorf(cti3cx.ECONFLICT,
			"--mode full would delete %d of %d active %s (more than %.0f%%); check the file, or use --force",
			n, activeBefore, k.table, share*100)
	}
	if n == 0 {
		return 0, nil
	}
	tag, err := tx.Exec(ctx, `UPDATE `+k.table+` SET deleted_at = now(), updated_at = now()
		WHERE id IN (SELECT r.id FROM `+absent+`)`, im.TenantID, keep)
	return int(tag.RowsAffected()), err
}
