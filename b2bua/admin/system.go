package admin

import (
	"cmp"
	"net/http"
	"slices"
)

// maxUserQuery caps the ?user= filter of GET /admin/registrations.
const maxUserQuery = 256

// registrationList is the body of GET /admin/registrations.
type registrationList struct {
	Registrations []Registration `json:"registrations"`
}

// trunkList is the body of GET /admin/trunks.
type trunkList struct {
	Trunks []TrunkStatus `json:"trunks"`
}

// listRegistrations answers GET /admin/registrations[?user=name], sorted
// by address of record, then contact.
func (h *Handler) listRegistrations(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if len(user) > maxUserQuery {
		writeError(w, http.StatusBadRequest, "user filter too long")
		return
	}
	regs, err := h.backend.Registrations(r.Context(), user)
	if err != nil {
		h.backendError(w, r, "registrations", err)
		return
	}
	regs = slices.Clone(regs)
	if regs == nil {
		regs = []Registration{}
	}
	slices.SortStableFunc(regs, func(a, b Registration) int {
		if c := cmp.Compare(a.AOR, b.AOR); c != 0 {
			return c
		}
		return cmp.Compare(a.Contact, b.Contact)
	})
	writeJSON(w, http.StatusOK, registrationList{Registrations: regs})
}

// listTrunks answers GET /admin/trunks, sorted by name.
func (h *Handler) listTrunks(w http.ResponseWriter, r *http.Request) {
	trunks := slices.Clone(h.backend.Trunks())
	if trunks == nil {
		trunks = []TrunkStatus{}
	}
	slices.SortStableFunc(trunks, func(a, b TrunkStatus) int { return cmp.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, trunkList{Trunks: trunks})
}

// reload answers POST /admin/reload: 204 once the backend applied the new
// configuration, 500 with its error otherwise.
func (h *Handler) reload(w http.ResponseWriter, r *http.Request) {
	if err := h.backend.Reload(r.Context()); err != nil {
		h.log.Error("admin: reload failed", "error", err, "remote", r.RemoteAddr)
		writeError(w, http.StatusInternalServerError, "reload failed: "+err.Error())
		return
	}
	h.log.Info("admin: configuration reloaded", "remote", r.RemoteAddr)
	writeNoContent(w)
}
