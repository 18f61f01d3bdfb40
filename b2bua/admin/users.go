package admin

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
)

// userView is a User as responses show it. It has no password field at
// all, so no code path can send one back.
type userView struct {
	Name     string   `json:"name"`
	Allow    []string `json:"allow"`
	Groups   []string `json:"groups"`
	MaxCalls int      `json:"max_calls"`
}

// viewOf renders u without its password; empty lists become [] rather
// than null.
func viewOf(u User) userView {
	v := userView{Name: u.Name, Allow: u.Allow, Groups: u.Groups, MaxCalls: u.MaxCalls}
	if v.Allow == nil {
		v.Allow = []string{}
	}
	if v.Groups == nil {
		v.Groups = []string{}
	}
	return v
}

// userList is the body of GET /admin/users.
type userList struct {
	Users []userView `json:"users"`
}

// listUsers answers GET /admin/users, sorted by name.
func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) {
	users, err := h.backend.Users()
	if err != nil {
		h.backendError(w, r, "users", err)
		return
	}
	views := make([]userView, 0, len(users))
	for _, u := range users {
		views = append(views, viewOf(u))
	}
	slices.SortStableFunc(views, func(a, b userView) int { return cmp.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, userList{Users: views})
}

// getUser answers GET /admin/users/{name}.
func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	u, ok, err := h.backend.User(name)
	switch {
	case err != nil:
		h.backendError(w, r, "user", err)
	case !ok:
		writeError(w, http.StatusNotFound, "no user "+quote(name))
	default:
		writeJSON(w, http.StatusOK, viewOf(u))
	}
}

// putUser answers PUT /admin/users/{name}: 201 when the user was created,
// 200 when replaced, with the stored user (without password) as body.
func (h *Handler) putUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !isJSON(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, "body must be application/json")
		return
	}
	body, tooLarge, err := h.readBody(w, r)
	if tooLarge {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read body")
		return
	}
	u, err := decodeUser(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	u.Name = name // the path names the resource
	created, err := h.backend.PutUser(u)
	if err != nil {
		h.backendError(w, r, "put user", err)
		return
	}
	h.log.Info("admin: user stored", "user", name, "created", created,
		"password_set", u.Password != "", "remote", r.RemoteAddr)
	u.Password = ""
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, viewOf(u))
}

// deleteUser answers DELETE /admin/users/{name}.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := h.backend.DeleteUser(name); err != nil {
		if errors.Is(err, ErrNotFound) {
			writeError(w, http.StatusNotFound, "no user "+quote(name))
			return
		}
		h.backendError(w, r, "delete user", err)
		return
	}
	h.log.Info("admin: user deleted", "user", name, "remote", r.RemoteAddr)
	writeNoContent(w)
}
