package wsgw

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestUpgradeEchoesSipSubprotocol(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	ws, resp, err := dialer().Dial(ts.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "sip" {
		t.Fatalf("Sec-WebSocket-Protocol = %q, want sip", got)
	}
	if ws.Subprotocol() != "sip" {
		t.Fatalf("negotiated %q", ws.Subprotocol())
	}
	c := rec.waitOpen(t)
	if !strings.HasPrefix(c.ID(), "ws-") {
		t.Errorf("ID = %q", c.ID())
	}
	if c.RemoteAddr().String() != ws.LocalAddr().String() {
		t.Errorf("RemoteAddr = %v, client local %v", c.RemoteAddr(), ws.LocalAddr())
	}
	if c.LocalAddr().String() != ts.addr {
		t.Errorf("LocalAddr = %v, want %v", c.LocalAddr(), ts.addr)
	}
	if c.Secure() {
		t.Error("Secure() = true on plain TCP")
	}
	if c.Origin() != "" {
		t.Errorf("Origin() = %q", c.Origin())
	}
	if n := ts.ConnCount(); n != 1 {
		t.Errorf("ConnCount = %d", n)
	}
}

func TestUpgradeRemoteAddrIgnoresForwardedFor(t *testing.T) {
	rec := newRecorder()
	ts := startServer(t, Config{}, rec)
	ws := dial(t, ts.wsURL(), http.Header{"X-Forwarded-For": {"203.0.113.9"}})
	c := rec.waitOpen(t)
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	if host != "127.0.0.1" || c.RemoteAddr().String() != ws.LocalAddr().String() {
		t.Fatalf("RemoteAddr = %v", c.RemoteAddr())
	}
}

func TestUpgradeWithoutSipSubprotocol(t *testing.T) {
	for _, protos := range [][]string{nil, {"chat"}, {"SIP-not"}} {
		rec := newRecorder()
		ts := startServer(t, Config{}, rec)
		d := &websocket.Dialer{Subprotocols: protos, HandshakeTimeout: waitLong}
		ws, resp, err := d.Dial(ts.wsURL(), nil)
		if err == nil {
			ws.Close()
			t.Fatalf("protocols %v: upgrade succeeded", protos)
		}
		if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
			t.Fatalf("protocols %v: err %v", protos, err)
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("protocols %v: status %d, want 400", protos, resp.StatusCode)
		}
		if body := readBody(t, resp); !strings.Contains(body, `subprotocol "sip"`) {
			t.Fatalf("body %q does not name the subprotocol", body)
		}
		if ts.ConnCount() != 0 || len(rec.opened) != 0 {
			t.Fatal("connection was opened")
		}
	}
}

func TestPlainGetOnPath426(t *testing.T) {
	ts := startServer(t, Config{}, newRecorder())
	resp, err := httpClient().Get(ts.httpURL() + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("status %d, want 426", resp.StatusCode)
	}
	if got := resp.Header.Get("Upgrade"); got != "websocket" {
		t.Fatalf("Upgrade header %q", got)
	}
	if !strings.Contains(body, "WebSocket") {
		t.Fatalf("body %q", body)
	}
}

func TestUpgradeNonGet405(t *testing.T) {
	ts := startServer(t, Config{}, newRecorder())
	req, _ := http.NewRequest(http.MethodPost, ts.httpURL()+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("status %d, want 405", resp.StatusCode)
	}
}

func TestUpgradeOrigin(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  func(addr string) string // "" means no Origin header
		want    int
	}{
		{"no origin", nil, func(string) string { return "" }, http.StatusSwitchingProtocols},
		{"same host", nil, func(a string) string { return "http://" + a }, http.StatusSwitchingProtocols},
		{"same host upper case", nil, func(a string) string { return "HTTP://" + a }, http.StatusSwitchingProtocols},
		{"same host other port", nil, func(string) string { return "http://127.0.0.1:1" }, http.StatusForbidden},
		{"foreign", nil, func(string) string { return "https://evil.example" }, http.StatusForbidden},
		{"null", nil, func(string) string { return "null" }, http.StatusForbidden},
		{"listed", []string{"https://phone.example.com"}, func(string) string { return "https://Phone.Example.com" }, http.StatusSwitchingProtocols},
		{"listed default port", []string{"https://phone.example.com"}, func(string) string { return "https://phone.example.com:443" }, http.StatusSwitchingProtocols},
		{"listed wrong scheme", []string{"https://phone.example.com"}, func(string) string { return "http://phone.example.com" }, http.StatusForbidden},
		{"list keeps same host", []string{"https://phone.example.com"}, func(a string) string { return "http://" + a }, http.StatusSwitchingProtocols},
		{"star", []string{"*"}, func(string) string { return "https://anything.example" }, http.StatusSwitchingProtocols},
		{"star null", []string{"*"}, func(string) string { return "null" }, http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			ts := startServer(t, Config{AllowedOrigins: tt.allowed}, rec)
			hdr := http.Header{}
			origin := tt.origin(ts.addr)
			if origin != "" {
				hdr.Set("Origin", origin)
			}
			ws, resp, err := dialer().Dial(ts.wsURL(), hdr)
			if ws != nil {
				defer ws.Close()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (err %v)", resp.StatusCode, tt.want, err)
			}
			if tt.want == http.StatusSwitchingProtocols {
				if c := rec.waitOpen(t); c.Origin() != origin {
					t.Fatalf("Origin() = %q, want %q", c.Origin(), origin)
				}
			}
		})
	}
}

func TestNilHandlerAccepted(t *testing.T) {
	ts := startServer(t, Config{}, nil)
	ws := dial(t, ts.wsURL(), nil)
	if err := ws.WriteMessage(websocket.TextMessage, []byte("\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, got := readFrame(t, ws); string(got) != "\r\n" {
		t.Fatalf("got %q", got)
	}
}
