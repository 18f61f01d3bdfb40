package media

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestPortPoolConfig(t *testing.T) {
	p, err := NewPortPool(PortPoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Size(), (39998-20000)/2+1; got != want {
		t.Errorf("default size = %d, want %d", got, want)
	}
	for _, cfg := range []PortPoolConfig{
		{Min: 5000, Max: 4000},
		{Min: 5001, Max: 5001},
		{Min: 5001, Max: 5002}, // 5002 has no odd partner in range
		{Min: 1, Max: 70000},
		{Min: -4, Max: 10},
		{BindIP: netip.MustParseAddr("fe80::1%lo")},
	} {
		if _, err := NewPortPool(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewPortPool(%+v) err = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	// An odd Min is rounded up, an even Max rounded down.
	p, err = NewPortPool(PortPoolConfig{Min: 5001, Max: 5006})
	if err != nil {
		t.Fatal(err)
	}
	if p.Size() != 2 { // 5002/5003, 5004/5005
		t.Errorf("size = %d, want 2", p.Size())
	}
}

func TestPortPoolAllocateRelease(t *testing.T) {
	const pairs = 8
	lo, hi := freeRange(t, pairs)
	p := newTestPool(t, pairs, PortPoolConfig{Min: lo, Max: hi})
	seen := map[int]bool{}
	var all []*SocketPair
	for range pairs {
		sp, err := p.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sp)
		if sp.Port%2 != 0 || sp.Port < lo || sp.Port+1 > hi {
			t.Errorf("port %d not an even port in %d..%d", sp.Port, lo, hi)
		}
		if seen[sp.Port] {
			t.Errorf("port %d handed out twice", sp.Port)
		}
		seen[sp.Port] = true
		rtp := sp.RTP.LocalAddr().(*net.UDPAddr)
		rtcp := sp.RTCP.LocalAddr().(*net.UDPAddr)
		if rtp.Port != sp.Port || rtcp.Port != sp.Port+1 {
			t.Errorf("bound %v/%v, want ports %d/%d (RFC 3550 §11)", rtp, rtcp, sp.Port, sp.Port+1)
		}
		if !rtp.IP.Equal(net.IPv4(127, 0, 0, 1)) {
			t.Errorf("bound on %v, want 127.0.0.1", rtp.IP)
		}
	}
	if p.InUse() != pairs {
		t.Errorf("InUse = %d, want %d", p.InUse(), pairs)
	}
	if _, err := p.Allocate(); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("exhausted pool: err = %v, want ErrNoPorts", err)
	}
	for _, sp := range all {
		if err := sp.Close(); err != nil {
			t.Error(err)
		}
		if err := sp.Close(); err != nil { // idempotent
			t.Error(err)
		}
	}
	if p.InUse() != 0 {
		t.Errorf("InUse after release = %d, want 0", p.InUse())
	}
	// Without quarantine the pairs are immediately reusable.
	sp, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	sp.Close()
}

func TestPortPoolQuarantine(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	p := newTestPool(t, 2, PortPoolConfig{Quarantine: 10 * time.Second, Now: clock.Now})
	a, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	clock.Advance(time.Second)
	b.Close()
	if _, err := p.Allocate(); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("allocate during quarantine: err = %v, want ErrNoPorts", err)
	}
	clock.Advance(9 * time.Second) // a released 10 s ago, b 9 s ago
	c, err := p.Allocate()
	if err != nil {
		t.Fatalf("allocate after a's quarantine: %v", err)
	}
	if c.Port != a.Port {
		t.Errorf("got port %d, want the oldest released %d", c.Port, a.Port)
	}
	if _, err := p.Allocate(); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("b still quarantined: err = %v, want ErrNoPorts", err)
	}
	clock.Advance(time.Second)
	d, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	if d.Port != b.Port {
		t.Errorf("got port %d, want %d", d.Port, b.Port)
	}
	c.Close()
	d.Close()
	if p.InUse() != 0 {
		t.Errorf("InUse = %d", p.InUse())
	}
}

func TestPortPoolSkipsBusyPorts(t *testing.T) {
	for _, which := range []string{"rtp", "rtcp"} {
		t.Run(which, func(t *testing.T) {
			lo, hi := freeRange(t, 3)
			clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
			p := newTestPool(t, 3, PortPoolConfig{Min: lo, Max: hi, Quarantine: time.Second, Now: clock.Now})
			// Another program holds one port of the middle pair.
			busyPort := lo + 2
			if which == "rtcp" {
				busyPort++
			}
			other, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(busyPort))))
			if err != nil {
				t.Fatal(err)
			}
			var got []*SocketPair
			for range 2 {
				sp, err := p.Allocate()
				if err != nil {
					t.Fatal(err)
				}
				if sp.Port == lo+2 {
					t.Errorf("allocated the busy pair %d", sp.Port)
				}
				got = append(got, sp)
			}
			if _, err := p.Allocate(); !errors.Is(err, ErrNoPorts) {
				t.Fatalf("err = %v, want ErrNoPorts", err)
			}
			// Once the other program lets go and the retry delay passed,
			// the pair is used again.
			other.Close()
			clock.Advance(time.Second)
			sp, err := p.Allocate()
			if err != nil {
				t.Fatal(err)
			}
			if sp.Port != lo+2 {
				t.Errorf("port %d, want the formerly busy %d", sp.Port, lo+2)
			}
			got = append(got, sp)
			for _, sp := range got {
				sp.Close()
			}
			if p.InUse() != 0 {
				t.Errorf("InUse = %d", p.InUse())
			}
		})
	}
}

func TestPortPoolConcurrent(t *testing.T) {
	p := newTestPool(t, 64, PortPoolConfig{})
	done := make(chan error)
	for range 8 {
		go func() {
			for range 200 {
				sp, err := p.Allocate()
				if errors.Is(err, ErrNoPorts) {
					continue
				}
				if err != nil {
					done <- err
					return
				}
				if err := sp.Close(); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if p.InUse() != 0 {
		t.Errorf("InUse = %d", p.InUse())
	}
}
