package dtmf

import (
	"encoding/binary"
	"testing"
	"time"
)

// BenchmarkDetectorFeed measures one packet: presses of four updates and
// three end packets, one after another.
func BenchmarkDetectorFeed(b *testing.B) {
	d, err := NewDetector(DetectorConfig{}, func(Digit) {})
	if err != nil {
		b.Fatal(err)
	}
	var pls [7][EventSize]byte
	for i := range pls {
		dur := uint16(400 * min(i+1, 4))
		Event{Code: 1, End: i >= 3, Volume: 10, Duration: dur}.put(&pls[i])
	}
	now, ts := t0, uint32(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(pls)
		if k == 0 {
			ts += 3200
		}
		now = now.Add(20 * time.Millisecond)
		if err := d.Feed(now, Packet{SSRC: 1, Timestamp: ts, Marker: k == 0, Payload: pls[k][:]}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDetectorFeedRTP is BenchmarkDetectorFeed on whole RTP packets.
func BenchmarkDetectorFeedRTP(b *testing.B) {
	d, err := NewDetector(DetectorConfig{}, func(Digit) {})
	if err != nil {
		b.Fatal(err)
	}
	var pkts [7][rtpHeaderSize + EventSize]byte
	for i := range pkts {
		p := &pkts[i]
		p[0], p[1] = 0x80, 101
		binary.BigEndian.PutUint32(p[8:], 1)
		var w [EventSize]byte
		Event{Code: 1, End: i >= 3, Volume: 10, Duration: uint16(400 * min(i+1, 4))}.put(&w)
		copy(p[rtpHeaderSize:], w[:])
	}
	now, ts := t0, uint32(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(pkts)
		if k == 0 {
			ts += 3200
			for j := range pkts {
				binary.BigEndian.PutUint32(pkts[j][4:], ts)
			}
		}
		now = now.Add(20 * time.Millisecond)
		if err := d.FeedRTP(now, pkts[k][:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGeneratorNext measures one packet of 200 ms presses.
func BenchmarkGeneratorNext(b *testing.B) {
	g, err := NewGenerator(GeneratorConfig{ClockRate: 48000, Interval: 20 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	var sink Outgoing
	b.ReportAllocs()
	for b.Loop() {
		p, ok := g.Next()
		if !ok {
			if err := g.Start(CodeStar, 200*time.Millisecond); err != nil {
				b.Fatal(err)
			}
			p, _ = g.Next()
		}
		sink = p
	}
	_ = sink
}

// BenchmarkAppendRelay measures formatting one INFO body.
func BenchmarkAppendRelay(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRelay(buf[:0], CodePound, 160*time.Millisecond)
	}
}

// BenchmarkParseRelay measures parsing one INFO body.
func BenchmarkParseRelay(b *testing.B) {
	body := []byte("Signal=5\r\nDuration=160\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseRelay(body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHotPathsAllocateNothing(t *testing.T) {
	d, err := NewDetector(DetectorConfig{}, func(Digit) {})
	if err != nil {
		t.Fatal(err)
	}
	pl := payload(3, false, 400)
	end := payload(3, true, 800)
	now, ts := t0, uint32(0)
	feed := testing.AllocsPerRun(200, func() {
		ts += 1600
		now = now.Add(100 * time.Millisecond)
		_ = d.Feed(now, Packet{SSRC: 1, Timestamp: ts, Marker: true, Payload: pl})
		_ = d.Feed(now.Add(50*time.Millisecond), Packet{SSRC: 1, Timestamp: ts, Payload: end})
		_ = d.Feed(now.Add(50*time.Millisecond), Packet{SSRC: 1, Timestamp: ts, Payload: end})
	})
	g, err := NewGenerator(GeneratorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	gen := testing.AllocsPerRun(200, func() {
		if _, ok := g.Next(); !ok {
			_ = g.Start(5, 120*time.Millisecond)
		}
	})
	if feed != 0 || gen != 0 {
		t.Fatalf("allocs: detector %v, generator %v", feed, gen)
	}
}
