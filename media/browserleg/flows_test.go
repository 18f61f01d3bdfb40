package browserleg

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

const (
	phoneSSRC   = 0x50484f4e
	phoneTS0    = 1000
	browserTS0  = 7000
	phoneFreq   = 1000.0
	browserFreq = 440.0
)

// phoneStream is the phone's continuous outgoing stream.
type phoneStream struct {
	mu  sync.Mutex
	seq uint16
	idx int // packet index; timestamp = phoneTS0 + 160*idx
}

// phoneToBrowser makes the phone send 1000 Hz µ-law to the bridge until
// the browser received n packets, then checks every received packet:
// payload type, payload bytes identical to what the phone sent for that
// timestamp, and the tone by frequency.
func phoneToBrowser(t *testing.T, ph *phone, ps *phoneStream, dst *net.UDPAddr, br *testBrowser, n int) []rtp.Packet {
	t.Helper()
	br.reset()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			ps.mu.Lock()
			pkt := rtpPacket(0, ps.seq, uint32(phoneTS0+160*ps.idx), phoneSSRC, tone(phoneFreq, 160*ps.idx, 160))
			ps.seq++
			ps.idx++
			ps.mu.Unlock()
			ph.conn.WriteToUDP(pkt, dst)
		}
	}()
	waitFor(t, "browser to receive phone audio", 10*time.Second, func() bool { return len(br.packets()) >= n })
	close(stop)
	wg.Wait()
	settle(func() int { return len(br.packets()) })

	got := br.packets()
	var payloads [][]byte
	for _, p := range got {
		if p.PayloadType != 0 {
			t.Fatalf("browser got PT %d, want 0", p.PayloadType)
		}
		idx := int(p.Timestamp-phoneTS0) / 160
		if want := tone(phoneFreq, 160*idx, 160); !bytes.Equal(p.Payload, want) {
			t.Fatalf("browser payload for ts %d differs from what the phone sent", p.Timestamp)
		}
		payloads = append(payloads, p.Payload)
	}
	if !dominant(payloads, phoneFreq, browserFreq) {
		t.Fatal("browser did not hear the phone's 1000 Hz tone")
	}
	return got
}

// browserStream is the browser's continuous outgoing stream.
type browserStream struct {
	seq uint16
	idx int
}

// browserToPhone makes the browser send 440 Hz µ-law until the phone got n
// packets, and checks them like phoneToBrowser. wantPT is the phone-side
// payload type.
func browserToPhone(t *testing.T, br *testBrowser, bs *browserStream, ph *phone, n int, wantPT uint8) [][]byte {
	t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			br.track.WriteRTP(&rtp.Packet{
				Header:  rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: bs.seq, Timestamp: uint32(browserTS0 + 160*bs.idx)},
				Payload: tone(browserFreq, 160*bs.idx, 160),
			})
			bs.seq++
			bs.idx++
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	var payloads [][]byte
	deadline := time.Now().Add(10 * time.Second)
	for len(payloads) < n {
		if time.Now().After(deadline) {
			t.Fatalf("phone got %d packets, want %d", len(payloads), n)
		}
		raw, err := ph.read(time.Until(deadline))
		if err != nil {
			t.Fatalf("phone read: %v (after %d packets)", err, len(payloads))
		}
		var p rtp.Packet
		if err := p.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		if p.PayloadType != wantPT {
			t.Fatalf("phone got PT %d, want %d", p.PayloadType, wantPT)
		}
		idx := int(p.Timestamp-browserTS0) / 160
		if want := tone(browserFreq, 160*idx, 160); !bytes.Equal(p.Payload, want) {
			t.Fatalf("phone payload for ts %d differs from what the browser sent", p.Timestamp)
		}
		payloads = append(payloads, p.Payload)
	}
	if !dominant(payloads, browserFreq, phoneFreq) {
		t.Fatal("phone did not hear the browser's 440 Hz tone")
	}
	return payloads
}

// settle waits until count stops changing for 50 ms (packets in flight
// after a sender stopped), at most 2 s.
func settle(count func() int) {
	deadline := time.Now().Add(2 * time.Second)
	last := count()
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		n := count()
		if n == last {
			return
		}
		last = n
	}
}
