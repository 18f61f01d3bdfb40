package admin

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestNewValidatesConfig(t *testing.T) {
	fb := newFake()
	for _, tok := range []string{"", "   ", " tok", "tok\n"} {
		if _, err := New(Config{Token: tok}, fb); !errors.Is(err, ErrNoToken) {
			t.Errorf("token %q: err %v, want ErrNoToken", tok, err)
		}
	}
	if _, err := New(Config{Token: "t"}, nil); !errors.Is(err, ErrNoBackend) {
		t.Errorf("nil backend: err %v, want ErrNoBackend", err)
	}
	h, err := New(Config{Token: "t"}, fb)
	if err != nil {
		t.Fatal(err)
	}
	if h.maxBody != DefaultMaxBody || h.log != slog.Default() {
		t.Errorf("defaults not applied: maxBody %d, log %p", h.maxBody, h.log)
	}
}

func TestAuthRejects(t *testing.T) {
	e := newEnv(t, nil)
	wrong := e.secret("not-the-token-81d2")
	const plain = `Bearer realm="callgate-admin"`
	const invalid = `Bearer realm="callgate-admin", error="invalid_token"`
	cases := []struct {
		name      string
		authz     []string
		challenge string
	}{
		{"missing", nil, plain},
		{"wrong token", []string{"Bearer " + wrong}, invalid},
		{"prefix of token", []string{"Bearer " + testToken[:len(testToken)-1]}, invalid},
		{"token plus suffix", []string{"Bearer " + testToken + "x"}, invalid},
		{"basic scheme", []string{"Basic " + testToken}, plain},
		{"scheme glued", []string{"Bearer" + testToken}, plain},
		{"empty bearer", []string{"Bearer "}, plain},
		{"two headers", []string{"Bearer " + testToken, "Bearer " + testToken}, plain},
	}
	paths := []string{"/admin/calls", "/admin/openapi.json", "/admin/nonexistent", "/elsewhere"}
	for _, tc := range cases {
		for _, p := range paths {
			req, err := http.NewRequest(http.MethodGet, e.srv.URL+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tc.authz {
				req.Header.Add("Authorization", v)
			}
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", tc.name, p, resp.StatusCode)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("%s %s: WWW-Authenticate %q, want %q", tc.name, p, got, tc.challenge)
			}
		}
	}
	// The common checks (JSON error body, no-store) on one of them:
	r := e.do(http.MethodGet, "/admin/users", nil, map[string]string{"Authorization": "Bearer " + wrong})
	wantStatus(t, r, http.StatusUnauthorized)
	if msg := r.errMsg(t); msg == "" {
		t.Error("no error message")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "authentication failed") || !strings.Contains(logs, "127.0.0.1") {
		t.Errorf("failed attempts not logged with source address:\n%s", logs)
	}
	if e.fb.reloads != 0 || len(e.fb.users) != 0 {
		t.Error("backend touched by unauthenticated requests")
	}
}

func TestAuthAccepts(t *testing.T) {
	e := newEnv(t, nil)
	for _, v := range []string{"Bearer " + testToken, "bearer " + testToken, "BEARER  " + testToken + " "} {
		r := e.do(http.MethodGet, "/admin/calls", nil, map[string]string{"Authorization": v})
		wantStatus(t, r, http.StatusOK)
	}
}

func TestBearerToken(t *testing.T) {
	cases := []struct {
		in      string
		token   string
		present bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"  Bearer   abc  ", "abc", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic abc", "", false},
		{"Bearerabc", "", false},
		{"", "", false},
	}
	for _, tc := range cases {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tc.in != "" {
			r.Header.Set("Authorization", tc.in)
		}
		tok, ok := bearerToken(r)
		if tok != tc.token || ok != tc.present {
			t.Errorf("%q: got (%q, %v), want (%q, %v)", tc.in, tok, ok, tc.token, tc.present)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		method, path string
		allow        []string
	}{
		{http.MethodPost, "/admin/calls", []string{"GET"}},
		{http.MethodPatch, "/admin/users/alice", []string{"GET", "PUT", "DELETE"}},
		{http.MethodPut, "/admin/calls/c1", []string{"GET", "DELETE"}},
		{http.MethodGet, "/admin/reload", []string{"POST"}},
		{http.MethodDelete, "/admin/trunks", []string{"GET"}},
		{http.MethodPost, "/admin/openapi.json", []string{"GET"}},
	}
	for _, tc := range cases {
		r := e.do(tc.method, tc.path, nil, nil)
		wantStatus(t, r, http.StatusMethodNotAllowed)
		if msg := r.errMsg(t); !strings.Contains(msg, tc.method) {
			t.Errorf("%s %s: message %q", tc.method, tc.path, msg)
		}
		allow := r.header.Get("Allow")
		for _, m := range tc.allow {
			if !strings.Contains(allow, m) {
				t.Errorf("%s %s: Allow %q lacks %s", tc.method, tc.path, allow, m)
			}
		}
	}
}

func TestNoRoute(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []string{"/admin/nope", "/admin/", "/admin/calls/", "/admin/calls/a/b", "/other", "/admin/users/"} {
		r := e.get(p)
		wantStatus(t, r, http.StatusNotFound)
		r.errMsg(t)
	}
	// A path the mux would clean is redirected, still with a JSON body.
	r := e.get("/admin//calls")
	if r.status < 300 || r.status > 399 {
		t.Fatalf("status %d, want a redirect", r.status)
	}
	if loc := r.header.Get("Location"); loc != "/admin/calls" {
		t.Errorf("Location %q", loc)
	}
	r.errMsg(t)
}

func TestHeadFollowsGet(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do(http.MethodHead, "/admin/calls", nil, nil)
	wantStatus(t, r, http.StatusOK)
}
