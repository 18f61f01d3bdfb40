package browserleg

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/callgate/callgate/media"
)

func TestAdvertisedIP(t *testing.T) {
	old := interfaceAddrs
	defer func() { interfaceAddrs = old }()
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("fe80::1"),
		netip.MustParseAddr("169.254.3.4"), netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("198.51.100.1")}
	interfaceAddrs = func() []netip.Addr { return addrs }

	any4 := &net.UDPAddr{IP: net.IPv4zero, Port: 5000}
	cases := []struct {
		public netip.Addr
		local  net.Addr
		want   string
		err    bool
	}{
		{netip.MustParseAddr("203.0.113.9"), any4, "203.0.113.9", false},
		{netip.MustParseAddr("::ffff:203.0.113.9"), any4, "203.0.113.9", false},
		{netip.MustParseAddr("2001:db8::1"), any4, "", true},
		{netip.Addr{}, &net.UDPAddr{IP: net.IPv4(10, 1, 2, 3)}, "10.1.2.3", false},
		{netip.Addr{}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, "127.0.0.1", false},
		{netip.Addr{}, any4, "192.0.2.7", false},
		{netip.Addr{}, &net.UDPAddr{IP: net.IPv6unspecified}, "192.0.2.7", false},
		{netip.Addr{}, &net.UDPAddr{IP: net.ParseIP("2001:db8::2")}, "", true},
	}
	for _, c := range cases {
		got, err := advertisedIP(c.public, c.local)
		if c.err {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v %v: err %v", c.public, c.local, err)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("%v %v: %v %v, want %s", c.public, c.local, got, err, c.want)
		}
	}
	// Only loopback on the host: loopback.
	addrs = addrs[:1]
	if got, _ := advertisedIP(netip.Addr{}, any4); got.String() != "127.0.0.1" {
		t.Errorf("loopback-only host: %v", got)
	}
}

// TestEngineDefaults: the zero Config works (0.0.0.0, ephemeral cert).
func TestEngineDefaults(t *testing.T) {
	e, err := NewEngine(Config{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !e.Addr().Addr().Is4() || e.Addr().Port() == 0 {
		t.Errorf("Addr %v", e.Addr())
	}
	// However many interfaces the host has: one candidate, the advertised
	// address.
	leg, offer, err := e.Offer(testCtx(t), []media.Codec{pcmu}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	checkDescription(t, e, offer)
	if _, err := NewEngine(Config{PublicIP: netip.MustParseAddr("2001:db8::1"), Logger: quietLog}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("IPv6 public IP: %v", err)
	}
}

func TestPionLogs(t *testing.T) {
	var buf bytes.Buffer
	quiet := false
	f := pionLogs{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})), quiet: func() bool { return quiet }}
	l := f.NewLogger("ice")
	l.Trace("trace")
	l.Infof("info %d", 1)
	l.Warnf("warn %d", 2)
	quiet = true
	l.Error("closing")
	out := buf.String()
	if strings.Contains(out, "trace") || strings.Contains(out, "info 1") || !strings.Contains(out, "warn 2") || strings.Contains(out, "closing") {
		t.Errorf("log output:\n%s", out)
	}
	if !strings.Contains(out, "pion=ice") {
		t.Errorf("no scope: %s", out)
	}
}
