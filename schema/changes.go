package schema

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cti3cx/cti3cx"
)

// RecordState is an account or a contact as it is handed back to the CRM:
// its fields, whether it is deleted, and its phones as stored (staff fixes
// applied). Accounts use Name, TradeName and TaxID; contacts FirstName,
// LastName, AccountExternalID and Company.
type RecordState struct {
	Kind              Kind
	ID                int64
	ExternalID        string
	Name              string
	TradeName         string
	TaxID             string
	FirstName         string
	LastName          string
	AccountExternalID string
	Company           string
	Email             string
	Deleted           bool
	Phones            []StoredPhone // by field, then position
}

// StoredPhone is one phone of a record as an export shows it.
type StoredPhone struct {
	ID       int64 // the phone index row
	Field    string
	Position int
	// Stored is the value as received: the staff fix if any, else the part
	// of the cell the number came from.
	Stored    string
	E164      string // "" when invalid
	Dial      string // as last normalized; exports render E164 in the current profile
	Extension string
	Status    string
}

// ExportFilter selects the records ExportRecords reads.
type ExportFilter struct {
	// Since, when set, keeps the live records changed after it (by an
	// import, a revalidation, a staff fix).
	Since time.Time
	// IDs, when set, reads exactly these records, deleted ones included.
	IDs []int64
}

var exportColumns = map[Kind]struct{ table, owner, cols string }{
	KindAccount: {"accounts", "account_id", "r.name, r.trade_name, r.tax_id, '', '', '', ''"},
	KindContact: {"contacts", "contact_id", "'', '', '', r.first_name, r.last_name, r.account_external_id, r.company"},
}

// ExportStart is what an export learns before its first record.
type ExportStart struct {
	Count int // records that will follow
	// NextSince is a safe --since for the next export: the start of the
	// oldest transaction in flight when this one read, so that a change of
	// a transaction committed after this read (and stamped with its start)
	// is not missed.
	NextSince time.Time
}

