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
