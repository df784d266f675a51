package api

import (
	"net/http"

	"github.com/cti3cx/cti3cx/schema"
)

// endCallMethods are the methods end-call answers: PUT is the contract's;
// POST because no public 3CX template is known to send PUT, and PATCH for
// connectors that treat the report as a partial update.
var endCallMethods = []string{http.MethodPut, http.MethodPost, http.MethodPatch}

// routes is the whole API surface in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.handle(mux, "GET /cti3cx/consult-phone/{phone}", s.withTenant(s.handleConsultPhone, schema.RolePBX))
	// A HEAD would run the lookup, which records a call: refuse it rather
	// than fill the history with calls nobody made.
	s.handle(mux, "HEAD /cti3cx/consult-phone/{phone}", s.methodNotAllowed(http.MethodGet))
	for _, m := range endCallMethods {
		s.handle(mux, m+" /cti3cx/end-call/{id}", s.readBody(s.withTenant(s.handleEndCall, schema.RolePBX)))
	}
	// The CRM integration's feed of changed records: the whole customer
	// base, so a sync token only, never the PBX's.
	s.handle(mux, "GET /cti3cx/changes", s.withTenant(s.handleChanges, schema.RoleSync))
	s.handle(mux, "GET /cti3cx/normalize", s.withTenant(s.handleNormalize, schema.RolePBX, schema.RoleStaff))
	// The review page for CRM staff, with its own sign-in (see review/).
	s.review.Register(func(pattern string, h http.HandlerFunc) { s.handle(mux, pattern, h) })
	s.handle(mux, "GET /healthz", s.handleHealthz)
	s.handle(mux, "GET /readyz", s.handleReadyz)
	if !s.metricsElsewhere {
		s.handle(mux, "GET /metrics", s.metrics.handler().ServeHTTP)
	}
	s.handle(mux, "GET /openapi.yaml", handleOpenAPI)
	// Anything else answers in JSON too, so that 3CX and people see the
	// same kind of body everywhere: 405 with Allow on a known route, else 404.
	s.handle(mux, "/", s.handleUnrouted(mux))
	return s.requestID(s.recoverPanics(mux))
}

// handle registers h under pattern, instrumented with the pattern as its
// route label: never the raw path, which holds phone numbers.
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle(pattern, s.instrument(pattern, h))
}

// MetricsHandler serves /metrics for a separate listener (--metrics-addr);
// with Deps.MetricsElsewhere the public one does not serve it.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	return mux
}
