package trunk

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startSippRegistrar runs sipp with testdata/sipp_registrar.xml on a free
// loopback UDP port and returns the process and its address. sipp is
// killed by PID when the test ends.
func startSippRegistrar(t *testing.T) (*exec.Cmd, string, string) {
	t.Helper()
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp is not installed: run `make deps` (Debian package sip-tester)")
	}
	scenario, err := filepath.Abs("testdata/sipp_registrar.xml")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	_ = pc.Close()
	dir := t.TempDir()
	errFile := filepath.Join(dir, "errors.log")
	cmd := exec.Command(sipp, "-sf", scenario, "-t", "u1", "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-m", "1", "-nostdin", "-trace_err", "-error_file", errFile,
		"-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("sipp: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // also ends a stopped process
		_ = cmd.Wait()
	})
	eventually(t, 5*time.Second, "sipp to listen", func() bool {
		c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return true
		}
		_ = c.Close()
		return false
	})
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{errFile, filepath.Join(dir, "messages.log")} {
				b, _ := os.ReadFile(f)
				t.Logf("%s:\n%s", filepath.Base(f), tail(string(b), 4000))
			}
		}
	})
	return cmd, "127.0.0.1:" + strconv.Itoa(port), errFile
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestRegisterWithSipp registers with sipp as the registrar, pauses sipp
// with SIGSTOP so refreshes time out ("failing"), resumes it with SIGCONT
// and expects "registered" again.
func TestRegisterWithSipp(t *testing.T) {
	cmd, addr, errFile := startSippRegistrar(t)
	c := newTestClient(t)
	s, err := NewSet([]Config{{
		Name: "sipp", Addresses: []string{addr}, Domain: "sipp.test",
		Username: "acct", Password: "trunk-pw", Realm: "sipp.test",
		Register: RegisterConfig{Enabled: true, Expiry: time.Minute, Timeout: 500 * time.Millisecond,
			RetryMin: 300 * time.Millisecond, RetryMax: time.Second},
	}}, c.options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := s.Get("sipp")
	s.Start(testCtx(t, 30*time.Second))
	dump := func() string {
		b, _ := os.ReadFile(errFile)
		return string(b)
	}
	reg := func() RegStatus { return tr.Status().Registration }

	eventually(t, 5*time.Second, "registered and refreshed", func() bool {
		return reg().State == RegRegistered && reg().Refreshes >= 1
	})
	if until := time.Until(reg().Expires); until > 2*time.Second {
		t.Fatalf("granted expiry not taken from Expires header: %v", until)
	}

	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "failing while sipp is stopped", func() bool { return reg().State == RegFailing })
	if st := reg(); !strings.Contains(st.LastError, "no answer") {
		t.Fatalf("LastError %q", st.LastError)
	}
	refreshes := reg().Refreshes

	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "registered again after SIGCONT", func() bool {
		st := reg()
		return st.State == RegRegistered && st.Refreshes > refreshes
	})
	if st := reg(); st.LastError != "" {
		t.Fatalf("status %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("unregister: %v\nsipp errors:\n%s", err, dump())
	}
}
