package admin

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.0 description of the routes in
// Handler.routes.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns a copy of the OpenAPI 3.0 description the handler serves
// at /admin/openapi.json.
func OpenAPI() []byte {
	return append([]byte(nil), openAPIDoc...)
}

// openAPI answers GET /admin/openapi.json.
func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
