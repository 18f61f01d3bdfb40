package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// users are the accounts configured in callgate for this test.
var users = map[string]string{
	"1000": "e2e-jssip-pw",   // the JsSIP page
	"1001": "e2e-phone-pw",   // the baresip desk phone
	"1002": "e2e-sipjs-pw",   // the SIP.js page
	"1003": "e2e-firefox-pw", // the Firefox page
	"1004": "e2e-dialer-pw",  // callgate's own dialer page
	"1005": "e2e-phone2-pw",  // a second baresip line, for transfers
}

// tokenSecret is callgate's auth.token_secret: the key a web site's backend
// signs short-lived dialer credentials with.
const tokenSecret = "e2e-token-secret-0123456789"

const (
	httpPort  = 8080  // callgate's web dialer and WebSocket
	pagePort  = 8081  // the test pages
	webrtcUDP = 10000 // callgate's single ICE/DTLS-SRTP port
)

// gateway is the callgate binary running in the lab's gateway namespace.
type gateway struct {
	proc      *proc
	out       *logBuf // stdout: the welcome lines
	ip        string
	websocket string // from the "websocket=" line
	sipUDP    string // from the "sip_udp=" line
	domain    string
}

// startGateway writes a config for the lab and starts bin; it returns
// once callgate printed where it listens.
func startGateway(t *testing.T, bin, dir string, l *lab) *gateway {
	t.Helper()
	ip := l.gw.ip
	var b strings.Builder
	fmt.Fprintf(&b, "domain: %q\ndata_dir: %q\n", ip, filepath.Join(dir, "data"))
	fmt.Fprintf(&b, "listen:\n  sip_udp: \"%s:5060\"\n  sip_tcp: \"%s:5060\"\n  http: \"%s:%d\"\n  webrtc: \"%s:%d\"\n", ip, ip, ip, httpPort, ip, webrtcUDP)
	// The test pages come from another port of the gateway's host.
	// callgate's own page ("/") needs its origin listed too: with a
	// non-empty list, wsgw no longer allows the same host by itself.
	fmt.Fprintf(&b, "websocket:\n  allowed_origins: [\"http://%s:%d\", \"http://%s:%d\"]\n", ip, pagePort, ip, httpPort)
	// Authentication as callgate's defaults have it, plus token
	// credentials: baresip 1.0 (libre) fails a REGISTER with ENOSYS when a
	// 401 also offers SHA-256 (RFC 8760), so the default must stay MD5
	// alone.
	fmt.Fprintf(&b, "auth:\n  token_secret: %q\n", tokenSecret)
	b.WriteString("users:\n")
	for _, u := range sortedKeys(users) {
		fmt.Fprintf(&b, "  - name: %q\n    password: %q\n", u, users[u])
	}
	fmt.Fprintf(&b, "media:\n  bind_ip: %s\n  advertise_ip: %s\n  port_min: 20000\n  port_max: 20999\n  quarantine: 1s\n", ip, ip)
	fmt.Fprintf(&b, "webrtc:\n  public_ip: %s\n", ip)
	b.WriteString("log:\n  level: debug\n")
	cfg := filepath.Join(dir, "callgate.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out := newLogBuf("callgate stdout", echoFunc(t))
	p := startProc(t, "callgate", l.gw.ns, out, false, bin, "-config", cfg)
	g := &gateway{proc: p, out: out, ip: ip}
	lines := out.waitFor(t, 0, 20*time.Second, "the websocket= and domain= lines", func(s string) bool {
		return strings.Contains(s, "websocket=") && strings.Contains(s, "\ndomain=")
	})
	for _, line := range strings.Split(lines, "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "websocket":
			g.websocket = v
		case "sip_udp":
			g.sipUDP = v
		case "domain":
			g.domain = v
		}
	}
	if want := fmt.Sprintf("ws://%s:%d/ws", ip, httpPort); g.websocket != want {
		t.Fatalf("callgate printed websocket=%s, want %s", g.websocket, want)
	}
	return g
}

// alive fails the test when callgate has exited.
func (g *gateway) alive(t *testing.T) {
	t.Helper()
	if err := g.proc.exitError(); err != nil {
		t.Fatalf("callgate is gone: %v", err)
	}
}

// servePages serves dir over plain HTTP on the gateway's address, port
// pagePort, from a listener opened inside the gateway namespace.
func servePages(t *testing.T, l *lab, dir string) string {
	t.Helper()
	ln, err := listenIn(l.gw.ns, fmt.Sprintf("%s:%d", l.gw.ip, pagePort))
	if err != nil {
		t.Fatalf("page server: %v", err)
	}
	files := http.FileServer(http.Dir(dir))
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/favicon.ico" {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			files.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return fmt.Sprintf("http://%s", net.JoinHostPort(l.gw.ip, fmt.Sprint(pagePort)))
}
