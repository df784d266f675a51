package schema

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cti3cx/cti3cx"
)

// MaxLookupOwners bounds how many records one lookup answers: a suffix shared
// by thousands of numbers must not turn a 3CX lookup into a dump.
const MaxLookupOwners = 10

// OwnerPhone is one of an owner's numbers in a slot of 3CX's contact.
type OwnerPhone struct {
	Field string
	E164  string
	Dial  string
}

// Owner is a live account or contact that owns a searched number, with what
// consult-phone needs to answer for it.
type Owner struct {
	Kind       Kind
	ID         int64
	ExternalID string
	FirstName  string // the account's display name for an account
	LastName   string
	Email      string
	Company    string // linked account's display name, else the contact's free text

	// The phone that matched.
	MatchedField    string
	MatchedPosition int
	MatchedE164     string
	// Rank is the index of the candidate that matched (0 is the number's
	// first reading); -1 for a suffix match.
	Rank int

	// Phones are the owner's numbers at position 0 of the four fields that
	// 3CX's contact has slots for.
	Phones []OwnerPhone
}

// ownerColumns is shared by both lookups: the hit CTE differs, the answer
// does not. One round trip returns owners, names, linked account and the
// owner's slot phones.
const ownerColumns = `
SELECT h.rank, h.field, h.position, h.e164,
	CASE WHEN h.contact_id IS NOT NULL THEN 'contact' ELSE 'account' END,
	coalesce(h.contact_id, h.account_id),
	coalesce(c.external_id, a.external_id),
	CASE WHEN c.id IS NOT NULL THEN c.first_name ELSE coalesce(nullif(a.trade_name, ''), a.name) END,
	coalesce(c.last_name, ''),
	coalesce(c.email, a.email),
	CASE WHEN c.id IS NOT NULL THEN coalesce(nullif(ca.trade_name, ''), nullif(ca.name, ''), c.company)
		ELSE coalesce(nullif(a.trade_name, ''), a.name) END,
	coalesce(op.fields, '{}'), coalesce(op.e164s, '{}'), coalesce(op.dials, '{}')
FROM hit h
LEFT JOIN contacts c ON c.id = h.contact_id
LEFT JOIN accounts ca ON ca.id = c.account_id AND ca.tenant_id = $1 AND ca.deleted_at IS NULL
LEFT JOIN accounts a ON a.id = h.account_id
LEFT JOIN LATERAL (
	SELECT array_agg(q.field ORDER BY q.field) AS fields,
		array_agg(q.e164 ORDER BY q.field) AS e164s,
		array_agg(q.dial ORDER BY q.field) AS dials
	FROM phones q
	WHERE q.tenant_id = $1 AND q.position = 0
		AND q.field IN ('businessphone', 'businessphone2', 'mobilephone', 'mobilephone2')
		AND (q.contact_id = h.contact_id OR q.account_id = h.account_id)
) op ON true
ORDER BY h.rank, h.slot, h.kind_order, h.owner_id
LIMIT $3`

// hitColumns picks, per owner, its best matching phone: a phone in a slot
// field at position 0 before the others, so that the echoed number lands
// where 3CX looks.
const hitColumns = `
	SELECT DISTINCT ON (p.contact_id, p.account_id)
		p.contact_id, p.account_id, p.field, p.position, p.e164,
		coalesce(p.contact_id, p.account_id) AS owner_id,
		CASE WHEN p.contact_id IS NOT NULL THEN 0 ELSE 1 END AS kind_order,
		CASE WHEN p.position = 0 AND p.field IN ('businessphone', 'businessphone2', 'mobilephone', 'mobilephone2') THEN 0 ELSE 1 END AS slot,`

// liveOwner keeps phones whose owner is not soft-deleted.
const liveOwner = `
		AND (p.contact_id IS NULL OR EXISTS (SELECT 1 FROM contacts lc WHERE lc.id = p.contact_id AND lc.deleted_at IS NULL))
		AND (p.account_id IS NULL OR EXISTS (SELECT 1 FROM accounts la WHERE la.id = p.account_id AND la.deleted_at IS NULL))`

// The explicit non-empty e164 test lets the planner use the partial indexes even with
// a generic plan.
const lookupExactSQL = `
WITH hit AS (
	SELECT * FROM (
		SELECT * FROM (` + hitColumns + `
			array_position($2::text[], p.e164) - 1 AS rank
		FROM phones p
		WHERE p.tenant_id = $1 AND p.e164 <> '' AND p.e164 = ANY($2::text[])` + liveOwner + `
		ORDER BY p.contact_id, p.account_id, rank, slot, p.field, p.position
		) d
		LIMIT 1000
	) b
	ORDER BY rank, slot, kind_order, owner_id
	LIMIT $3
)` + ownerColumns

