package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "draining", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	tlsOK := httptest.NewTLSServer(ok.Config.Handler)
	defer tlsOK.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer slow.Close()
	// A port nothing listens on: bind one, note it, close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/healthz"
	_ = l.Close()

	for _, tc := range []struct {
		name string
		args []string
		want int
		msg  string
	}{
		{"healthy", []string{ok.URL + "/healthz"}, 0, ""},
		{"https self-signed", []string{tlsOK.URL + "/healthz"}, 0, ""},
		{"wrong path", []string{ok.URL + "/nope"}, 1, "404"},
		{"unavailable", []string{down.URL + "/healthz"}, 1, "503"},
		{"refused", []string{closed}, 1, "refused"},
		{"timeout", []string{"-timeout", "200ms", slow.URL + "/healthz"}, 1, ""},
		{"not a URL", []string{"127.0.0.1:8080"}, 2, "not an http"},
		{"ftp", []string{"ftp://127.0.0.1/healthz"}, 2, "not an http"},
		{"two URLs", []string{ok.URL, ok.URL}, 2, "usage"},
		{"bad flag", []string{"-bogus"}, 2, ""},
		{"zero timeout", []string{"-timeout", "0s", ok.URL}, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			if got := run(tc.args, &stderr); got != tc.want {
				t.Fatalf("run(%q) = %d, want %d; stderr: %s", tc.args, got, tc.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.msg) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tc.msg)
			}
		})
	}
}
