package api

import (
	"net/http"

	"github.com/cti3cx/cti3cx/schema"
)

// routes is the whole API surface in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.handle(mux, "GET /cti3cx/consult-phone/{phone}", s.withTenant(s.handleConsultPhone, schema.RolePBX))
	s.handle(mux, "PUT /cti3cx/end-call/{id}", s.withTenant(s.handleEndCall, schema.RolePBX))
	s.handle(mux, "GET /healthz", s.handleHealthz)
	s.handle(mux, "GET /readyz", s.handleReadyz)
	s.handle(mux, "GET /metrics", s.metrics.handler().ServeHTTP)
	s.handle(mux, "GET /openapi.yaml", handleOpenAPI)
	// Anything else answers in JSON too, so that 3CX and people see the
	// same kind of body everywhere.
	s.handle(mux, "/", s.handleNotFound)
	return s.requestID(s.recoverPanics(mux))
}

// handle registers h under pattern, instrumented with the pattern as its
// route label: never the raw path, which holds phone numbers.
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle(pattern, s.instrument(pattern, h))
}
