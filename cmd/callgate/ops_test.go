package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryAdminMetricsAndHangupReload runs the binary with the operator
// listener: /metrics answers without a token, the admin API only with it,
// and SIGHUP applies an edited configuration file.
func TestBinaryAdminMetricsAndHangupReload(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "callgate.yaml")
	const token = "ops-test-token-abcdef0123"
	base := "admin:\n  listen: 127.0.0.1:0\n  token: " + token + "\nusers:\n  - name: alice\n    password: alice-secret\n"
	if err := os.WriteFile(conf, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", conf, "-data", filepath.Join(dir, "d"), "-sip-udp", "127.0.0.1:0",
		"-sip-tcp", "127.0.0.1:0", "-http", "127.0.0.1:0", "-webrtc", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	adminAddr := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "admin="); ok {
			adminAddr = v
			break
		}
	}
	if adminAddr == "" {
		t.Fatal("no admin= line printed")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	get := func(path string, auth bool) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+adminAddr+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/metrics", false); code != 200 || !strings.Contains(body, "callgate_ws_connections") {
		t.Fatalf("/metrics: %d", code)
	}
	if code, _ := get("/admin/users", false); code != 401 {
		t.Fatalf("admin without token: %d, want 401", code)
	}
	users := func() []string {
		code, body := get("/admin/users", true)
		if code != 200 {
			t.Fatalf("admin users: %d %s", code, body)
		}
		var out struct{ Users []struct{ Name string } }
		_ = json.Unmarshal([]byte(body), &out)
		var names []string
		for _, u := range out.Users {
			names = append(names, u.Name)
		}
		return names
	}
	if got := strings.Join(users(), ","); got != "alice" {
		t.Fatalf("users before reload: %s", got)
	}
	if err := os.WriteFile(conf, []byte(base+"  - name: bob\n    password: bob-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Join(users(), ",") != "alice,bob" {
		if time.Now().After(deadline) {
			t.Fatalf("users after SIGHUP: %v", users())
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}
