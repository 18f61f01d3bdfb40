package dtmf

import (
	"errors"
	"slices"
	"testing"
	"time"
)

const ms = time.Millisecond

// longPress returns the packets of a press of total units at 8000 Hz split
// into segments as RFC 4733 §2.5.1.3 says: updates every 400 units, the
// full-segment packet (0xFFFF, no E bit), the next segment at ts+0xFFFF,
// and the end packet three times. dropFull drops the full-segment packets.
func longPress(ts uint32, code Code, total uint64, dropFull bool) []step {
	var s []step
	var at time.Duration
	seg, first := uint64(0), true
	add := func(dur uint64, end bool) {
		s = append(s, pkt(at, ts+uint32(seg), first, code, end, uint16(dur)))
		first = false
	}
	for el := uint64(400); ; el += 400 {
		at = time.Duration(el) * time.Second / 8000
		if el > total {
			el = total
		}
		if el-seg > segmentSpan {
			if !dropFull {
				add(segmentSpan, false)
			}
			seg += segmentSpan
		}
		if el == total {
			for range 3 {
				add(el-seg, true)
			}
			return s
		}
		add(el-seg, false)
	}
}

func TestDetector(t *testing.T) {
	five := []want{{5, 200 * ms, true}}
	normal := press(0, 1000, 5, 1600)
	tests := []struct {
		name  string
		cfg   DetectorConfig
		steps []step
		want  []want
		stats DetectorStats // checked when non-zero fields are set
	}{
		{
			name:  "start updates triple end",
			steps: normal,
			want:  five,
			stats: DetectorStats{Packets: 6, Digits: 1, Ignored: 2},
		},
		{
			name: "every packet duplicated",
			steps: func() []step {
				var s []step
				for _, p := range normal {
					s = append(s, p, p)
				}
				return s
			}(),
			want: five,
		},
		{
			name: "updates reordered",
			steps: []step{
				pkt(0, 1000, true, 5, false, 400),
				pkt(100*ms, 1000, false, 5, false, 1200),
				pkt(101*ms, 1000, false, 5, false, 800),
				pkt(150*ms, 1000, false, 5, true, 1600),
				pkt(150*ms, 1000, false, 5, true, 1600),
				pkt(150*ms, 1000, false, 5, true, 1600),
			},
			want: five,
		},
		{
			name: "update after the end packet",
			steps: []step{
				pkt(0, 1000, true, 5, false, 400),
				pkt(50*ms, 1000, false, 5, true, 1600),
				pkt(51*ms, 1000, false, 5, false, 1200),
				pkt(100*ms, 1000, false, 5, true, 1600),
				pkt(150*ms, 1000, false, 5, true, 1600),
			},
			want: five,
		},
		{
			name:  "start packet lost",
			steps: normal[1:],
			want:  five,
			stats: DetectorStats{LostStarts: 1, Digits: 1},
		},
		{
			name:  "only end packets arrive",
			steps: normal[3:],
			want:  five,
		},
		{
			name: "single packet press with start and end bits",
			steps: []step{
				pkt(0, 1000, true, 7, true, 240),
				pkt(20*ms, 1000, true, 7, true, 240),
				pkt(40*ms, 1000, true, 7, true, 240),
			},
			want: []want{{7, 30 * ms, true}},
		},
		{
			name:  "zero duration first packet",
			steps: concat([]step{pkt(0, 1000, true, 5, false, 0)}, normal),
			want:  five,
		},
		{
			name: "end lost: adaptive timeout of three intervals",
			steps: []step{
				pkt(0, 1000, true, 5, false, 400),
				pkt(50*ms, 1000, false, 5, false, 800),
				pkt(100*ms, 1000, false, 5, false, 1200),
				tickAt(249 * ms), // 100 + 3×50 - 1
				tickAt(250 * ms),
				pkt(260*ms, 1000, false, 5, true, 1600), // late end: already reported
			},
			want:  []want{{5, 150 * ms, false}},
			stats: DetectorStats{TimedOut: 1, Ignored: 1},
		},
		{
			name: "end lost: adaptive timeout never below 100 ms",
			steps: []step{
				pkt(0, 1000, true, 5, false, 160), // 20 ms updates
				pkt(20*ms, 1000, false, 5, false, 320),
				tickAt(119 * ms),
				tickAt(120 * ms),
			},
			want: []want{{5, 40 * ms, false}},
		},
		{
			name: "end lost: configured timeout",
			cfg:  DetectorConfig{Timeout: time.Second},
			steps: []step{
				pkt(0, 1000, true, 5, false, 400),
				pkt(50*ms, 1000, false, 5, false, 800),
				tickAt(1049 * ms),
				tickAt(1050 * ms),
			},
			want: []want{{5, 100 * ms, false}},
		},
		{
			name: "end lost: timeout noticed by the next packet",
			steps: []step{
				pkt(0, 1000, true, 5, false, 400),
				pkt(2*time.Second, 1000, false, 5, true, 1600),
			},
			want: []want{{5, 50 * ms, false}},
		},
		{
			name: "end lost: next press closes the previous one",
			steps: concat(
				[]step{pkt(0, 1000, true, 1, false, 400), pkt(50*ms, 1000, false, 1, false, 800)},
				press(100*ms, 3000, 2, 800),
			),
			want: []want{{1, 100 * ms, false}, {2, 100 * ms, true}},
		},
		{
			name:  "same key twice",
			steps: concat(press(0, 1000, 5, 1600), press(300*ms, 4000, 5, 1600)),
			want:  []want{{5, 200 * ms, true}, {5, 200 * ms, true}},
		},
		{
			name:  "end repeats of the first press after the second began",
			steps: concat(press(0, 1000, 1, 800)[:2], press(100*ms, 2000, 2, 800), press(200*ms, 1000, 1, 800)[2:]),
			want:  []want{{1, 100 * ms, true}, {2, 100 * ms, true}},
		},
		{
			name:  "long press split into segments",
			steps: longPress(1000, 9, 80000, false),
			want:  []want{{9, 10 * time.Second, true}},
		},
		{
			name:  "long press, full-segment packets lost",
			steps: longPress(1000, 9, 80000, true),
			want:  []want{{9, 10 * time.Second, true}},
		},
		{
			name:  "long press over three segments, start lost",
			steps: longPress(1000, 9, 3*segmentSpan+800, false)[1:],
			want:  []want{{9, (3*segmentSpan + 800) * time.Second / 8000, true}},
		},
		{
			name: "long press, late packet of the first segment",
			steps: []step{
				pkt(0, 1000, true, 9, false, 65000),
				pkt(50*ms, 1000, false, 9, false, segmentSpan),
				pkt(100*ms, 1000+segmentSpan, false, 9, false, 400),
				pkt(101*ms, 1000, false, 9, false, 65400), // late, old segment
				pkt(150*ms, 1000+segmentSpan, false, 9, true, 800),
				pkt(151*ms, 1000, false, 9, false, 65400), // later still
			},
			want: []want{{9, (segmentSpan + 800) * time.Second / 8000, true}},
		},
		{
			name: "segment timestamp with another code is a new press",
			steps: []step{
				pkt(0, 1000, true, 9, false, segmentSpan),
				pkt(50*ms, 1000+segmentSpan, true, 3, true, 400),
			},
			want: []want{{9, segmentSpan * time.Second / 8000, false}, {3, 50 * ms, true}},
		},
		{
			name: "late packet of an unseen older press is stale",
			steps: concat(press(0, 100000, 1, 800), []step{
				pkt(300*ms, 90000, false, 2, true, 800),
			}),
			want:  []want{{1, 100 * ms, true}},
			stats: DetectorStats{Ignored: 3},
		},
		{
			name:  "timeline jump backwards far beyond the stale window",
			steps: concat(press(0, 1_000_000, 1, 800), press(300*ms, 1000, 2, 800)),
			want:  []want{{1, 100 * ms, true}, {2, 100 * ms, true}},
		},
		{
			name:  "timestamps wrapping around zero",
			steps: concat(press(0, 0xFFFFFF00, 1, 800), press(300*ms, 0x100, 2, 800)),
			want:  []want{{1, 100 * ms, true}, {2, 100 * ms, true}},
		},
		{
			name: "new SSRC flushes the press in progress",
			steps: []step{
				pkt(0, 1000, true, 1, false, 400),
				{at: 50 * ms, ssrc: 2, ts: 1000, m: true, code: 2, end: true, dur: 800},
				{at: 60 * ms, ssrc: 2, ts: 1000, code: 2, end: true, dur: 800},
			},
			want: []want{{1, 50 * ms, false}, {2, 100 * ms, true}},
		},
		{
			name: "stream that comes back repeats nothing",
			steps: []step{
				pkt(0, 1000, true, 1, true, 800),
				{at: 50 * ms, ssrc: 2, ts: 5000, m: true, code: 2, end: true, dur: 800},
				pkt(60*ms, 1000, true, 1, true, 800),
			},
			want: []want{{1, 100 * ms, true}, {2, 100 * ms, true}},
		},
		{
			name: "packed events",
			steps: []step{
				{at: 0, ssrc: 1, ts: 1000, m: true, raw: concat2(payload(1, true, 800), payload(2, false, 400))},
				pkt(50*ms, 1800, false, 2, true, 800),
				{at: 60 * ms, ssrc: 1, ts: 1000, m: true, raw: concat2(payload(1, true, 800), payload(2, false, 400))},
			},
			want: []want{{1, 100 * ms, true}, {2, 100 * ms, true}},
		},
		{
			name:  "flush reports the press in progress",
			steps: []step{pkt(0, 1000, true, 4, false, 400), {flush: true}, {flush: true}},
			want:  []want{{4, 50 * ms, false}},
		},
		{
			name: "48000 Hz clock",
			cfg:  DetectorConfig{ClockRate: 48000},
			steps: []step{
				pkt(0, 1000, true, CodeStar, false, 2400),
				pkt(50*ms, 1000, false, CodeStar, true, 4800),
			},
			want: []want{{CodeStar, 100 * ms, true}},
		},
		{
			name:  "flash and other events pass as numbers",
			steps: concat(press(0, 1000, CodeFlash, 800), press(300*ms, 5000, 200, 800)),
			want:  []want{{CodeFlash, 100 * ms, true}, {200, 100 * ms, true}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, r := newTestDetector(t, tc.cfg)
			run(t, d, tc.steps)
			check(t, r.got, tc.want)
			st := d.Stats()
			if tc.stats.Packets != 0 && st.Packets != tc.stats.Packets {
				t.Errorf("Packets = %d, want %d", st.Packets, tc.stats.Packets)
			}
			if tc.stats.Ignored != 0 && st.Ignored != tc.stats.Ignored {
				t.Errorf("Ignored = %d, want %d", st.Ignored, tc.stats.Ignored)
			}
			if tc.stats.TimedOut != 0 && st.TimedOut != tc.stats.TimedOut {
				t.Errorf("TimedOut = %d, want %d", st.TimedOut, tc.stats.TimedOut)
			}
			if tc.stats.LostStarts != 0 && st.LostStarts != tc.stats.LostStarts {
				t.Errorf("LostStarts = %d, want %d", st.LostStarts, tc.stats.LostStarts)
			}
			if st.Digits != uint64(len(r.got)) {
				t.Errorf("Digits = %d, reported %d", st.Digits, len(r.got))
			}
		})
	}
}

