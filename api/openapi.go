package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's OpenAPI 3 description, served at /openapi.yaml and
// checked against the handlers' types by a test.
//
//go:embed openapi.yaml
var OpenAPI []byte

func handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, _ = w.Write(OpenAPI)
}
