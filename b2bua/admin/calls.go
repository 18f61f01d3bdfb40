package admin

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// DefaultHangupReason is passed to Backend.Hangup when the request gives
// no ?reason=.
const DefaultHangupReason = "administrative hangup"

// maxReasonLen caps the hangup reason, which ends up in a Reason header.
const maxReasonLen = 128

// callList is the body of GET /admin/calls.
type callList struct {
	Calls []CallInfo `json:"calls"`
}

// listCalls answers GET /admin/calls, oldest call first.
func (h *Handler) listCalls(w http.ResponseWriter, r *http.Request) {
	calls := slices.Clone(h.backend.Calls())
	if calls == nil {
		calls = []CallInfo{}
	}
	slices.SortStableFunc(calls, func(a, b CallInfo) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	writeJSON(w, http.StatusOK, callList{Calls: calls})
}

// getCall answers GET /admin/calls/{id}.
func (h *Handler) getCall(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, ok := h.backend.Call(id)
	if !ok {
		writeError(w, http.StatusNotFound, "no call "+quote(id))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// hangup answers DELETE /admin/calls/{id}[?reason=text].
func (h *Handler) hangup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reason := DefaultHangupReason
	if q := r.URL.Query(); q.Has("reason") {
		reason = q.Get("reason")
		if err := checkReason(reason); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if err := h.backend.Hangup(id, reason); err != nil {
		if errors.Is(err, ErrNotFound) {
			writeError(w, http.StatusNotFound, "no call "+quote(id))
			return
		}
		h.backendError(w, r, "hangup", err)
		return
	}
	h.log.Info("admin: call hung up", "call", id, "reason", reason, "remote", r.RemoteAddr)
	writeNoContent(w)
}

// checkReason accepts 1 to maxReasonLen printable ASCII characters other
// than '"' and '\'. The text becomes the quoted reason-text of an RFC 3326
// §2 Reason header, so control characters (CR LF above all) must never get
// through, and refusing quotes and backslashes spares the backend from
// escaping them (RFC 3261 §25.1 quoted-pair).
func checkReason(s string) error {
	if s == "" || len(s) > maxReasonLen {
		return fmt.Errorf("reason must be 1 to %d characters", maxReasonLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return errors.New(`reason must be printable ASCII without '"' or '\'`)
		}
	}
	return nil
}
