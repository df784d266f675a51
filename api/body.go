package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/cti3cx/cti3cx"
)

// DefaultBodyTimeout is how long a request body may take to arrive: 3CX
// sends a few hundred bytes at once, so a slow body is a broken or hostile
// client.
const DefaultBodyTimeout = 2 * time.Second

// errSlowBody is a body that did not arrive within the body timeout: 408,
// never a database error (the database deadline has not started yet).
var errSlowBody = &cti3cx.Error{Code: cti3cx.EINVALID, Message: "request body did not arrive in time"}

// readBody reads the whole body (at most maxBody bytes, within the body
// timeout) before next runs, so that next's database deadline starts after
// the body is in memory and a slow client cannot spend it.
func (s *Server) readBody(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// Not every ResponseWriter supports deadlines (a test recorder):
		// then the server's own ReadTimeout is the bound.
		deadlineSet := rc.SetReadDeadline(time.Now().Add(s.bodyTimeout)) == nil
		raw, err := io.ReadAll(r.Body)
		if deadlineSet {
			_ = rc.SetReadDeadline(time.Time{})
		}
		if err != nil {
			s.writeBodyError(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		next(w, r)
	}
}

// writeBodyError never echoes the read error itself: a net.OpError names
// the server's and the client's addresses.
func (s *Server) writeBodyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.writeError(w, r, cti3cx.Errorf(cti3cx.EINVALID, "body larger than %d bytes", tooBig.Limit))
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.log.Debug("slow body", "request_id", requestIDFrom(r.Context()), "err", err)
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestTimeout, errorBody{Error: errSlowBody.Message})
	default:
		s.log.Debug("body read failed", "request_id", requestIDFrom(r.Context()), "err", err)
		s.writeError(w, r, cti3cx.Errorf(cti3cx.EINVALID, "reading body: the connection failed before the body was complete"))
	}
}
