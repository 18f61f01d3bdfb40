package deploy

import (
	"errors"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// output collects a process's output for polling while it runs.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// value returns the value of the first "key=value" line, if printed yet.
func (o *output) value(key string) (string, bool) {
	for _, l := range strings.Split(o.String(), "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// TestConfigsStartCallgate starts the real callgate with every
// configuration the recipes ship — the example, the image's, and the file
// the Kubernetes init container assembles from the ConfigMap and the
// Secret — on loopback ports. callgate rejects unknown keys and bad values
// at start-up (exit status 2), so reaching "running" proves the file uses
// only keys this build accepts. Each run then answers /healthz, passes the
// image's healthcheck probe, and stops on SIGTERM with status 0 well inside
// the stop timeouts the recipes allow.
func TestConfigsStartCallgate(t *testing.T) {
	t.Parallel()
	bin, probe := binaries(t)
	example := string(readFile(t, "callgate.example.yaml"))
	cases := []struct {
		name     string
		config   string
		wantExit int
		wantErr  string
	}{
		{"example", example, 0, ""},
		{"docker image", string(readFile(t, "callgate.docker.yaml")), 0, ""},
		{"kubernetes ConfigMap and Secret", k8sCallgateConfig(t), 0, ""},
		// The control: the same check refuses a key callgate does not know.
		{"unknown key refused", example + "\nno_such_key: 1\n", 2, "no_such_key"},
	}
	limit := stopBound(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeTemp(t, "callgate.yaml", tc.config)
			var stdout, stderr output
			cmd := exec.Command(bin, "-config", cfg, "-data", t.TempDir(),
				"-sip-udp", "127.0.0.1:0", "-sip-tcp", "127.0.0.1:0", "-http", "127.0.0.1:0", "-webrtc", "127.0.0.1:0")
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var waitErr error // set before exited closes
			exited := make(chan struct{})
			go func() { waitErr = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				select {
				case <-exited:
				default:
					_ = cmd.Process.Kill()
					<-exited
				}
			})

			dialer := waitDialer(&stdout, exited, 30*time.Second)
			if tc.wantExit != 0 {
				select {
				case <-exited:
				default:
					t.Fatalf("callgate started with a bad configuration; want exit %d", tc.wantExit)
				}
				var ee *exec.ExitError
				if !errors.As(waitErr, &ee) || ee.ExitCode() != tc.wantExit || !strings.Contains(stderr.String(), tc.wantErr) {
					t.Fatalf("exit %v, stderr %q; want status %d naming %q", waitErr, stderr.String(), tc.wantExit, tc.wantErr)
				}
				return
			}
			select {
			case <-exited:
				t.Fatalf("callgate exited at start-up: %v\n%s", waitErr, stderr.String())
			default:
			}
			if dialer == "" {
				t.Fatalf("callgate printed no dialer= line in 30 s\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			}

			health := strings.TrimSuffix(dialer, "/") + healthPath
			checkHealthz(t, health)
			if out, err := runTool(t, 15*time.Second, ".", nil, probe, "-timeout", "5s", health); err != nil {
				t.Errorf("healthcheck probe: %v\n%s", err, out)
			}

			start := time.Now()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
				if waitErr != nil {
					t.Errorf("exit after SIGTERM: %v\n%s", waitErr, stderr.String())
				}
				if took := time.Since(start); took > limit {
					t.Errorf("stopping took %s, more than callgate's %s bound", took, limit)
				} else {
					t.Logf("stopped %s after SIGTERM", took.Round(time.Millisecond))
				}
			case <-time.After(limit + 10*time.Second):
				t.Fatalf("still running %s after SIGTERM", limit+10*time.Second)
			}
		})
	}
}

// waitDialer polls stdout for the dialer= line until it appears, the
// process exits, or the timeout passes; "" means it did not appear.
func waitDialer(stdout *output, exited <-chan struct{}, timeout time.Duration) string {
	deadline := time.After(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			return ""
		case <-deadline:
			return ""
		case <-tick.C:
			if v, ok := stdout.value("dialer"); ok {
				return v
			}
		}
	}
}

// checkHealthz expects 200 "ok" from url.
func checkHealthz(t *testing.T, url string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("GET %s: %s %q, want 200 ok", url, resp.Status, body)
	}
}
