package webclient

import (
	"bytes"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// directives splits a policy into directive name → source list (CSP3 §2.2).
func directives(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[strings.ToLower(f[0])] = f[1:]
		}
	}
	return out
}

func TestPolicyForbidsInlineCode(t *testing.T) {
	d := directives(ContentSecurityPolicy)
	for _, name := range []string{"default-src", "script-src", "style-src", "connect-src", "object-src", "base-uri", "frame-ancestors"} {
		if _, ok := d[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	loose := map[string]bool{"'unsafe-inline'": true, "'unsafe-eval'": true, "'unsafe-hashes'": true, "data:": true, "blob:": true, "*": true, "http:": true, "https:": true}
	for _, src := range d["script-src"] {
		if loose[strings.ToLower(src)] {
			t.Errorf("script-src allows %s", src)
		}
	}
	for _, src := range d["style-src"] {
		if loose[strings.ToLower(src)] {
			t.Errorf("style-src allows %s", src)
		}
	}
	if strings.Join(d["object-src"], " ") != "'none'" {
		t.Errorf("object-src %q", d["object-src"])
	}
	for _, want := range []string{"ws:", "wss:"} {
		found := false
		for _, s := range d["connect-src"] {
			found = found || s == want
		}
		if !found {
			t.Errorf("connect-src lacks %s: the dialer could not reach a gateway on another host", want)
		}
	}
}

// inspectPage lists what in an HTML file runs inline (the CSP would block
// it) and the local URLs it loads or links.
func inspectPage(body []byte) (refs, problems []string) {
	z := html.NewTokenizer(bytes.NewReader(body))
	inScript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return refs, problems
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				problems = append(problems, "inline script")
			}
		case html.EndTagToken:
			if tn, _ := z.TagName(); string(tn) == "script" {
				inScript = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			hasSrc := false
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					problems = append(problems, "inline event handler "+a.Key)
				case key == "style":
					problems = append(problems, "style attribute on <"+tok.Data+">")
				case key == "src" || key == "href":
					if strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
						problems = append(problems, "javascript: URL")
					}
					if strings.HasPrefix(a.Val, "/") && !strings.HasPrefix(a.Val, "//") {
						refs = append(refs, a.Val)
					}
					hasSrc = hasSrc || key == "src"
				}
			}
			switch tok.Data {
			case "style":
				problems = append(problems, "<style> element")
			case "script":
				if !hasSrc {
					problems = append(problems, "<script> without src")
				}
				inScript = tt == html.StartTagToken
			}
		}
	}
}

// TestPagesLoadOnlyServedFiles checks that every page is free of inline
// code and that every file it references is served.
func TestPagesLoadOnlyServedFiles(t *testing.T) {
	pages, err := fs.Glob(FS(), "*.html")
	if err != nil || len(pages) < 2 {
		t.Fatalf("pages %v, %v", pages, err)
	}
	for _, p := range pages {
		refs, problems := inspectPage(embedded(t, p))
		for _, pr := range problems {
			t.Errorf("%s: %s", p, pr)
		}
		if len(refs) == 0 {
			t.Errorf("%s references nothing", p)
		}
		hasBundle := false
		for _, ref := range refs {
			path, _, _ := strings.Cut(ref, "#")
			path, _, _ = strings.Cut(path, "?")
			hasBundle = hasBundle || path == "/"+BundleName
			if r := get(t, http.MethodGet, path, nil); r.StatusCode != http.StatusOK {
				t.Errorf("%s references %s: %d", p, ref, r.StatusCode)
			}
		}
		if !hasBundle {
			t.Errorf("%s does not load /%s", p, BundleName)
		}
	}
}

// TestEveryEmbeddedFileIsServed checks the other direction: each file in
// static/ answers at its own path.
func TestEveryEmbeddedFileIsServed(t *testing.T) {
	err := fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r := get(t, http.MethodGet, "/"+p, nil)
		if r.StatusCode != http.StatusOK {
			t.Errorf("/%s: %d", p, r.StatusCode)
		}
		if !bytes.Equal(readBody(t, r), embedded(t, p)) {
			t.Errorf("/%s: body differs from the embedded file", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInlineCheckerCatchesInlineCode(t *testing.T) {
	bad := []string{
		`<script>alert(1)</script>`,
		`<button onclick="x()">b</button>`,
		`<p style="color:red">x</p>`,
		`<style>p{}</style>`,
		`<a href="javascript:void(0)">x</a>`,
	}
	for _, b := range bad {
		if _, problems := inspectPage([]byte(b)); len(problems) == 0 {
			t.Errorf("%s passed the inline-code check", b)
		}
	}
}
