// Package webclient holds the browser dialer that callgate serves at "/",
// embedded into the binary so a fresh checkout needs no Node.js to run.
package webclient

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var files embed.FS

// FS returns the dialer's files, rooted at the folder served as "/".
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded folder is fixed at build time
	}
	return sub
}

// Handler serves the dialer's files with headers suited to a page that
// opens a microphone: no sniffing, a strict Content-Security-Policy, and no
// caching of the HTML so upgrades take effect at once.
func Handler() http.Handler {
	fileServer := http.FileServerFS(FS())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'")
		h.Set("Referrer-Policy", "no-referrer")
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			h.Set("Cache-Control", "no-cache")
		}
		fileServer.ServeHTTP(w, r)
	})
}
