package wsgw

import (
	"net/http"
	"strings"
	"testing"
)

func TestHealthzAndPlaceholder(t *testing.T) {
	ts := startServer(t, Config{}, newRecorder())
	cl := httpClient()

	resp, err := cl.Get(ts.httpURL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || body != "ok" {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}

	resp, err = cl.Get(ts.httpURL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if v := resp.Header.Get("X-Content-Type-Options"); v != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", v)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<title>callgate</title>", "web dialer will be served here"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q", want)
		}
	}

	for _, p := range []string{"/nope", "/index.html", "/ws/extra"} {
		resp, err = cl.Get(ts.httpURL() + p)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, resp.StatusCode)
		}
	}

	resp, err = cl.Post(ts.httpURL()+"/healthz", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %d", resp.StatusCode)
	}
}

func TestCustomStaticAndPath(t *testing.T) {
	static := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("static:" + r.URL.Path))
	})
	rec := newRecorder()
	ts := startServer(t, Config{Static: static, Path: "sip"}, rec)
	resp, err := httpClient().Get(ts.httpURL() + "/app.js")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); body != "static:/app.js" {
		t.Fatalf("got %q", body)
	}
	dial(t, "ws://"+ts.addr+"/sip", nil)
	rec.waitOpen(t)
}
