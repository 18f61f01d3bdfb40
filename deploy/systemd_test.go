package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const unitFile = "callgate.service"

// unit is a parsed systemd unit: section -> key -> values in file order.
type unit map[string]map[string][]string

// last returns the value of the last assignment of key, as systemd applies it.
func (u unit) last(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// parseUnit reads the INI-like unit syntax (no line continuations are used).
func parseUnit(raw []byte) (unit, error) {
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				return nil, fmt.Errorf("line %d: %q is not key=value inside a section", n, line)
			}
			k = strings.TrimSpace(k)
			u[section][k] = append(u[section][k], strings.TrimSpace(v))
		}
	}
	return u, sc.Err()
}

var systemdSpan = regexp.MustCompile(`^(\d+)\s*(ms|s|sec|m|min|h|hr)?$`)

// parseSystemdTime reads the simple time spans the unit uses ("30s",
// "2min", "90"); a bare number is seconds.
func parseSystemdTime(s string) (time.Duration, error) {
	var total time.Duration
	for _, f := range strings.Fields(s) {
		m := systemdSpan.FindStringSubmatch(f)
		if m == nil {
			return 0, fmt.Errorf("%q is not a time span this test reads", s)
		}
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"": time.Second, "s": time.Second, "sec": time.Second, "ms": time.Millisecond,
			"m": time.Minute, "min": time.Minute, "h": time.Hour, "hr": time.Hour}[m[2]]
		total += time.Duration(n) * unit
	}
	return total, nil
}

var shutdownTimeout = regexp.MustCompile(`WithTimeout\(context\.Background\(\), (\d+)\s*\*\s*time\.Second\)\s*\n[^\n]*\n[^\n]*srv\.Shutdown\(`)

// stopBound is how long callgate may take to stop after SIGTERM, read from
// cmd/callgate/main.go when the pattern is found.
func stopBound(t *testing.T) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "cmd", "callgate", "main.go"))
	if err == nil {
		if m := shutdownTimeout.FindSubmatch(raw); m != nil {
			n, _ := strconv.Atoi(string(m[1]))
			return time.Duration(n) * time.Second
		}
	}
	t.Logf("shutdown timeout not found in cmd/callgate/main.go; assuming %s", defaultStopBound)
	return defaultStopBound
}

// TestSystemdUnitInvariants checks what the unit promises without systemd:
// a graceful stop longer than callgate's drain, non-root, hardening, and
// no restart loop on a configuration error.
func TestSystemdUnitInvariants(t *testing.T) {
	t.Parallel()
	u, err := parseUnit(readFile(t, unitFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Unit", "Service", "Install"} {
		if u[s] == nil {
			t.Errorf("section [%s] missing", s)
		}
	}
	exec := u.last("Service", "ExecStart")
	for _, want := range []string{"/usr/local/bin/callgate", "-config ", "-data "} {
		if !strings.Contains(exec, want) {
			t.Errorf("ExecStart %q lacks %q", exec, want)
		}
	}
	stop, err := parseSystemdTime(u.last("Service", "TimeoutStopSec"))
	if err != nil {
		t.Fatalf("TimeoutStopSec: %v", err)
	}
	if bound := stopBound(t); stop < bound+5*time.Second {
		t.Errorf("TimeoutStopSec=%s leaves no margin over callgate's %s shutdown", stop, bound)
	}
	if km := u.last("Service", "KillMode"); km != "mixed" && km != "control-group" {
		t.Errorf("KillMode=%q: want mixed (SIGTERM to callgate, SIGKILL to leftovers)", km)
	}
	if ks := u.last("Service", "KillSignal"); ks != "" && ks != "SIGTERM" {
		t.Errorf("KillSignal=%s: callgate drains on SIGTERM", ks)
	}
	if u.last("Service", "DynamicUser") != "yes" {
		if user := u.last("Service", "User"); user == "" || user == "root" || user == "0" {
			t.Errorf("service runs as root: set DynamicUser=yes or User=")
		}
	}
	if !slices.Contains(strings.Fields(u.last("Service", "RestartPreventExitStatus")), "2") {
		t.Errorf("RestartPreventExitStatus should include 2 (configuration error)")
	}
	for _, k := range []string{"NoNewPrivileges", "ProtectSystem", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "RestrictSUIDSGID", "MemoryDenyWriteExecute"} {
		if v := u.last("Service", k); v != "yes" && v != "strict" {
			t.Errorf("%s=%q: want it on", k, v)
		}
	}
	if caps := u.last("Service", "CapabilityBoundingSet"); caps != "CAP_NET_BIND_SERVICE" {
		t.Errorf("CapabilityBoundingSet=%q: want CAP_NET_BIND_SERVICE alone", caps)
	}
}

// unitForVerify writes a copy of the unit whose ExecStart names the freshly
// built binary, since systemd-analyze verify checks that it exists.
func unitForVerify(t *testing.T) string {
	t.Helper()
	bin, _ := binaries(t)
	raw := bytes.ReplaceAll(readFile(t, unitFile), []byte("/usr/local/bin/callgate "), []byte(bin+" "))
	if !bytes.Contains(raw, []byte(bin)) {
		t.Fatal("ExecStart does not name /usr/local/bin/callgate")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, unitFile)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSystemdAnalyzeVerify runs systemd-analyze verify on the unit. The
// tool exits 0 even on unknown keys or bad values, so any output fails.
func TestSystemdAnalyzeVerify(t *testing.T) {
	t.Parallel()
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian package: systemd); unit syntax not verified")
	}
	path := unitForVerify(t)
	out, err := runTool(t, 30*time.Second, filepath.Dir(path), nil, tool, "verify", path)
	if err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}

	// The hardening score, where this systemd can score a unit offline.
	out, err = runTool(t, 30*time.Second, filepath.Dir(path), nil, tool, "security", "--offline=true", path)
	m := regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Logf("systemd-analyze security --offline unavailable here: %v", err)
		return
	}
	score, _ := strconv.ParseFloat(m[1], 64)
	t.Logf("systemd-analyze security: exposure %.1f", score)
	if score > 2.5 {
		t.Errorf("exposure level %.1f: hardening weakened (was 1.6)\n%s", score, out)
	}
	if strings.Contains(out, path+":") {
		t.Errorf("systemd-analyze security complains about the unit:\n%s", out)
	}
}
