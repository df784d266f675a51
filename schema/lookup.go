package schema

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// MaxLookupOwners bounds how many records one lookup answers: a suffix shared
// by thousands of numbers must not turn a 3CX lookup into a dump.
const MaxLookupOwners = 10

// OwnerPhone is one of an owner's numbers in a slot of 3CX's contact. The
// API renders it in the tenant's current dial format; an invalid number has
// no E.164 and is shown empty, as its stored dial string is.
type OwnerPhone struct {
	Field string
	E164  string
}

// Hit is the phone that matched a lookup: the owner's best matching phone
// when several did.
type Hit struct {
	Kind     Kind
	OwnerID  int64
	Field    string
	Position int
	E164     string
	// Rank is the index of the candidate that matched (0 is the number's
	// first reading); -1 for a suffix match.
	Rank int
}

// InSlot tells whether the phone sits where 3CX's contact has a field for
// it: position 0 of a business or mobile field.
func (h Hit) InSlot() bool {
	return h.Position == 0 && IsSlotField(h.Field)
}

// IsSlotField tells the four phone fields 3CX's contact shows.
func IsSlotField(field string) bool {
	switch field {
	case FieldBusiness, FieldBusiness2, FieldMobile, FieldMobile2:
		return true
	}
	return false
}

// Owner is a live account or contact that owns a searched number, with what
// consult-phone needs to answer for it.
type Owner struct {
	Hit
	ExternalID string
	FirstName  string // the account's display name for an account
	LastName   string
	Email      string
	Company    string // linked account's display name, else the contact's free text, else an unlinked Empresa
	// Phones are the owner's numbers at position 0 of the four fields that
	// 3CX's contact has slots for.
	Phones []OwnerPhone
}

// The lookups are one statement each: the matching phones joined to their
// live owners, with the owners' slot phones aggregated alongside. Ranking and
// de-duplication happen in Go, which keeps the SQL plain and its generic plan
// (see api.TunePool) on the indexes. The LIMIT bounds the rows read for one
// number.
const ownerSelect = `
	SELECT p.contact_id, p.account_id, p.field, p.position, p.e164,
		coalesce(c.external_id, a.external_id) AS external_id,
		coalesce(c.first_name, coalesce(nullif(a.trade_name, ''), a.name)) AS first_name,
		coalesce(c.last_name, '') AS last_name,
		coalesce(c.email, a.email) AS email,
		CASE WHEN c.id IS NOT NULL THEN coalesce(nullif(ca.trade_name, ''), nullif(ca.name, ''), nullif(c.company, ''),
				-- an Empresa that is no account's code is the company's name
				CASE WHEN c.account_id IS NULL THEN c.account_external_id END, '')
			ELSE coalesce(nullif(a.trade_name, ''), a.name) END AS company,
		coalesce(cp.phones, ap.phones) AS phones
	FROM phones p
	LEFT JOIN contacts c ON c.id = p.contact_id AND c.deleted_at IS NULL
	LEFT JOIN accounts ca ON ca.id = c.account_id AND ca.deleted_at IS NULL
	LEFT JOIN accounts a ON a.id = p.account_id AND a.deleted_at IS NULL
	LEFT JOIN LATERAL (
		SELECT array_agg(q.field || ' ' || q.e164) AS phones
		FROM phones q WHERE q.contact_id = c.id AND q.position = 0
			AND q.field IN ('businessphone', 'businessphone2', 'mobilephone', 'mobilephone2')
	) cp ON c.id IS NOT NULL
	LEFT JOIN LATERAL (
		SELECT array_agg(q.field || ' ' || q.e164) AS phones
		FROM phones q WHERE q.account_id = a.id AND q.position = 0
			AND q.field IN ('businessphone', 'businessphone2', 'mobilephone', 'mobilephone2')
	) ap ON a.id IS NOT NULL
	WHERE p.tenant_id = $1 AND p.e164 <> '' AND (c.id IS NOT NULL OR a.id IS NOT NULL)`

