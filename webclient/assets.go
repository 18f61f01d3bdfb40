package webclient

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"
)

//go:embed static
var files embed.FS

// BundleName is the file name of the embeddable element, served at
// "/"+BundleName.
const BundleName = "callgate-dialer.js"

// FS returns the dialer's files, rooted at the folder served as "/".
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded folder is fixed at build time
	}
	return sub
}

// asset is one served file with its precomputed headers.
type asset struct {
	name    string // path inside FS()
	body    []byte
	gz      []byte // gzip-compressed body, nil when not worth it
	ctype   string
	etag    string // strong ETag of body (RFC 9110 §8.8.3)
	gzETag  string // strong ETag of gz: a different representation
	cache   string // Cache-Control value
	html    bool   // gets the page security headers
	crossOK bool   // may be loaded by other origins (CORS, CORP)
}

// contentTypes fixes the types of the files shipped here; the system MIME
// table varies between machines.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

// Cache lifetimes. Pages and the page's own files are revalidated on every
// load (cheap with ETags), so an upgraded gateway is picked up at once. The
// bundle, which other sites embed, may be reused for a few minutes.
const (
	cachePage   = "no-cache"
	cacheBundle = "public, max-age=300"
)

// minGzip is the smallest body worth compressing.
const minGzip = 1024

// loadAssets reads and prepares every embedded file once.
var loadAssets = sync.OnceValue(func() map[string]*asset {
	root := FS()
	out := map[string]*asset{}
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		out["/"+p] = newAsset(p, body)
		return nil
	})
	if err != nil {
		panic(err) // embedded files are always readable
	}
	if idx, ok := out["/index.html"]; ok {
		out["/"] = idx
	}
	return out
})

// newAsset computes the headers of one file.
func newAsset(name string, body []byte) *asset {
	ext := strings.ToLower(path.Ext(name))
	ctype, ok := contentTypes[ext]
	if !ok {
		if ctype = mime.TypeByExtension(ext); ctype == "" {
			ctype = "application/octet-stream"
		}
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:12])
	a := &asset{
		name:    name,
		body:    body,
		ctype:   ctype,
		etag:    `"` + tag + `"`,
		cache:   cachePage,
		html:    ext == ".html",
		crossOK: name == BundleName,
	}
	if a.crossOK {
		a.cache = cacheBundle
	}
	if compressible(ctype) && len(body) >= minGzip {
		if gz := gzipBytes(body); len(gz) < len(body)*9/10 {
			a.gz = gz
			a.gzETag = `"` + tag + `-gz"`
		}
	}
	return a
}

// compressible reports whether a content type is text that gzip shrinks.
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "image/svg") || strings.HasPrefix(ctype, "application/json")
}

// gzipBytes compresses b at the best level: it runs once per file.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic(err) // the level is a valid constant
	}
	_, _ = w.Write(b) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	return buf.Bytes()
}