// ExportRecords calls start once, then fn with each of the tenant's records
// of kind that f selects, in id order, all from one consistent snapshot.
// fn's record is reused between calls; start may be nil.
func (db *DB) ExportRecords(ctx context.Context, tenantID int64, kind Kind, f ExportFilter,
	start func(ExportStart) error, fn func(*RecordState) error) error {
	q, where, args, err := exportQuery(tenantID, kind, f)
	if err != nil {
		return err
	}
	k := exportColumns[kind]
	return dbError(pgx.BeginTxFunc(ctx, db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			if start != nil {
				var st ExportStart
				// First statement: it takes the snapshot the export reads.
				if err := tx.QueryRow(ctx, `SELECT least(now(), min(xact_start)) FROM pg_stat_activity
					WHERE datname = current_database() AND xact_start IS NOT NULL`).Scan(&st.NextSince); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s r WHERE r.tenant_id = $1 AND %s`,
					k.table, where), args...).Scan(&st.Count); err != nil {
					return err
				}
				if err := start(st); err != nil {
					return err
				}
			}
			return readRecords(ctx, tx, kind, q, args, fn)
		}))
}

// readRecords runs an exportQuery in tx and calls fn with each record.
func readRecords(ctx context.Context, tx pgx.Tx, kind Kind, q string, args []any, fn func(*RecordState) error) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanRecords(rows, kind, fn)
}

// exportQuery is the query of the records f selects, one row per phone
// (or one with no phone), by record id; where is its filter on r.
func exportQuery(tenantID int64, kind Kind, f ExportFilter) (q, where string, args []any, err error) {
	k, ok := exportColumns[kind]
	if !ok {
		return "", "", nil, cti3cx.Errorf(cti3cx.EINVALID, "unknown record kind %q", kind)
	}
	where, args = "r.deleted_at IS NULL", []any{tenantID}
	join := fmt.Sprintf("LEFT JOIN phones p ON p.tenant_id = $1 AND p.%s = r.id", k.owner)
	switch {
	case f.IDs != nil:
		where, args = "r.id = ANY($2)", append(args, f.IDs)
		// A page of ids: their phones found by the owner index. (Joined on
		// the owner alone, the planner hashes the whole phones table.)
		join = fmt.Sprintf(`LEFT JOIN (SELECT * FROM phones ph WHERE ph.tenant_id = $1 AND ph.%[1]s = ANY($2)) p
			ON p.%[1]s = r.id`, k.owner)
	case !f.Since.IsZero():
		where = `r.deleted_at IS NULL AND r.id IN (SELECT c.record_id FROM record_changes c
			WHERE c.tenant_id = $1 AND c.kind = $2 AND c.changed_at > $3)`
		args = append(args, string(kind), f.Since)
	}
	q = fmt.Sprintf(`
		SELECT r.id, r.external_id, %s, r.email, r.deleted_at IS NOT NULL,
			coalesce(p.id, 0), coalesce(p.field, ''), coalesce(p.position, -1), coalesce(p.override, nullif(p.input, ''), p.raw, ''),
			coalesce(p.e164, ''), coalesce(p.dial, ''), coalesce(p.extension, ''), coalesce(p.status, '')
		FROM %s r %s
		WHERE r.tenant_id = $1 AND %s
		ORDER BY r.id, p.field, p.position`, k.cols, k.table, join, where)
	return q, where, args, nil
}

func scanRecords(rows pgx.Rows, kind Kind, fn func(*RecordState) error) error {
	var (
		cur, next RecordState
		p         StoredPhone
		have      bool
	)
	for rows.Next() {
		next.Kind = kind
		if err := rows.Scan(&next.ID, &next.ExternalID, &next.Name, &next.TradeName, &next.TaxID, &next.FirstName,
			&next.LastName, &next.AccountExternalID, &next.Company, &next.Email, &next.Deleted,
			&p.ID, &p.Field, &p.Position, &p.Stored, &p.E164, &p.Dial, &p.Extension, &p.Status); err != nil {
			return err
		}
		if !have || next.ID != cur.ID {
			if have {
				if err := fn(&cur); err != nil {
					return err
				}
			}
			phones := cur.Phones[:0]
			cur = next
			cur.Phones = phones
			have = true
		}
		if p.Position >= 0 {
			cur.Phones = append(cur.Phones, p)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if have {
		return fn(&cur)
	}
	return nil
}

// ChangeCursor is a position in a tenant's change log: after the change of
// record RecordID of kind Kind in transaction TxID. The zero cursor is
// before every change.
type ChangeCursor struct {
	TxID     uint64
	Kind     Kind
	RecordID int64
}

// String is the cursor as clients pass it back: opaque to them.
func (c ChangeCursor) String() string {
	if c == (ChangeCursor{}) {
		return ""
	}
	return fmt.Sprintf("%d.%s.%d", c.TxID, c.Kind, c.RecordID)
}

// ParseChangeCursor reads a cursor from String; "" is the beginning.
func ParseChangeCursor(s string) (ChangeCursor, error) {
	if s == "" {
		return ChangeCursor{}, nil
	}
	bad := cti3cx.Errorf(cti3cx.EINVALID, "since: not a cursor returned by this feed")
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return ChangeCursor{}, bad
	}
	tx, err1 := strconv.ParseUint(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	kind := Kind(parts[1])
	if err1 != nil || err2 != nil || id <= 0 || (kind != KindAccount && kind != KindContact) {
		return ChangeCursor{}, bad
	}
	return ChangeCursor{TxID: tx, Kind: kind, RecordID: id}, nil
}

// Change is one entry of the change log with the record's current state.
type Change struct {
	ID        int64 // the log row's id: unique per change
	Cursor    ChangeCursor
	ChangedAt time.Time
	Record    RecordState
}

// changesHorizon is the first transaction id the feed may not read yet:
// the smallest id in flight in this database, or the next id to be given
// out when none is. It is computed from the reading transaction's own
// snapshot: an id in that snapshot's in-flight list is left out only when
// pg_stat_activity shows it running in another database, which can never
// write this database's change log; an id it cannot place (a transaction
// that ended since, a prepared one, a session it may not see) counts as in
// flight. So every change below the horizon is committed and visible to the
// reading snapshot, and a transaction of another database, however long,
// does not hold the feed back.
const changesHorizon = `
	SELECT coalesce(
		(SELECT min(x) FROM pg_snapshot_xip(s.snap) x
		 WHERE xid(x) NOT IN (SELECT a.backend_xid FROM pg_stat_activity a
			WHERE a.datname IS DISTINCT FROM current_database() AND a.backend_xid IS NOT NULL)),
		pg_snapshot_xmax(s.snap))::text
	FROM (SELECT pg_current_snapshot() AS snap) s`

// Changes returns up to limit of the tenant's changes after cursor, in
// (transaction, kind, record) order, and the cursor to continue from. It
// reads only changes of transactions below changesHorizon, each of which has
// ended, so a change committed later can never land behind a cursor already
// handed out, and each change is seen once. The records' states come from
// the same snapshot.
func (db *DB) Changes(ctx context.Context, tenantID int64, after ChangeCursor, limit int) ([]Change, ChangeCursor, error) {
	var out []Change
	err := pgx.BeginTxFunc(ctx, db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// A keyset page has one good plan, the ordered index scan from the
		// cursor. Right after a large import the log's statistics still say
		// it is small, and the planner would bitmap-scan and sort every row
		// after the cursor for each page: rule that out for this read.
		if _, err := tx.Exec(ctx, `SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off`); err != nil {
			return err
		}
		var err error
		if out, err = changesPage(ctx, tx, tenantID, after, limit); err != nil || len(out) == 0 {
			return err
		}
		return fillStates(ctx, tx, tenantID, out)
	})
	if err != nil {
		return nil, after, dbError(err)
	}
	if len(out) == 0 {
		return nil, after, nil
	}
	return out, out[len(out)-1].Cursor, nil
}

// changesPage reads the page's log rows; the horizon is computed in the same
// statement, from the transaction's snapshot.
func changesPage(ctx context.Context, tx pgx.Tx, tenantID int64, after ChangeCursor, limit int) ([]Change, error) {
	rows, err := tx.Query(ctx, `
		WITH h (horizon) AS (`+changesHorizon+`)
		SELECT c.id, c.txid::text, c.kind, c.record_id, c.changed_at
		FROM record_changes c
		WHERE c.tenant_id = $1 AND (c.txid, c.kind, c.record_id) > ($2::text::xid8, $3, $4)
			AND c.txid < (SELECT horizon::xid8 FROM h)
		ORDER BY c.txid, c.kind, c.record_id
		LIMIT $5`, tenantID, strconv.FormatUint(after.TxID, 10), string(after.Kind), after.RecordID, limit)
	if err != nil {
		return nil, err
	}
	var out []Change
	var c Change
	var txid, kind string
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &txid, &kind, &c.Cursor.RecordID, &c.ChangedAt}, func() error {
		n, err := strconv.ParseUint(txid, 10, 64)
		if err != nil {
			return err
		}
		c.Cursor.TxID, c.Cursor.Kind = n, Kind(kind)
		c.Record = RecordState{Kind: Kind(kind), ID: c.Cursor.RecordID, Deleted: true}
		out = append(out, c)
		return nil
	})
	return out, err
}

// fillStates sets each change's record to the record's current state.
func fillStates(ctx context.Context, tx pgx.Tx, tenantID int64, out []Change) error {
	at := map[ChangeCursor][]int{} // kind and record id (TxID 0) -> indexes in out
	ids := map[Kind][]int64{}
	for i, c := range out {
		key := ChangeCursor{Kind: c.Cursor.Kind, RecordID: c.Cursor.RecordID}
		if at[key] == nil {
			ids[key.Kind] = append(ids[key.Kind], key.RecordID)
		}
		at[key] = append(at[key], i)
	}
	for _, kind := range []Kind{KindAccount, KindContact} {
		if len(ids[kind]) == 0 {
			continue
		}
		q, _, args, err := exportQuery(tenantID, kind, ExportFilter{IDs: ids[kind]})
		if err != nil {
			return err
		}
		err = readRecords(ctx, tx, kind, q, args, func(r *RecordState) error {
			s := *r
			s.Phones = append([]StoredPhone(nil), r.Phones...)
			for _, i := range at[ChangeCursor{Kind: kind, RecordID: r.ID}] {
				out[i].Record = s
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