// The explicit non-empty e164 test lets the planner use the partial indexes
// even with a generic plan.
const lookupExactSQL = ownerSelect + `
		AND p.e164 = ANY($2::text[])
	LIMIT 200`

// The LIKE states the intent; the ~>=~/~<~ range on the same prefix is what
// a text_pattern_ops btree answers in O(log n) even with a generic plan, in
// which a LIKE on a parameter cannot use the index.
const lookupSuffixSQL = ownerSelect + `
		AND p.e164_reversed ~>=~ $2 AND p.e164_reversed ~<~ $3
		AND p.e164_reversed LIKE $2 || '%'
	LIMIT 200`

// recording wraps a lookup so that the same statement records the call
// (its per-tenant number, which 3CX sees, comes from calls' trigger),
// attributed to the owner the answer lists first: one round trip for
// consult-phone's lookup and INSERT. No match inserts nothing. Its ORDER BY
// is pickOwners' order (best rank, a phone in a slot, contacts before
// accounts, owner id); rank is the candidate's position for an exact
// lookup and none for a suffix one, whose owners all rank alike.
func recording(lookup, rank, numberParam string) string {
	if rank != "" {
		rank += ","
	}
	return `WITH o AS (` + lookup + `),
	k AS (
		INSERT INTO calls (tenant_id, number, e164, contact_id, account_id)
		SELECT $1, ` + numberParam + `, o.e164, o.contact_id, o.account_id FROM o
		ORDER BY ` + rank + `
			CASE WHEN o.position = 0 AND o.field IN ('businessphone', 'businessphone2', 'mobilephone', 'mobilephone2') THEN 0 ELSE 1 END,
			o.contact_id IS NULL, coalesce(o.contact_id, o.account_id)
		LIMIT 1
		RETURNING call_no
	)
	SELECT o.*, (SELECT call_no FROM k) FROM o`
}

var (
	answerExactSQL  = recording(lookupExactSQL, "array_position($2::text[], o.e164)", "$3")
	answerSuffixSQL = recording(lookupSuffixSQL, "", "$4")
)

// LookupExact returns the live owners of a phone whose E.164 is one of
// candidates, in the candidates' order of priority: only the owners of the
// best-ranked candidate that matched anything, at most limit of them.
func (db *DB) LookupExact(ctx context.Context, tenantID int64, candidates []string, limit int) ([]Owner, error) {
	owners, _, err := db.exact(ctx, lookupExactSQL, candidates, limit, tenantID, candidates)
	return owners, err
}

// AnswerExact is LookupExact that also records the call of number (as 3CX
// sent it) when the lookup finds someone, in the same statement; callID is
// 0 when it did not.
func (db *DB) AnswerExact(ctx context.Context, tenantID int64, candidates []string, number string, limit int) ([]Owner, int64, error) {
	return db.exact(ctx, answerExactSQL, candidates, limit, tenantID, candidates, number)
}

func (db *DB) exact(ctx context.Context, sql string, candidates []string, limit int, args ...any) ([]Owner, int64, error) {
	if len(candidates) == 0 {
		return nil, 0, nil
	}
	owners, callID, err := db.owners(ctx, sql, args...)
	if err != nil || len(owners) == 0 {
		return nil, callID, err
	}
	best := len(candidates)
	for i := range owners {
		for r, c := range candidates {
			if c == owners[i].E164 {
				owners[i].Rank = r
				break
			}
		}
		best = min(best, owners[i].Rank)
	}
	n := 0
	for _, o := range owners {
		if o.Rank == best {
			owners[n] = o
			n++
		}
	}
	return pickOwners(owners[:n], limit), callID, nil
}

// LookupSuffix returns the live owners of a phone whose E.164 digits end
// with suffix (digits only), at most limit of them.
func (db *DB) LookupSuffix(ctx context.Context, tenantID int64, suffix string, limit int) ([]Owner, error) {
	owners, _, err := db.suffix(ctx, lookupSuffixSQL, suffix, limit, tenantID)
	return owners, err
}

