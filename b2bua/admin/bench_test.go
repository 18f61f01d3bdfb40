package admin

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func benchHandler(b *testing.B) (*Handler, *fakeBackend) {
	fb := newFake()
	h, err := New(Config{Token: testToken, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, fb)
	if err != nil {
		b.Fatal(err)
	}
	return h, fb
}

func BenchmarkListCalls(b *testing.B) {
	h, fb := benchHandler(b)
	t0 := time.Now()
	for i := range 100 {
		id := fmt.Sprintf("c%03d", i)
		fb.calls[id] = CallInfo{ID: id, Caller: "alice", Callee: "bob", State: StateAnswered, Start: t0}
	}
	req := httptest.NewRequest(http.MethodGet, "/admin/calls", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkPutUser(b *testing.B) {
	h, _ := benchHandler(b)
	body := `{"password":"pw","allow":["^\\+49"],"groups":["sales"],"max_calls":2}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPut, "/admin/users/alice", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 300 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkAuthFailure(b *testing.B) {
	h, _ := benchHandler(b)
	req := httptest.NewRequest(http.MethodGet, "/admin/calls", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
}
