package admin

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
)

// Handler serves the admin API. Create it with New; it is safe for
// concurrent use.
type Handler struct {
	backend  Backend
	log      *slog.Logger
	maxBody  int64
	tokenSum [sha256.Size]byte
	mux      *http.ServeMux
	patterns map[string]bool
}

// route is one entry of the routing table; path uses http.ServeMux
// wildcard syntax, which is also OpenAPI's path template syntax.
type route struct {
	method, path string
	serve        http.HandlerFunc
}

// New returns a Handler serving the admin API against b. It fails with
// ErrNoToken when cfg.Token is empty, is only white space or has white
// space around it, and with ErrNoBackend when b is nil.
func New(cfg Config, b Backend) (*Handler, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, ErrNoToken
	}
	if strings.TrimSpace(cfg.Token) != cfg.Token {
		return nil, fmt.Errorf("%w: token has leading or trailing white space", ErrNoToken)
	}
	if b == nil {
		return nil, ErrNoBackend
	}
	h := &Handler{
		backend:  b,
		log:      cfg.Logger,
		maxBody:  cfg.MaxBody,
		tokenSum: sha256.Sum256([]byte(cfg.Token)),
		mux:      http.NewServeMux(),
		patterns: map[string]bool{},
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	for _, rt := range h.routes() {
		p := rt.method + " " + rt.path
		h.mux.HandleFunc(p, rt.serve)
		h.patterns[p] = true
	}
	return h, nil
}

// routes is the routing table; openapi.json documents exactly these.
func (h *Handler) routes() []route {
	return []route{
		{http.MethodGet, "/admin/calls", h.listCalls},
		{http.MethodGet, "/admin/calls/{id}", h.getCall},
		{http.MethodDelete, "/admin/calls/{id}", h.hangup},
		{http.MethodGet, "/admin/registrations", h.listRegistrations},
		{http.MethodGet, "/admin/users", h.listUsers},
		{http.MethodGet, "/admin/users/{name}", h.getUser},
		{http.MethodPut, "/admin/users/{name}", h.putUser},
		{http.MethodDelete, "/admin/users/{name}", h.deleteUser},
		{http.MethodGet, "/admin/trunks", h.listTrunks},
		{http.MethodPost, "/admin/reload", h.reload},
		{http.MethodGet, "/admin/openapi.json", h.openAPI},
	}
}

// ServeHTTP authenticates the request, then routes it. Requests that match
// no route get a JSON 404, or 405 with an Allow header when the path
// exists for other methods.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	hdr := sw.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")

	if h.authenticate(sw, r) {
		fallback, pattern := h.mux.Handler(r)
		if h.patterns[pattern] && isClean(r.URL.EscapedPath()) {
			h.mux.ServeHTTP(sw, r)
		} else {
			h.noRoute(sw, r, fallback)
		}
	}
	h.log.Debug("admin: request", "method", r.Method, "path", r.URL.Path,
		"status", sw.code(), "remote", r.RemoteAddr, "duration", time.Since(start))
}

// noRoute answers a request the routing table does not cover. It asks
// the mux's own fallback (404, 405 with Allow, or a redirect to the
// cleaned path) for the status and headers, and answers them as JSON.
func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request, fallback http.Handler) {
	var c captureWriter
	fallback.ServeHTTP(&c, r)
	status := c.status
	if status == 0 || status < 300 {
		status = http.StatusNotFound
	}
	for _, k := range []string{"Allow", "Location"} {
		if v := c.header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	msg := "no such route"
	switch status {
	case http.StatusMethodNotAllowed:
		msg = "method " + r.Method + " not allowed"
	case http.StatusNotFound:
	default:
		msg = strings.ToLower(http.StatusText(status))
	}
	writeError(w, status, msg)
}

// isClean reports whether p is already in the form http.ServeMux
// redirects to: rooted, without "." or ".." elements or doubled slashes.
func isClean(p string) bool {
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}
