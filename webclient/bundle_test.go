package webclient

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// bundleInputs lists the files that decide the bundle's content, as
// build.mjs does: build.mjs, package.json, package-lock.json and every file
// under src/ except *.test.js, sorted by path.
func bundleInputs(root fs.FS) ([]string, error) {
	files := []string{"build.mjs", "package.json", "package-lock.json"}
	err := fs.WalkDir(root, "src", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasSuffix(p, ".test.js") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// sourcesHash mirrors sourcesHash in build.mjs: sha256 over
// "<path>\n<sha256 hex of the content with CRLF as LF>\n" for each input.
func sourcesHash(root fs.FS) (string, error) {
	files, err := bundleInputs(root)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(root, f)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")))
		fmt.Fprintf(h, "%s\n%s\n", f, hex.EncodeToString(sum[:]))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var headerRE = regexp.MustCompile(`\A/\* sources-sha256: ([0-9a-f]{64}) \*/\n`)

// TestBundleIsFresh fails when src/ (or the lock file, or the build script)
// changed after static/callgate-dialer.js was built.
func TestBundleIsFresh(t *testing.T) {
	m := headerRE.FindSubmatch(embedded(t, BundleName))
	if m == nil {
		t.Fatalf("static/%s lacks the /* sources-sha256: … */ header; run `npm ci && npm run build` in webclient/", BundleName)
	}
	want, err := sourcesHash(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(m[1]); got != want {
		t.Fatalf("static/%s is stale (built from sources %s…, sources are now %s…): run `npm ci && npm run build` in webclient/ and commit the bundle", BundleName, got[:12], want[:12])
	}
}

func TestSourcesHash(t *testing.T) {
	base := fstest.MapFS{
		"build.mjs":          {Data: []byte("b")},
		"package.json":       {Data: []byte("{}")},
		"package-lock.json":  {Data: []byte("{}")},
		"src/a.js":           {Data: []byte("export const a = 1;\n")},
		"src/sub/b.css":      {Data: []byte("p{}\n")},
		"src/a.test.js":      {Data: []byte("test")},
		"static/ignored.txt": {Data: []byte("x")},
	}
	h0, err := sourcesHash(base)
	if err != nil {
		t.Fatal(err)
	}
	// A known value, computed the way build.mjs does (TestBundleIsFresh
	// checks the two agree on the real tree):
	// node -e 'const c=require("crypto"),s=x=>c.createHash("sha256").update(x).digest("hex");
	//   const f=[["build.mjs","b"],["package-lock.json","{}"],["package.json","{}"],
	//   ["src/a.js","export const a = 1;\n"],["src/sub/b.css","p{}\n"]];
	//   console.log(s(f.map(([p,d])=>p+"\n"+s(d)+"\n").join("")))'
	const known = "c01f74d8c603cee12c18014147aa657a145fc3e1e29350fc17d2a92735bd30df"
	if h0 != known {
		t.Fatalf("hash %s, want %s", h0, known)
	}
	change := func(name, data string) string {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m[name] = &fstest.MapFile{Data: []byte(data)}
		h, err := sourcesHash(m)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if change("src/a.js", "export const a = 2;\n") == h0 {
		t.Error("a source change went unnoticed")
	}
	if change("package-lock.json", `{"v":2}`) == h0 {
		t.Error("a lock file change went unnoticed")
	}
	if change("src/new.js", "") == h0 {
		t.Error("a new source file went unnoticed")
	}
	if change("src/a.js", "export const a = 1;\r\n") != h0 {
		t.Error("CRLF line endings changed the hash")
	}
	if change("src/a.test.js", "other test") != h0 {
		t.Error("a test file changed the hash")
	}
	if change("static/ignored.txt", "y") != h0 {
		t.Error("a file outside the inputs changed the hash")
	}
}
