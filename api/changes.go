package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/loader/export"
	"github.com/cti3cx/cti3cx/schema"
)

// Page sizes of the changes feed.
const (
	defaultChangesLimit = 1000
	maxChangesLimit     = 10000
)

// Change is one entry of the changes feed.
type Change struct {
	ChangeID  int64       `json:"change_id"`
	Kind      schema.Kind `json:"kind"`
	ID        string      `json:"id"`
	Deleted   bool        `json:"deleted"`
	ChangedAt time.Time   `json:"changed_at"`
	Record    any         `json:"record"` // export.AccountRecord or export.ContactRecord
}

// ChangesPage is one page of the changes feed.
type ChangesPage struct {
	Changes []Change `json:"changes"`
	Next    string   `json:"next"`
}

// handleChanges pages the tenant's change log for the CRM integration (a
// sync token): each changed account or contact once per change, with its
// current data and phones in the tenant's dial format, in the log's order.
// next goes back as since; an empty page repeats the cursor it was given.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request, t *tenantEntry) {
	q := r.URL.Query()
	after, err := schema.ParseChangeCursor(q.Get("since"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := defaultChangesLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxChangesLimit {
			s.writeError(w, r, cti3cx.Errorf(cti3cx.EINVALID, "limit %q: want a number from 1 to %d", v, maxChangesLimit))
			return
		}
		limit = n
	}
	if t.profileErr != nil {
		s.writeError(w, r, t.profileErr)
		return
	}
	p, _ := principalFrom(r.Context())
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	changes, next, err := s.db.Changes(ctx, p.TenantID, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body := ChangesPage{Changes: make([]Change, len(changes)), Next: next.String()}
	for i := range changes {
		c := &changes[i]
		body.Changes[i] = Change{ChangeID: c.ID, Kind: c.Record.Kind, ID: c.Record.ExternalID,
			Deleted: c.Record.Deleted, ChangedAt: c.ChangedAt, Record: export.NewRecord(t.profile, &c.Record)}
	}
	writeJSON(w, http.StatusOK, body)
}
