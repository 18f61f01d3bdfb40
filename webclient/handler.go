package webclient

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// ContentSecurityPolicy is sent with every HTML page. Scripts and styles come
// only from this origin and never inline (the element styles its shadow tree
// with a constructed stylesheet, which style-src does not govern); the page
// may open WebSockets to any gateway and play media streams.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// Handler serves the dialer: "/" (the full-page dialer), "/embed.html",
// "/callgate-dialer.js" (the element, loadable by other sites) and their
// assets. Only GET and HEAD are allowed. Every response carries
// X-Content-Type-Options: nosniff; pages carry ContentSecurityPolicy. Files
// have strong ETags and are sent gzip-compressed to clients that accept it.
func Handler() http.Handler {
	assets := loadAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		a, ok := assets[r.URL.Path]
		if !ok {
			h.Set("Cache-Control", "no-store")
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		a.serve(w, r)
	})
}

// serve writes one asset. http.ServeContent answers conditional requests
// (If-None-Match gives 304, RFC 9110 §13.1.2) and ranges from the ETag set
// here.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", a.cache)
	if a.html {
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("Permissions-Policy", "microphone=(self), camera=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
	}
	if a.crossOK {
		// A module script from another origin is fetched in CORS mode.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	} else {
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
	}
	body, etag := a.body, a.etag
	if a.gz != nil {
		// RFC 9110 §12.5.5: the response depends on Accept-Encoding.
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			body, etag = a.gz, a.gzETag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether Accept-Encoding values (RFC 9110 §12.5.3)
// allow gzip: listed by name, or covered by "*", with a q-value above zero.
// An explicit entry for gzip overrides "*".
func acceptsGzip(values []string) bool {
	star := false
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "gzip", "x-gzip":
				return !zeroQ(params)
			case "*":
				star = !zeroQ(params)
			}
		}
	}
	return star
}

// zeroQ reports whether coding parameters carry "q=0" (RFC 9110 §12.4.2:
// "not acceptable").
func zeroQ(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		return strings.Trim(v, "0.") == "" && v != ""
	}
	return false
}
