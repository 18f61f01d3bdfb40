package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// lineWriter collects the welcome lines that run prints.
type lineWriter struct {
	mu    sync.Mutex
	lines []string
	buf   strings.Builder
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		s := w.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		w.lines = append(w.lines, s[:i])
		w.buf.Reset()
		w.buf.WriteString(s[i+1:])
	}
	return len(p), nil
}

// value waits for a "key=value" line and returns value.
func (w *lineWriter) value(t *testing.T, key string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		for _, l := range w.lines {
			if strings.HasPrefix(l, key+"=") {
				w.mu.Unlock()
				return strings.TrimPrefix(l, key+"=")
			}
		}
		w.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s= line printed", key)
	return ""
}

// startRun runs the command in-process on loopback ports with dataDir.
func startRun(t *testing.T, dataDir string) (*lineWriter, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWriter{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-data", dataDir, "-sip-udp", "127.0.0.1:0", "-sip-tcp", "127.0.0.1:0",
			"-http", "127.0.0.1:0", "-webrtc", "127.0.0.1:0", "-log-level", "error"}, out, io.Discard)
	}()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("callgate did not shut down")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	return out, stop
}

// udpTransact sends a request over UDP and returns the response.
func udpTransact(t *testing.T, c *net.UDPConn, to string, msg string) *sip.Response {
	t.Helper()
	dst, _ := net.ResolveUDPAddr("udp", to)
	if _, err := c.WriteTo([]byte(msg), dst); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no answer to %q: %v", strings.SplitN(msg, "\r\n", 2)[0], err)
		}
		m, err := sip.ParseMessage(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		if res, ok := m.(*sip.Response); ok && res.StatusCode >= 200 {
			return res
		}
	}
}

var seq int

// register performs REGISTER with digest over UDP; contact "" fetches.
func register(t *testing.T, gw, user, pass, contact string) *sip.Response {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	build := func(auth string) string {
		seq++
		var b strings.Builder
		fmt.Fprintf(&b, "REGISTER sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP %s;rport;branch=z9hG4bKcmd%d\r\n", local, seq)
		fmt.Fprintf(&b, "From: <sip:%s@localhost>;tag=f%d\r\nTo: <sip:%s@localhost>\r\nCall-ID: cmd-%s-%d\r\nCSeq: %d REGISTER\r\nMax-Forwards: 70\r\n", user, seq, user, user, seq, seq)
		if contact != "" {
			fmt.Fprintf(&b, "Contact: <%s>\r\nExpires: 600\r\n", contact)
		}
		if auth != "" {
			fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		return b.String()
	}
	res := udpTransact(t, c, gw, build(""))
	if res.StatusCode != 401 {
		t.Fatalf("want 401 challenge, got %s", res.StartLine())
	}
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:localhost", Username: user, Password: pass, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	return udpTransact(t, c, gw, build(cred.String()))
}

func TestDemoGatewayEndToEnd(t *testing.T) {
	data := t.TempDir()
	out, stop := startRun(t, data)
	pw1000 := out.value(t, "user")
	if !regexp.MustCompile(`^1000 password=\S{16}$`).MatchString(pw1000) {
		t.Fatalf("first user line %q", pw1000)
	}
	pw1000 = strings.TrimPrefix(pw1000, "1000 password=")
	dialer := out.value(t, "dialer")
	udp := out.value(t, "sip_udp")
	if !strings.HasPrefix(out.value(t, "websocket"), "ws://127.0.0.1:") || out.value(t, "domain") != "localhost" {
		t.Fatal("welcome lines incomplete")
	}

	// The dialer page and health check are served.
	res, err := http.Get(dialer)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "callgate") || res.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("dialer page: %d %q", res.StatusCode, body)
	}
	res, err = http.Get(strings.TrimSuffix(dialer, "/") + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, res)
	}
	res.Body.Close()

	// A demo user registers with the printed password; a wrong one fails.
	contact := "sip:1000@127.0.0.1:5999"
	if r := register(t, udp, "1000", pw1000, contact); r.StatusCode != 200 {
		t.Fatalf("register with printed password: %s", r.StartLine())
	}
	if r := register(t, udp, "1000", "not-the-password", contact); r.StatusCode != 401 {
		t.Fatalf("wrong password: %s", r.StartLine())
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit status %d after shutdown", code)
	}

	// Restart on the same data dir: same passwords, binding still there.
	out2, stop2 := startRun(t, data)
	if got := strings.TrimPrefix(out2.value(t, "user"), "1000 password="); got != pw1000 {
		t.Fatalf("password changed across restart: %q vs %q", got, pw1000)
	}
	r := register(t, out2.value(t, "sip_udp"), "1000", pw1000, "")
	found := false
	for _, h := range r.GetHeaders("Contact") {
		if c, ok := h.(*sip.ContactHeader); ok && c.Address.String() == contact {
			found = true
		}
	}
	if r.StatusCode != 200 || !found {
		t.Fatalf("binding not kept across restart: %s %v", r.StartLine(), r.GetHeaders("Contact"))
	}
	if code := stop2(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

// buildBinary compiles the command once for the process-level tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "callgate")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func TestBinaryExitCodesAndSignals(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()

	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("listen:\n  sip_udp: nonsense\n"), 0o600)
	cmd := exec.Command(bin, "-config", bad, "-data", dir)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "listen.sip_udp") {
		t.Fatalf("invalid config: err=%v out=%s", err, out)
	}

	cmd = exec.Command(bin, "-data", filepath.Join(dir, "d"), "-sip-udp", "127.0.0.1:0", "-sip-tcp", "127.0.0.1:0", "-http", "127.0.0.1:0", "-webrtc", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	users, logins := 0, 0
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "user=") {
			users++
		}
		// The sign-in link carries the credentials in the fragment only.
		if strings.HasPrefix(l, "login=http://127.0.0.1:") && strings.Contains(l, "/#password=") && strings.Contains(l, "&user=100") {
			logins++
		}
		if users == 2 && logins == 2 {
			break
		}
	}
	if users != 2 || logins != 2 {
		t.Fatalf("binary printed %d demo users and %d sign-in links, want 2 and 2", users, logins)
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
		_ = cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
}
