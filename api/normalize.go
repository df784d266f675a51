package api

import (
	"net/http"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/review"
)

// handleNormalize answers the tenant's reading of one typed number, for the
// CRM's own forms and the review page's live feedback (which answers the
// same review.Reading for a signed-in session).
func (s *Server) handleNormalize(w http.ResponseWriter, r *http.Request, t *tenantEntry) {
	q := r.URL.Query()
	number, ok := q["number"]
	switch {
	case !ok || len(number) != 1:
		s.writeError(w, r, cti3cx.Errorf(cti3cx.EINVALID, "want exactly one query parameter number, e.g. ?number=(47)%%209988-7766"))
		return
	case len(number[0]) > review.MaxTyped:
		s.writeError(w, r, cti3cx.Errorf(cti3cx.EINVALID, "number has %d bytes: at most %d", len(number[0]), review.MaxTyped))
		return
	}
	writeJSON(w, http.StatusOK, review.Read(t.profile, number[0]))
}