// concat2 joins payloads.
func concat2(a, b []byte) []byte { return append(slices.Clip(a), b...) }

func TestDetectorAllSixteenKeysOnce(t *testing.T) {
	d, r := newTestDetector(t, DetectorConfig{})
	var steps []step
	at, ts := time.Duration(0), uint32(5000)
	for c := Code(0); c < 16; c++ {
		p := press(at, ts, c, 1200)
		// Each packet twice, and the first update once more at the end.
		for _, s := range p {
			steps = append(steps, s, s)
		}
		steps = append(steps, p[0])
		at += 400 * ms
		ts += 3200
	}
	run(t, d, steps)
	var keys []byte
	for _, g := range r.got {
		k, ok := g.Code.Digit()
		if !ok {
			t.Fatalf("code %d is not a key", g.Code)
		}
		keys = append(keys, k)
		if g.Duration != 150*ms || !g.Ended {
			t.Errorf("%c: %v ended=%v", k, g.Duration, g.Ended)
		}
	}
	if string(keys) != "0123456789*#ABCD" {
		t.Fatalf("keys %q", keys)
	}
}

func TestDetectorDeadline(t *testing.T) {
	d, r := newTestDetector(t, DetectorConfig{})
	if _, ok := d.Deadline(); ok {
		t.Fatal("deadline with no press")
	}
	run(t, d, []step{pkt(0, 1000, true, 1, false, 400)})
	dl, ok := d.Deadline()
	if !ok || !dl.Equal(t0.Add(150*ms)) {
		t.Fatalf("deadline %v %v, want 150 ms (3 × the default 50 ms)", dl, ok)
	}
	run(t, d, []step{pkt(20*ms, 1000, false, 1, false, 560)}) // 20 ms step
	dl, _ = d.Deadline()
	if want := t0.Add(20*ms + minTimeout); !dl.Equal(want) {
		t.Fatalf("deadline %v, want %v", dl.Sub(t0), want.Sub(t0))
	}
	d.Tick(dl)
	if len(r.got) != 1 {
		t.Fatalf("%d digits after the deadline", len(r.got))
	}
	if _, ok := d.Deadline(); ok {
		t.Fatal("deadline after the press ended")
	}
}

