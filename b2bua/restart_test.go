package b2bua_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/b2bua/location"
)

// TestRestartKeepsUDPBinding registers a phone over UDP and a browser over
// WebSocket, restarts the gateway on the same bbolt file, and expects the
// phone's binding back and the browser's gone (RFC 7118 §5: a WebSocket
// binding dies with its connection).
func TestRestartKeepsUDPBinding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "location.db")
	open := func() location.Store {
		s, err := location.OpenBolt(path, location.BoltOptions{Timeout: 2 * time.Second, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	g1 := startGateway(t, func(c *b2bua.Config) { c.Store = open() })
	p := newPhone(t, "UDP", g1.udp)
	contact := "sip:1000@127.0.0.1:5999"
	if res := p.register(t, regReq{user: "1000", pass: testUsers["1000"], expires: 600, contacts: []string{"<" + contact + ">"}}); res.StatusCode != 200 {
		t.Fatalf("register: %s", res.StartLine())
	}
	b := dialBrowser(t, g1, "restart")
	if res := b.register("1000", testUsers["1000"], 600); res.StatusCode != 200 {
		t.Fatalf("browser register: %s", res.StartLine())
	}
	if bs, _ := g1.srv.Bindings(context.Background(), "1000@localhost"); len(bs) != 2 {
		t.Fatalf("before restart: %+v", bs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g1.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	g2 := startGateway(t, func(c *b2bua.Config) { c.Store = open() })
	bs, err := g2.srv.Bindings(context.Background(), "1000@localhost")
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Contact != contact || bs[0].Transport != "UDP" || bs[0].Source == "" {
		t.Fatalf("after restart want only the UDP binding with its source, got %+v", bs)
	}
	if left := time.Until(bs[0].Expires); left < 590*time.Second {
		t.Fatalf("expiry not kept: %s left", left)
	}
}