// The LIKE states the intent; the ~>=~/~<~ range on the same prefix is what
// a text_pattern_ops btree answers in O(log n) even with a generic plan, in
// which a LIKE on a parameter cannot use the index.
const lookupSuffixSQL = `
WITH hit AS (
	SELECT * FROM (
		SELECT * FROM (` + hitColumns + `
			-1 AS rank
		FROM phones p
		WHERE p.tenant_id = $1 AND p.e164 <> ''
			AND p.e164_reversed ~>=~ $2 AND p.e164_reversed ~<~ $4
			AND p.e164_reversed LIKE $2 || '%'` + liveOwner + `
		ORDER BY p.contact_id, p.account_id, slot, p.field, p.position
		) d
		LIMIT 1000
	) b
	ORDER BY slot, kind_order, owner_id
	LIMIT $3
)` + ownerColumns

// LookupExact returns the live owners of a phone whose E.164 is one of
// candidates, in the candidates' order of priority: only the owners of the
// best-ranked candidate that matched anything, at most limit of them.
func (db *DB) LookupExact(ctx context.Context, tenantID int64, candidates []string, limit int) ([]Owner, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	owners, err := db.lookup(ctx, lookupExactSQL, tenantID, candidates, clampLimit(limit))
	if err != nil || len(owners) == 0 {
		return owners, err
	}
	best := owners[0].Rank
	n := 0
	for _, o := range owners {
		if o.Rank == best {
			owners[n] = o
			n++
		}
	}
	return owners[:n], nil
}

// LookupSuffix returns the live owners of a phone whose E.164 digits end with
// suffix (digits only), at most limit of them.
func (db *DB) LookupSuffix(ctx context.Context, tenantID int64, suffix string, limit int) ([]Owner, error) {
	if suffix == "" || !allDigits(suffix) {
		return nil, cti3cx.Errorf(cti3cx.EINVALID, "suffix %q: want digits", suffix)
	}
	prefix := reverseASCII(suffix)
	// Digits sort before ':', so prefix+':' bounds every string that starts
	// with prefix.
	upper := prefix + ":"
	return db.lookup(ctx, lookupSuffixSQL, tenantID, prefix, clampLimit(limit), upper)
}

func (db *DB) lookup(ctx context.Context, sql string, args ...any) ([]Owner, error) {
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, queryError(err)
	}
	owners, err := pgx.CollectRows(rows, scanOwner)
	return owners, queryError(err)
}

func scanOwner(r pgx.CollectableRow) (Owner, error) {
	var o Owner
	var kind string
	var fields, e164s, dials []string
	var pos int16
	err := r.Scan(&o.Rank, &o.MatchedField, &pos, &o.MatchedE164, &kind, &o.ID, &o.ExternalID,
		&o.FirstName, &o.LastName, &o.Email, &o.Company, &fields, &e164s, &dials)
	if err != nil {
		return o, err
	}
	o.Kind = Kind(kind)
	o.MatchedPosition = int(pos)
	o.Phones = make([]OwnerPhone, 0, len(fields))
	for i := range fields {
		if i < len(e164s) && i < len(dials) {
			o.Phones = append(o.Phones, OwnerPhone{Field: fields[i], E164: e164s[i], Dial: dials[i]})
		}
	}
	return o, nil
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

// queryError is wrapDBError plus the ways a connection dies mid-query
// (server gone, proxy closed), which must read as "unavailable" so that the
// API answers 503 rather than 500.
func queryError(err error) error {
	if err == nil {
		return nil
	}
	wrapped := wrapDBError(err)
	if cti3cx.ErrorCode(wrapped) != cti3cx.EINTERNAL {
		return wrapped
	}
	if ConnectionLost(err) {
		return &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	return wrapped
}

// ConnectionLost tells whether err is the database going away (or not
// answering in time) rather than a fault in the query: what an HTTP edge
// answers with 503.
func ConnectionLost(err error) bool {
	if err == nil || cti3cx.ErrorCode(err) == cti3cx.EUNAVAILABLE {
		return err != nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		pgconn.Timeout(err) || isClosedConn(err)
}

// isClosedConn recognises pgx's errors for a connection or pool already
// closed, which carry no sentinel.
func isClosedConn(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"conn closed", "closed pool", "connection reset", "broken pipe"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
