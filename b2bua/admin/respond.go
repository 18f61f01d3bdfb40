package admin

import (
	"encoding/json"
	"errors"
	"net/http"
)

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{Error: "cannot encode response"})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// writeError answers {"error": msg} with the given status.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// writeNoContent answers 204 without a body.
func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// statusOf maps a backend error to a response status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest
	default:
		return http.StatusInternalServerError
	}
}

// backendError answers a backend failure and logs it when it is the
// backend's fault.
func (h *Handler) backendError(w http.ResponseWriter, r *http.Request, op string, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		h.log.Error("admin: backend failure", "op", op, "path", r.URL.Path, "error", err)
	}
	writeError(w, status, err.Error())
}
