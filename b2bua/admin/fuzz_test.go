package admin

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPutUser drives PUT /admin/users/{name} with arbitrary bodies and
// names, in process: the answer is always one of the documented statuses,
// always a JSON object, never echoes a password, and a stored user
// matches what the body said.
func FuzzPutUser(f *testing.F) {
	for _, s := range []string{
		`{"password":"pw","allow":["^1"],"groups":["g"],"max_calls":1}`,
		`{}`, `{"name":"x"}`, `null`, `[]`, `{"a":1}`, `{"max_calls":"1"}`, `{} {}`, `{"password":`,
		`{"groups":[null,"a"]}`, `{"PASSWORD":"pw"}`, "\ufeff{}", `{"max_calls":1e400}`,
		strings.Repeat(`{"groups":[`, 100),
	} {
		f.Add([]byte(s), "alice")
	}
	f.Add([]byte(`{"password":"pw"}`), "a/b c")

	f.Fuzz(func(t *testing.T, body []byte, name string) {
		if name == "" || !utf8.ValidString(name) {
			return
		}
		fb := newFake()
		h, err := New(Config{Token: testToken, MaxBody: 4096,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, fb)
		if err != nil {
			t.Fatal(err)
		}
		target := "/admin/users/" + url.PathEscape(name)
		req := httptest.NewRequest(http.MethodPut, target, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		switch rec.Code {
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusMovedPermanently:
			// "." and ".." are not names: the mux redirects to the clean path.
			if isClean(req.URL.EscapedPath()) {
				t.Fatalf("redirect for clean path %q", req.URL.EscapedPath())
			}
			return
		case http.StatusNotFound:
			// Some escaped names (a lone "%2F") are not routable at all.
			if _, pattern := h.mux.Handler(req); pattern != "" {
				t.Fatalf("404 for %q, which the mux routes to %q", target, pattern)
			}
			return
		case http.StatusCreated, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		var resp map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("response %q is not a JSON object: %v", rec.Body, err)
		}
		for k := range resp {
			if strings.EqualFold(k, "password") {
				t.Fatalf("response has a password: %s", rec.Body)
			}
		}
		if len(body) > 4096 && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d-byte body not refused as too large", len(body))
		}
		if rec.Code != http.StatusCreated {
			if len(fb.users) != 0 {
				t.Fatalf("user stored despite status %d", rec.Code)
			}
			return
		}
		// Created: the stored user is the decoded body under the path name.
		want, err := decodeUser(body)
		if err != nil {
			t.Fatalf("accepted a body decodeUser refuses: %v", err)
		}
		want.Name = name
		got, ok := fb.users[name]
		if !ok || got.Password != want.Password || got.MaxCalls != want.MaxCalls ||
			len(got.Allow) != len(want.Allow) || len(got.Groups) != len(want.Groups) {
			t.Fatalf("stored %+v, want %+v", got, want)
		}
	})
}