func TestDetectorErrors(t *testing.T) {
	d, r := newTestDetector(t, DetectorConfig{})
	for _, tc := range []struct {
		payload []byte
		want    error
	}{
		{nil, ErrShortPayload},
		{[]byte{1, 2, 3}, ErrShortPayload},
		{[]byte{1, 0x80, 0, 8, 0}, ErrPayloadLength},
		{make([]byte, 4*(MaxPackedEvents+1)), ErrPayloadLength},
	} {
		err := d.Feed(t0, Packet{Timestamp: 1, Payload: tc.payload})
		if !errors.Is(err, tc.want) {
			t.Errorf("payload %x: %v, want %v", tc.payload, err, tc.want)
		}
	}
	if len(r.got) != 0 || d.Stats().Malformed != 4 || d.Stats().Packets != 0 {
		t.Fatalf("digits %v stats %+v", r.got, d.Stats())
	}
	for _, cfg := range []DetectorConfig{{ClockRate: -1}, {Timeout: -1}} {
		if _, err := NewDetector(cfg, func(Digit) {}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	if _, err := NewDetector(DetectorConfig{}, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil callback: %v", err)
	}
}

func TestDetectorHistoryEvicts(t *testing.T) {
	// With defaultHistory presses remembered, the oldest one's late end
	// packet is still within the stale window and is dropped anyway.
	d, r := newTestDetector(t, DetectorConfig{})
	var steps []step
	for i := range defaultHistory + 2 {
		steps = append(steps, press(time.Duration(i)*200*ms, uint32(1000+i*1600), 1, 800)...)
	}
	steps = append(steps, pkt(20*time.Second, 1000, false, 1, true, 800))
	run(t, d, steps)
	if len(r.got) != defaultHistory+2 {
		t.Fatalf("%d digits, want %d", len(r.got), defaultHistory+2)
	}
}
