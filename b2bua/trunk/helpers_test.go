package trunk

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// newNopClient returns a sipgo client that is never used to send.
func newNopClient(t testing.TB) *sipgo.Client {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ua.Close() })
	c, err := sipgo.NewClient(ua)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testClient is a sipgo client sending from its own UDP listener on
// loopback, so no stray per-destination sockets outlive the test.
type testClient struct {
	client *sipgo.Client
	addr   *net.UDPAddr
}

func newTestClient(t testing.TB) *testClient {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("trunk-test"))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ServeUDP(pc)
	}()
	eventually(t, 2*time.Second, "client listener", func() bool { return ua.TransportLayer().Pool("udp").Size() > 0 })
	c, err := sipgo.NewClient(ua)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = ua.Close()
		_ = pc.Close()
		<-done
	})
	return &testClient{client: c, addr: pc.LocalAddr().(*net.UDPAddr)}
}

// options returns Set options that send from the test client's socket.
func (c *testClient) options() Options {
	return Options{
		Client:    c.client,
		Logger:    testLogger(),
		UserAgent: "trunk-test",
		LocalAddr: func(string, string) (string, int) { return "127.0.0.1", c.addr.Port },
		SendFrom: func(string, string) sip.Addr {
			return sip.Addr{IP: c.addr.IP, Port: c.addr.Port}
		},
	}
}

// eventually polls cond every 10 ms until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testCtx returns a context cancelled at the end of the test.
func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// testUAS is a sipgo server on a loopback UDP port playing the carrier.
type testUAS struct {
	ua   *sipgo.UserAgent
	pc   net.PacketConn
	addr string
	done chan struct{}
}

// startUAS listens on addr ("127.0.0.1:0" for any port) and installs
// handlers with setup.
func startUAS(t testing.TB, addr string, setup func(*sipgo.Server)) *testUAS {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("carrier"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	setup(srv)
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		_ = ua.Close()
		t.Fatal(err)
	}
	u := &testUAS{ua: ua, pc: pc, addr: pc.LocalAddr().String(), done: make(chan struct{})}
	go func() {
		defer close(u.done)
		_ = srv.ServeUDP(pc)
	}()
	t.Cleanup(u.stop)
	return u
}

// stop closes the server; it may be called more than once.
func (u *testUAS) stop() {
	_ = u.ua.Close()
	_ = u.pc.Close()
	<-u.done
}

// respond answers req with code and extra headers.
func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}
