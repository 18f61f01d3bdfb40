package admin

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const testToken = "tok-3f9a1c7e2b"

// lockedBuffer is a concurrency-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a loopback admin server over a fake backend.
type env struct {
	t       testing.TB
	fb      *fakeBackend
	h       *Handler
	srv     *httptest.Server
	client  *http.Client
	logs    *lockedBuffer
	secrets []string
}

// newEnv starts the handler on 127.0.0.1:0. Every response it sees is
// checked for the common headers, and at the end the logs are checked for
// every registered secret.
func newEnv(t testing.TB, mod func(*Config)) *env {
	t.Helper()
	e := &env{t: t, fb: newFake(), logs: &lockedBuffer{}, secrets: []string{testToken}}
	cfg := Config{
		Token:  testToken,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := New(cfg, e.fb)
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	e.srv = httptest.NewServer(h)
	e.client = &http.Client{
		Transport: &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	t.Cleanup(func() {
		e.client.CloseIdleConnections()
		e.srv.Close()
		logs := e.logs.String()
		for _, s := range e.secrets {
			if strings.Contains(logs, s) {
				t.Errorf("logs contain secret %q:\n%s", s, logs)
			}
		}
	})
	return e
}

// secret registers s as a string that must never appear in logs or
// responses.
func (e *env) secret(s string) string {
	e.secrets = append(e.secrets, s)
	return s
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errMsg decodes an error body.
func (r response) errMsg(t testing.TB) string {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal(r.body, &eb); err != nil || eb.Error == "" {
		t.Fatalf("status %d: body %q is not a JSON error: %v", r.status, r.body, err)
	}
	return eb.Error
}

// decode unmarshals the body into v.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d: body %q: %v", r.status, r.body, err)
	}
}

// do sends an authenticated request; hdr may add or override headers
// (an empty value deletes one).
func (e *env) do(method, path string, body io.Reader, hdr map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	e.checkCommon(method, path, r)
	return r
}

// get, put and del are shorthands for do.
func (e *env) get(path string) response { e.t.Helper(); return e.do(http.MethodGet, path, nil, nil) }
func (e *env) del(path string) response { e.t.Helper(); return e.do(http.MethodDelete, path, nil, nil) }
func (e *env) put(path, body string) response {
	e.t.Helper()
	return e.do(http.MethodPut, path, strings.NewReader(body), nil)
}

// checkCommon asserts what every response must satisfy.
func (e *env) checkCommon(method, path string, r response) {
	e.t.Helper()
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		e.t.Errorf("%s %s: Cache-Control %q", method, path, got)
	}
	if r.status == http.StatusNoContent {
		if len(r.body) != 0 {
			e.t.Errorf("%s %s: 204 with body %q", method, path, r.body)
		}
	} else if method != http.MethodHead {
		if got := r.header.Get("Content-Type"); got != "application/json" {
			e.t.Errorf("%s %s: Content-Type %q", method, path, got)
		}
		if !json.Valid(r.body) {
			e.t.Errorf("%s %s: invalid JSON body %q", method, path, r.body)
		}
		// The OpenAPI document names the write-only field; nothing else may.
		if path != "/admin/openapi.json" && bytes.Contains(r.body, []byte(`"password"`)) {
			e.t.Errorf("%s %s: body has a password field: %s", method, path, r.body)
		}
	}
	for _, s := range e.secrets {
		if bytes.Contains(r.body, []byte(s)) {
			e.t.Errorf("%s %s: body contains secret %q: %s", method, path, s, r.body)
		}
	}
}

// wantStatus fails unless r has the given status.
func wantStatus(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}
