package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
)

const contentTypeJSON = "application/json; charset=utf-8"

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON writes v with the status. HTML escaping is off: URLs keep their
// '&' as 3CX shows them.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"internal error"}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorBody struct {
	Error string `json:"error"`
}

type successBody struct {
	Success string `json:"success"`
}

// unprocessable marks a well-formed request whose fields are wrong: 422,
// where a malformed one is 400.
type unprocessable struct{ err *cti3cx.Error }

func (u *unprocessable) Error() string { return u.err.Error() }
func (u *unprocessable) Unwrap() error { return u.err }

func invalidField(format string, args ...any) error {
	return &unprocessable{err: cti3cx.Errorf(cti3cx.EINVALID, format, args...)}
}

var errUnavailable = &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: "database unavailable"}

// writeError maps err to a status and a message safe to show; internal
// errors are logged with the request id, which the response carries too.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if cti3cx.ErrorCode(err) == cti3cx.EINTERNAL && schema.ConnectionLost(err) {
		err = &cti3cx.Error{Code: cti3cx.EUNAVAILABLE, Message: errUnavailable.Message, Err: err}
	}
	status := cti3cx.HTTPStatus(err)
	var u *unprocessable
	if errors.As(err, &u) {
		status = http.StatusUnprocessableEntity
	}
	msg := cti3cx.ErrorMessage(err)
	switch {
	case status == http.StatusServiceUnavailable:
		msg = errUnavailable.Message
		s.log.Warn("database unavailable", "request_id", requestIDFrom(r.Context()), "route", r.Pattern, "err", err)
	case status >= 500:
		s.log.Error("internal error", "request_id", requestIDFrom(r.Context()), "route", r.Pattern, "err", err)
	default:
		s.log.Debug("request refused", "request_id", requestIDFrom(r.Context()), "status", status, "err", msg)
	}
	writeJSON(w, status, errorBody{Error: msg})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, errorBody{Error: "not found: see /openapi.yaml"})
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz fails while the database does not answer or its schema is not
// the one this binary needs.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	if err := s.db.Pool.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errUnavailable.Message})
		return
	}
	if err := s.db.CheckCurrent(ctx); err != nil {
		status := http.StatusServiceUnavailable
		msg := cti3cx.ErrorMessage(err)
		if cti3cx.ErrorCode(err) != cti3cx.ECONFLICT {
			msg = errUnavailable.Message
		}
		s.log.Warn("not ready", "err", err)
		writeJSON(w, status, errorBody{Error: msg})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