// AnswerSuffix is LookupSuffix that also records the call, as AnswerExact.
func (db *DB) AnswerSuffix(ctx context.Context, tenantID int64, suffix, number string, limit int) ([]Owner, int64, error) {
	return db.suffix(ctx, answerSuffixSQL, suffix, limit, tenantID, number)
}

func (db *DB) suffix(ctx context.Context, sql, suffix string, limit int, tenantID int64, number ...any) ([]Owner, int64, error) {
	if suffix == "" || !allDigits(suffix) {
		return nil, 0, cti3cx.Errorf(cti3cx.EINVALID, "suffix %q: want digits", suffix)
	}
	prefix := reverseASCII(suffix)
	// Digits sort before ':', so prefix+':' bounds every string that starts
	// with prefix.
	owners, callID, err := db.owners(ctx, sql, append([]any{tenantID, prefix, prefix + ":"}, number...)...)
	for i := range owners {
		owners[i].Rank = -1
	}
	return pickOwners(owners, limit), callID, err
}

// owners runs a lookup; a recording one has the call id as last column.
func (db *DB) owners(ctx context.Context, sql string, args ...any) ([]Owner, int64, error) {
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, dbError(err)
	}
	var callID *int64
	owners, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Owner, error) {
		return scanOwner(r, &callID)
	})
	if err != nil || callID == nil {
		return owners, 0, dbError(err)
	}
	return owners, *callID, nil
}

func scanOwner(r pgx.CollectableRow, callID **int64) (Owner, error) {
	var o Owner
	var contactID, accountID *int64
	var pos int16
	var phones []string
	dest := []any{&contactID, &accountID, &o.Field, &pos, &o.E164, &o.ExternalID, &o.FirstName,
		&o.LastName, &o.Email, &o.Company, &phones}
	if len(r.FieldDescriptions()) > len(dest) {
		dest = append(dest, callID)
	}
	if err := r.Scan(dest...); err != nil {
		return o, err
	}
	o.Position = int(pos)
	if contactID != nil {
		o.Kind, o.OwnerID = KindContact, *contactID
	} else if accountID != nil {
		o.Kind, o.OwnerID = KindAccount, *accountID
	}
	// One "field e164" string per phone: a single aggregate is measurably
	// cheaper for PostgreSQL than one array per column.
	for _, fe := range phones {
		field, e164, _ := strings.Cut(fe, " ")
		o.Phones = append(o.Phones, OwnerPhone{Field: field, E164: e164})
	}
	slices.SortFunc(o.Phones, func(a, b OwnerPhone) int { return cmp.Compare(a.Field, b.Field) })
	return o, nil
}

// pickOwners keeps one row per owner (a phone in a slot first, so that the
// echoed number lands where 3CX looks), owners with a phone in a slot first,
// then contacts before accounts, then by id, at most limit. recording's
// ORDER BY must agree: the call goes to the owner listed first.
func pickOwners(owners []Owner, limit int) []Owner {
	slices.SortFunc(owners, func(a, b Owner) int {
		return cmp.Or(
			-cmp.Compare(a.Kind, b.Kind), // contact before account
			cmp.Compare(a.OwnerID, b.OwnerID),
			cmp.Compare(slotOrder(a.Hit), slotOrder(b.Hit)),
			cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.Position, b.Position),
		)
	})
	owners = slices.CompactFunc(owners, func(a, b Owner) bool { return a.Kind == b.Kind && a.OwnerID == b.OwnerID })
	slices.SortStableFunc(owners, func(a, b Owner) int { return cmp.Compare(slotOrder(a.Hit), slotOrder(b.Hit)) })
	return owners[:min(len(owners), clampLimit(limit))]
}

func slotOrder(h Hit) int {
	if h.InSlot() {
		return 0
	}
	return 1
}

func clampLimit(limit int) int {
	if limit <= 0 || limit > MaxLookupOwners {
		return MaxLookupOwners
	}
	return limit
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func reverseASCII(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
