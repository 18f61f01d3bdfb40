package b2bua_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
)

// sippPath finds the sipp binary (Debian package sip-tester). The README's
// test command installs it, so its absence is a failure, not a skip.
func sippPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp is not installed: run `make deps` (Debian package sip-tester)")
	}
	return p
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestSippRegisterWithAuth runs sipp as a desk phone: REGISTER, answer the
// digest challenge, check the 200 lists the binding with ;expires=, then
// unregister, for each user of the CSV file, over UDP and TCP.
func TestSippRegisterWithAuth(t *testing.T) {
	sipp := sippPath(t)
	g := startGateway(t, nil)
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(csv, []byte("SEQUENTIAL\n"+
		"1000;[authentication username=1000 password="+testUsers["1000"]+"];\n"+
		"1001;[authentication username=1001 password="+testUsers["1001"]+"];\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	scenario, _ := filepath.Abs("testdata/sipp/register_auth.xml")
	for _, tc := range []struct{ transport, flag, target string }{{"udp", "u1", g.udp}, {"tcp", "t1", g.tcp}} {
		t.Run(tc.transport, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, sipp, tc.target,
				"-sf", scenario, "-inf", csv, "-t", tc.flag,
				"-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)),
				"-m", "2", "-l", "1", "-r", "10",
				"-timeout", "20s", "-timeout_error", "-nostdin", "-trace_err",
				"-error_file", filepath.Join(dir, tc.transport+"-errors.log"))
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs, _ := os.ReadFile(filepath.Join(dir, tc.transport+"-errors.log"))
				t.Fatalf("sipp failed: %v\n%s\n%s", err, tail(string(out), 2000), tail(string(errs), 4000))
			}
		})
	}
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// startSippUAS runs sipp's built-in UAS with RTP echo on a loopback port
// for at most calls calls; it is stopped by PID when the test ends.
func startSippUAS(t *testing.T, sipp string, calls int) int {
	t.Helper()
	port := freeUDPPort(t)
	dir := t.TempDir()
	cmd := exec.Command(sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)), "-rtp_echo",
		"-m", strconv.Itoa(calls), "-nostdin", "-trace_err", "-error_file", filepath.Join(dir, "uas-errors.log"))
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("sipp uas: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Wait until the UAS listens (its port is taken).
	eventually(t, 5*time.Second, "sipp uas to listen", func() bool {
		c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return true
		}
		_ = c.Close()
		return false
	})
	return port
}

// TestSippCallsThroughGateway: sipp UAC (answering the 407, playing G.711
// audio) → callgate → sipp UAS (echoing RTP), three calls over UDP.
func TestSippCallsThroughGateway(t *testing.T) {
	sipp := sippPath(t)
	g := startGateway(t, func(c *b2bua.Config) { c.Media.BindIP = loopbackIP })
	uasPort := startSippUAS(t, sipp, 3)
	// Register the UAS's address for user 1001.
	reg := newPhone(t, "UDP", g.udp)
	contact := "<sip:1001@127.0.0.1:" + strconv.Itoa(uasPort) + ">"
	if res := reg.register(t, regReq{user: "1001", pass: testUsers["1001"], expires: 600, contacts: []string{contact}}); res.StatusCode != 200 {
		t.Fatalf("register uas: %s", res.StartLine())
	}

	dir := t.TempDir()
	csv := filepath.Join(dir, "calls.csv")
	_ = os.WriteFile(csv, []byte("SEQUENTIAL\n1000;[authentication username=1000 password="+testUsers["1000"]+"];1001;\n"), 0o600)
	scenario, _ := filepath.Abs("testdata/sipp/uac_auth_media.xml")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipp, g.udp, "-sf", scenario, "-inf", csv, "-t", "u1",
		"-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)),
		"-m", "3", "-l", "2", "-r", "5", "-timeout", "40s", "-timeout_error", "-nostdin", "-trace_err",
		"-error_file", filepath.Join(dir, "uac-errors.log"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "uac-errors.log"))
		t.Fatalf("sipp uac failed: %v\n%s\n%s", err, tail(string(out), 3000), tail(string(errs), 3000))
	}
	eventually(t, 5*time.Second, "calls to end", func() bool { return g.srv.ActiveCalls() == 0 })
	st := g.srv.Stats()
	t.Logf("gateway stats after sipp: %+v", st)
	if st.CallsAnswered != 3 {
		t.Fatalf("answered %d calls, want 3", st.CallsAnswered)
	}
	// The pcap holds several seconds of 20 ms A-law frames; each call plays
	// ~2 s of it before BYE, and the UAS echoes every packet.
	if st.RTPCallerToCallee < 150 || st.RTPCalleeToCaller < 150 {
		t.Fatalf("too little RTP relayed: %+v", st)
	}
}
