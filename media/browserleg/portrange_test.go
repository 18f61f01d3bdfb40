package browserleg

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freeRange finds n consecutive free UDP ports on loopback.
func freeRange(t *testing.T, n int) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		base := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if base+n > 65535 {
			continue
		}
		ok := true
		for p := base; p < base+n && ok; p++ {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				ok = false
				continue
			}
			c.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

// candidatePort returns the port of the single host candidate in desc.
func candidatePort(t *testing.T, desc string) int {
	t.Helper()
	for _, l := range sdpLines(desc) {
		if strings.HasPrefix(l, "a=candidate:") {
			p, err := strconv.Atoi(strings.Fields(l)[5])
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatalf("no candidate in\n%s", desc)
	return 0
}

// connectAndHear answers a fresh browser on e and checks 20 packets from
// the leg reach it; it returns the leg and the port it advertised.
func connectAndHear(t *testing.T, e *Engine) (*Leg, int) {
	t.Helper()
	br := newTestBrowser(t)
	leg, answer, err := e.Answer(testCtx(t), br.offer("", nil), pcmu, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	br.applyAnswer(answer)
	br.waitConnected(leg)
	for i := 0; i < 20; i++ {
		if err := leg.WriteRTP(rtpPacket(0, uint16(i), uint32(160*i), 1, tone(phoneFreq, 160*i, 160))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "browser to hear the leg", 5*time.Second, func() bool { return len(br.packets()) >= 19 })
	return leg, candidatePort(t, answer)
}

func TestPortRangeGivesEachLegItsOwnPort(t *testing.T) {
	base := freeRange(t, 4)
	e, err := NewEngine(Config{PortMin: base, PortMax: base + 3, BindIP: netip.MustParseAddr("127.0.0.1"), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Addr().Port() != 0 {
		t.Fatalf("engine advertises port %d in range mode", e.Addr().Port())
	}
	a, pa := connectAndHear(t, e)
	b, pb := connectAndHear(t, e)
	if pa == pb || pa < base || pa > base+3 || pb < base || pb > base+3 {
		t.Fatalf("legs got ports %d and %d, want two distinct ports in %d-%d", pa, pb, base, base+3)
	}
	a.Close()
	// The closed leg's port is free again.
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: pa})
	if err != nil {
		t.Fatalf("port %d still held after the leg closed: %v", pa, err)
	}
	c.Close()
	b.Close()
}

func TestPortRangeExhausted(t *testing.T) {
	base := freeRange(t, 1)
	hold, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: base})
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	e, err := NewEngine(Config{PortMin: base, PortMax: base, BindIP: netip.MustParseAddr("127.0.0.1"), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	br := newTestBrowser(t)
	if _, _, err := e.Answer(testCtx(t), br.offer("", nil), pcmu, &dtmf8k); !errors.Is(err, ErrNoPort) {
		t.Fatalf("answer with every port taken: %v, want ErrNoPort", err)
	}
}

func TestPortRangeConfigChecked(t *testing.T) {
	for _, c := range []Config{{PortMin: 100}, {PortMin: 200, PortMax: 100}, {PortMin: 1, PortMax: 70000}, {PortMin: 1, PortMax: 2, BindIP: netip.MustParseAddr("::1")}} {
		if _, err := NewEngine(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v, want ErrInvalidConfig", c, err)
		}
	}
}

func TestFullICEConnects(t *testing.T) {
	e := newTestEngine(t, Config{FullICE: true})
	br := newTestBrowser(t)
	leg, answer, err := e.Answer(testCtx(t), br.offer("", nil), pcmu, &dtmf8k)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(answer, "a=ice-lite") {
		t.Fatal("a full ICE agent announces ice-lite")
	}
	br.applyAnswer(answer)
	br.waitConnected(leg)
	leg.Close()
}
