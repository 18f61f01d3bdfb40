package hep

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"
)

// collector is a loopback UDP socket standing in for a Homer collector.
type collector struct {
	t    *testing.T
	conn *net.UDPConn
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &collector{t: t, conn: conn}
}

func (c *collector) addr() string { return c.conn.LocalAddr().String() }

// next reads one datagram and decodes it.
func (c *collector) next() (Packet, Meta) {
	c.t.Helper()
	buf := make([]byte, 65535)
	if err := c.conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		c.t.Fatal(err)
	}
	n, _, err := c.conn.ReadFromUDP(buf)
	if err != nil {
		c.t.Fatalf("collector read: %v", err)
	}
	p, m, err := DecodeMeta(buf[:n])
	if err != nil {
		c.t.Fatalf("collector decode: %v", err)
	}
	return p, m
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestExporterLoopback(t *testing.T) {
	c := newCollector(t)
	e, err := NewExporter(Config{Collector: c.addr(), CaptureID: 2001, Password: "homer", Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	const n = 20
	payload := []byte("SIP/2.0 200 OK\r\n\r\n")
	for i := range n {
		p := samplePacket("127.0.0.1:5060", "127.0.0.2:5062")
		p.CorrelationID = fmt.Sprintf("call-%d", i)
		p.Payload = payload
		e.Send(p)
	}
	// Send copies the payload: changing it now must not affect the wire.
	payload[0] = 'X'

	for i := range n {
		p, m := c.next()
		if want := fmt.Sprintf("call-%d", i); p.CorrelationID != want {
			t.Fatalf("packet %d correlation %q, want %q (order must be kept)", i, p.CorrelationID, want)
		}
		if string(p.Payload) != "SIP/2.0 200 OK\r\n\r\n" {
			t.Fatalf("payload %q", p.Payload)
		}
		if m.CaptureID != 2001 || m.AuthKey != "homer" {
			t.Fatalf("meta %+v", m)
		}
		if p.Src != netip.MustParseAddrPort("127.0.0.1:5060") || p.Type != TypeSIP {
			t.Fatalf("packet %+v", p)
		}
	}
	waitFor(t, func() bool { s, _ := e.Stats(); return s == n })
	if _, dropped := e.Stats(); dropped != 0 {
		t.Errorf("dropped = %d", dropped)
	}
}

func TestExporterZeroTimeIsNow(t *testing.T) {
	c := newCollector(t)
	e, err := NewExporter(Config{Collector: c.addr(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	before := time.Now().Truncate(time.Microsecond)
	p := samplePacket("127.0.0.1:1", "127.0.0.1:2")
	p.Time = time.Time{}
	e.Send(p)
	got, _ := c.next()
	if got.Time.Before(before) || got.Time.After(time.Now()) {
		t.Errorf("time %v not within the send window", got.Time)
	}
}

func TestExporterDrops(t *testing.T) {
	c := newCollector(t)
	e, err := NewExporter(Config{Collector: c.addr(), QueueSize: 1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	// Stall the writer on its first packet: one packet is in flight, one
	// waits in the queue, the rest are dropped.
	stall, stalled := make(chan struct{}), make(chan struct{}, 1)
	e.beforeWrite = func() {
		select {
		case stalled <- struct{}{}:
			<-stall
		default:
		}
	}
	const n = 10
	e.Send(samplePacket("127.0.0.1:1", "127.0.0.1:2"))
	<-stalled
	for range n - 1 {
		e.Send(samplePacket("127.0.0.1:1", "127.0.0.1:2"))
	}
	if _, d := e.Stats(); d != n-2 {
		t.Fatalf("dropped %d while stalled, want %d", d, n-2)
	}
	close(stall)
	// An unencodable packet is dropped too.
	bad := samplePacket("127.0.0.1:1", "[::1]:2")
	e.Send(bad)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	sent, dropped := e.Stats()
	if sent+dropped != n+1 {
		t.Fatalf("sent %d + dropped %d != %d", sent, dropped, n+1)
	}
	if sent != 2 {
		t.Fatalf("sent %d, want 2 (in flight and queued)", sent)
	}
	// After Close every Send is dropped.
	e.Send(samplePacket("127.0.0.1:1", "127.0.0.1:2"))
	if _, d := e.Stats(); d != dropped+1 {
		t.Errorf("send after close: dropped %d, want %d", d, dropped+1)
	}
}

func TestExporterCloseIdempotentAndNil(t *testing.T) {
	c := newCollector(t)
	e, err := NewExporter(Config{Collector: c.addr(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var nilExp *Exporter
	nilExp.Send(samplePacket("127.0.0.1:1", "127.0.0.1:2"))
	if s, d := nilExp.Stats(); s != 0 || d != 0 || nilExp.Close() != nil {
		t.Error("nil Exporter is not a no-op")
	}
}

func TestExporterConfigErrors(t *testing.T) {
	if _, err := NewExporter(Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("empty collector: %v", err)
	}
	if _, err := NewExporter(Config{Collector: "127.0.0.1"}); err == nil {
		t.Error("collector without port accepted")
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before deadline")
		}
		time.Sleep(time.Millisecond)
	}
}
