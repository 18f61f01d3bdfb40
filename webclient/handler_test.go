package webclient

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// get runs one request through Handler.
func get(t *testing.T, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func embedded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestContentTypes(t *testing.T) {
	for _, tc := range []struct{ path, ctype string }{
		{"/", "text/html; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/embed.html", "text/html; charset=utf-8"},
		{"/callgate-dialer.js", "text/javascript; charset=utf-8"},
		{"/app.js", "text/javascript; charset=utf-8"},
		{"/embed.js", "text/javascript; charset=utf-8"},
		{"/page.css", "text/css; charset=utf-8"},
		{"/favicon.svg", "image/svg+xml"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, http.MethodGet, tc.path, nil)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d", r.StatusCode)
			}
			if got := r.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if len(readBody(t, r)) == 0 {
				t.Error("empty body")
			}
		})
	}
}

func TestIndexAndRootServeTheSamePage(t *testing.T) {
	a := readBody(t, get(t, http.MethodGet, "/", nil))
	b := readBody(t, get(t, http.MethodGet, "/index.html", nil))
	if !bytes.Equal(a, b) || !bytes.Equal(a, embedded(t, "index.html")) {
		t.Fatal(`"/" and "/index.html" differ from static/index.html`)
	}
	if !bytes.Contains(a, []byte("<callgate-dialer")) {
		t.Fatal("the page does not use the element")
	}
}

func TestCacheHeaders(t *testing.T) {
	for _, tc := range []struct{ path, cache string }{
		{"/", "no-cache"},
		{"/embed.html", "no-cache"},
		{"/app.js", "no-cache"},
		{"/callgate-dialer.js", "public, max-age=300"},
	} {
		r := get(t, http.MethodGet, tc.path, nil)
		if got := r.Header.Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
		etag := r.Header.Get("ETag")
		if len(etag) < 10 || etag[0] != '"' || etag[len(etag)-1] != '"' {
			t.Errorf("%s: ETag %q is not a strong quoted tag", tc.path, etag)
		}
	}
}

func TestETagFollowsContent(t *testing.T) {
	a := newAsset("x.js", []byte("one"))
	b := newAsset("x.js", []byte("two"))
	if a.etag == b.etag {
		t.Fatal("different content, same ETag")
	}
	if newAsset("y.js", []byte("one")).etag != a.etag {
		t.Fatal("same content, different ETag")
	}
}

func TestConditionalGet(t *testing.T) {
	for _, path := range []string{"/", "/callgate-dialer.js"} {
		for _, enc := range []string{"", "gzip"} {
			hdr := map[string]string{"Accept-Encoding": enc}
			first := get(t, http.MethodGet, path, hdr)
			etag := first.Header.Get("ETag")
			hdr["If-None-Match"] = etag
			r := get(t, http.MethodGet, path, hdr)
			if r.StatusCode != http.StatusNotModified {
				t.Fatalf("%s %q: If-None-Match %s gave %d, want 304", path, enc, etag, r.StatusCode)
			}
			if b := readBody(t, r); len(b) != 0 {
				t.Fatalf("%s: 304 with a %d-byte body", path, len(b))
			}
			if r.Header.Get("ETag") != etag {
				t.Errorf("%s: 304 without the ETag", path)
			}
			hdr["If-None-Match"] = `"stale"`
			if r := get(t, http.MethodGet, path, hdr); r.StatusCode != http.StatusOK {
				t.Fatalf("%s: stale If-None-Match gave %d", path, r.StatusCode)
			}
		}
	}
}

func TestGzip(t *testing.T) {
	plain := embedded(t, BundleName)
	r := get(t, http.MethodGet, "/callgate-dialer.js", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	if !slices.Contains(r.Header.Values("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding")
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatal("gzip body does not decompress to the bundle")
	}
	p := get(t, http.MethodGet, "/callgate-dialer.js", nil)
	if p.Header.Get("Content-Encoding") != "" || !bytes.Equal(readBody(t, p), plain) {
		t.Fatal("plain request did not get the plain bundle")
	}
	if p.Header.Get("ETag") == r.Header.Get("ETag") {
		t.Fatal("gzip and identity share an ETag")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"deflate, GZIP;q=0.5"}, true},
		{[]string{"br", "gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"*, gzip;q=0"}, false},
		{[]string{"identity"}, false},
	} {
		if got := acceptsGzip(tc.in); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBundleIsEmbeddableCrossOrigin(t *testing.T) {
	r := get(t, http.MethodGet, "/callgate-dialer.js", map[string]string{"Origin": "https://shop.example"})
	if r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("module scripts from another origin need Access-Control-Allow-Origin")
	}
	if r.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
		t.Error("Cross-Origin-Resource-Policy must allow other origins")
	}
	page := get(t, http.MethodGet, "/", nil)
	if page.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("the page must not be readable cross-origin")
	}
}

func TestHead(t *testing.T) {
	r := get(t, http.MethodHead, "/callgate-dialer.js", nil)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("HEAD: %d %q", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if b := readBody(t, r); len(b) != 0 {
		t.Fatalf("HEAD returned %d bytes", len(b))
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	for _, p := range []string{"/nope", "/static/index.html", "/src/element.js", "/../go.mod", "/callgate-dialer.js/"} {
		r := get(t, http.MethodGet, p, nil)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.StatusCode)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: 404 without nosniff", p)
		}
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		r := get(t, m, "/", nil)
		if r.StatusCode != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: %d Allow=%q", m, r.StatusCode, r.Header.Get("Allow"))
		}
	}
}

// TestOverLoopback serves the handler on a real socket, as cmd/callgate
// does behind wsgw, and fetches the page and the bundle with a client that
// negotiates gzip by itself.
func TestOverLoopback(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	c := srv.Client()
	defer c.CloseIdleConnections()
	for _, p := range []string{"/", "/callgate-dialer.js"} {
		res, err := c.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK || len(b) == 0 {
			t.Fatalf("%s: %d, %d bytes", p, res.StatusCode, len(b))
		}
		if p == "/callgate-dialer.js" && !bytes.HasPrefix(b, []byte("/* sources-sha256: ")) {
			t.Fatalf("bundle starts with %q", b[:min(len(b), 40)])
		}
	}
}

func TestSecurityHeadersOnPages(t *testing.T) {
	for _, p := range []string{"/", "/embed.html"} {
		r := get(t, http.MethodGet, p, nil)
		if r.Header.Get("Content-Security-Policy") != ContentSecurityPolicy {
			t.Errorf("%s: CSP %q", p, r.Header.Get("Content-Security-Policy"))
		}
		if !strings.Contains(r.Header.Get("Permissions-Policy"), "microphone=(self)") {
			t.Errorf("%s: Permissions-Policy %q", p, r.Header.Get("Permissions-Policy"))
		}
	}
}
