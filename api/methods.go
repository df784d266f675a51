package api

import (
	"net/http"
	"strings"
)

// probeMethods are the methods a 405's Allow may list (HEAD goes with GET).
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// handleUnrouted answers what no route took: 405 with Allow when another
// method of the same path has a route, 404 otherwise. ServeMux would do the
// 405 itself but for the catch-all "/", which matches every method.
func (s *Server) handleUnrouted(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range probeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			s.handleNotFound(w, r)
			return
		}
		s.methodNotAllowed(allow...)(w, r)
	}
}

func (s *Server) methodNotAllowed(allow ...string) http.HandlerFunc {
	list := strings.Join(allow, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", list)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method " + r.Method + " not allowed: use " + list})
	}
}
