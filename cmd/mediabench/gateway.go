package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The two accounts of the benchmark: browsers call as browserUser, the
// phone registers as phoneUser.
const (
	browserUser = "2000"
	phoneUser   = "3000"
)

// gateway is one callgate process started by this program.
type gateway struct {
	cmd       *exec.Cmd
	pid       int
	sipUDP    string // host:port of SIP over UDP
	wsURL     string // ws://host:port/path
	httpHost  string // host:port of the HTTP listener (the browser Origin)
	webrtc    string // host:port of the shared WebRTC media socket
	passwords map[string]string
	exited    chan struct{}
}

// buildCallgate compiles ./cmd/callgate of this module into dir.
func buildCallgate(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "callgate")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/callgate/callgate/cmd/callgate")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build callgate: %w", err)
	}
	return bin, nil
}

// randomPassword makes a throwaway password for one run.
func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// gatewayYAML is the configuration of a benchmark gateway: everything on
// loopback, limits far above the load, a wide RTP range with a short
// quarantine, and quiet logs.
func gatewayYAML(pw map[string]string) string {
	return fmt.Sprintf(`listen:
  sip_udp: "127.0.0.1:0"
  sip_tcp: "off"
  http: "127.0.0.1:0"
  webrtc: "127.0.0.1:0"
users:
  - name: %q
    password: %q
  - name: %q
    password: %q
calls:
  max_calls: 100000
  max_calls_per_user: 100000
media:
  bind_ip: 127.0.0.1
  advertise_ip: 127.0.0.1
  port_min: 20000
  port_max: 59999
  quarantine: 1s
  inactivity_timeout: 120s
log:
  level: warn
`, browserUser, pw[browserUser], phoneUser, pw[phoneUser])
}

// startGateway writes a config into dir, starts bin and waits for the
// addresses it prints. cpuProfile, if set, is handed to -cpuprofile.
func startGateway(ctx context.Context, bin, dir, cpuProfile string) (*gateway, error) {
	pw := map[string]string{browserUser: randomPassword(), phoneUser: randomPassword()}
	cfg := filepath.Join(dir, "callgate.yaml")
	if err := os.WriteFile(cfg, []byte(gatewayYAML(pw)), 0o600); err != nil {
		return nil, err
	}
	args := []string{"-config", cfg, "-data", filepath.Join(dir, "data")}
	if cpuProfile != "" {
		abs, err := filepath.Abs(cpuProfile)
		if err != nil {
			return nil, err
		}
		args = append(args, "-cpuprofile", abs)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %w", errGatewayStart, err)
	}
	g := &gateway{cmd: cmd, pid: cmd.Process.Pid, passwords: pw, exited: make(chan struct{})}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { _ = cmd.Wait(); close(g.exited) }()
	if err := g.readAddrs(ctx, lines); err != nil {
		g.stop()
		return nil, err
	}
	go func() {
		for range lines {
		}
	}()
	return g, nil
}

// readAddrs takes the key=value lines printed at start-up; "domain=" is
// printed after every address.
func (g *gateway) readAddrs(ctx context.Context, lines <-chan string) error {
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return fmt.Errorf("%w: output ended", errGatewayStart)
			}
			k, v, _ := strings.Cut(l, "=")
			switch k {
			case "sip_udp":
				g.sipUDP = v
			case "websocket":
				g.wsURL = v
				if u, err := url.Parse(v); err == nil {
					g.httpHost = u.Host
				}
			case "webrtc":
				g.webrtc = v
			case "domain":
				if g.sipUDP == "" || g.wsURL == "" || g.webrtc == "" {
					return fmt.Errorf("%w: missing addresses (sip_udp=%q websocket=%q webrtc=%q)", errGatewayStart, g.sipUDP, g.wsURL, g.webrtc)
				}
				return nil
			}
		case <-g.exited:
			return fmt.Errorf("%w: exited", errGatewayStart)
		case <-deadline.C:
			return fmt.Errorf("%w: no addresses within 20s", errGatewayStart)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stop ends the process this program started: SIGTERM to its PID, then
// SIGKILL to the same PID if it has not exited within 15 s.
func (g *gateway) stop() {
	select {
	case <-g.exited:
		return
	default:
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(15 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.exited
	}
}
