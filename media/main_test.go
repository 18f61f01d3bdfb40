package media

import (
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var loopback = netip.MustParseAddr("127.0.0.1")

// quietLogger discards log output.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Test port ranges live above Linux's default ephemeral range (32768..60999)
// so that they do not meet sockets bound to port 0, nor a running gateway's
// default 20000..39999.
const testPortLo, testPortHi = 61000, 65535

// freeRange returns [min,max] holding pairs even/odd port pairs that are all
// bindable on 127.0.0.1 right now.
func freeRange(t testing.TB, pairs int) (int, int) {
	t.Helper()
	for range 200 {
		base := testPortLo + 2*rand.IntN((testPortHi-testPortLo-2*pairs)/2)
		if rangeFree(base, base+2*pairs-1) {
			return base, base + 2*pairs - 1
		}
	}
	t.Fatalf("no free range of %d port pairs", pairs)
	return 0, 0
}

func rangeFree(lo, hi int) bool {
	for p := lo; p <= hi; p++ {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(p))))
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}

// newTestPool returns a pool of pairs port pairs on 127.0.0.1 without
// quarantine unless cfg says otherwise.
func newTestPool(t testing.TB, pairs int, cfg PortPoolConfig) *PortPool {
	t.Helper()
	cfg.BindIP = loopback
	if cfg.Min == 0 {
		cfg.Min, cfg.Max = freeRange(t, pairs)
	}
	if cfg.Quarantine == 0 {
		cfg.Quarantine = -1
	}
	p, err := NewPortPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeClock is a settable clock for quarantine tests.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// leakCheck verifies, after every cleanup registered later has run, that no
// goroutine was left behind.
func leakCheck(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}
