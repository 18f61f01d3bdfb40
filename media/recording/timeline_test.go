package recording

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// memSink keeps the file in memory.
type memSink struct {
	mu sync.Mutex
	b  []byte
}

func (m *memSink) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.b = append(m.b, p...)
	return len(p), nil
}

func (m *memSink) WriteAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	copy(m.b[off:], p)
	return len(p), nil
}

func (m *memSink) Close() error { return nil }

// record runs fn on a PCMU caller / PCMA callee recorder writing to
// memory and returns the file after Close.
func record(t *testing.T, rate int, fn func(r *Recorder)) (wavFile, *Recorder) {
	t.Helper()
	b, r := recordBytes(t, Config{SampleRate: rate, Logger: quietLogger}, fn)
	return parseWAV(t, b), r
}

// recordBytes runs fn on a PCMU caller / PCMA callee recorder made with
// cfg, writing to memory, and returns the file's bytes after Close.
func recordBytes(t *testing.T, cfg Config, fn func(r *Recorder)) ([]byte, *Recorder) {
	t.Helper()
	m := &memSink{}
	r := newTestRecorder(t, cfg, m)
	if err := r.SetCodec(Caller, 0, "PCMU", 8000); err != nil {
		t.Fatal(err)
	}
	if err := r.SetCodec(Callee, 8, "PCMA", 8000); err != nil {
		t.Fatal(err)
	}
	fn(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(m.b), r
}

// at is the arrival time of packet i of a stream starting at t0.
func at(i int) time.Time { return t0.Add(time.Duration(i) * 20 * time.Millisecond) }

// checkExact compares x[from:to] with the PCMU round trip of a 440 Hz tone
// whose sample 0 is at position 0.
func checkExact(t *testing.T, x []int16, from, to int) {
	t.Helper()
	want := g711Expected(t, codec.PCMU, 440, 0, to)
	for i := from; i < to; i++ {
		if x[i] != want[i] {
			t.Fatalf("sample %d: %d, want %d", i, x[i], want[i])
		}
	}
}

// checkSilent checks that x[from:to] is zero.
func checkSilent(t *testing.T, x []int16, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if x[i] != 0 {
			t.Fatalf("sample %d: %d, want silence in [%d, %d)", i, x[i], from, to)
		}
	}
}

// TestLossLeavesSilence: lost packets and a silence-suppressed stretch
// leave silence of their length; the audio after them is not shifted.
func TestLossLeavesSilence(t *testing.T) {
	w, r := record(t, 8000, func(r *Recorder) {
		s := newSender(t, codec.PCMU, 0, 440, 7, 12345)
		for i := range 100 {
			p := s.next()
			lost := i >= 20 && i < 25 // 100 ms lost
			dtx := i >= 50 && i < 75  // 500 ms not sent
			if !lost && !dtx {
				put(t, r, Caller, p, at(i))
			}
		}
	})
	if w.frames() != 100*160 {
		t.Fatalf("%d frames, want %d", w.frames(), 100*160)
	}
	checkExact(t, w.left, 0, 20*160)
	checkSilent(t, w.left, 20*160, 25*160)
	checkExact(t, w.left, 25*160, 50*160)
	checkSilent(t, w.left, 50*160, 75*160)
	checkExact(t, w.left, 75*160, 100*160)
	checkSilent(t, w.right, 0, w.frames())
	if st := r.Stats(Caller); st.Recorded != 70 || st.Resyncs != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestDuplicatesAndReordering: a duplicate is dropped without effect; of
// two swapped packets the older one is dropped, leaving 20 ms of silence.
func TestDuplicatesAndReordering(t *testing.T) {
	w, r := record(t, 8000, func(r *Recorder) {
		s := newSender(t, codec.PCMU, 0, 440, 7, 0)
		ps := make([][]byte, 50)
		for i := range ps {
			ps[i] = s.next()
		}
		for i := range 50 {
			switch i {
			case 10:
				put(t, r, Caller, ps[11], at(10))
			case 11:
				put(t, r, Caller, ps[10], at(11))
			default:
				put(t, r, Caller, ps[i], at(i))
				put(t, r, Caller, ps[i], at(i))
			}
		}
	})
	checkExact(t, w.left, 0, 10*160)
	checkSilent(t, w.left, 10*160, 11*160)
	checkExact(t, w.left, 11*160, 50*160)
	if st := r.Stats(Caller); st.Duplicates != 49 || st.Recorded != 49 || st.Resyncs != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestResync: a timestamp jump and a new SSRC re-anchor the channel to
// the arrival time, so the audio stays continuous in time.
func TestResync(t *testing.T) {
	w, r := record(t, 8000, func(r *Recorder) {
		s := newSender(t, codec.PCMU, 0, 440, 7, 0)
		for i := range 150 {
			switch i {
			case 50:
				s.ts += 10 * 8000 // 10 s ahead
			case 100:
				s.ssrc, s.ts = 99, 0x80000000
			}
			put(t, r, Caller, s.next(), at(i))
		}
	})
	if w.frames() != 150*160 {
		t.Fatalf("%d frames, want %d", w.frames(), 150*160)
	}
	checkExact(t, w.left, 0, 150*160)
	if st := r.Stats(Caller); st.Resyncs != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestTimestampStepsBack: a stream whose timestamps go back half a second
// loses a little audio, then is re-anchored and recorded again.
func TestTimestampStepsBack(t *testing.T) {
	w, r := record(t, 8000, func(r *Recorder) {
		s := newSender(t, codec.PCMU, 0, 440, 7, 100000)
		for i := range 150 {
			if i == 50 {
				s.ts -= 4000
			}
			put(t, r, Caller, s.next(), at(i))
		}
	})
	st := r.Stats(Caller)
	if st.Resyncs != 1 || st.Duplicates != dupResync {
		t.Errorf("stats %+v", st)
	}
	// Recorded up to the step, silent while dropping, then recorded to
	// the end in place.
	first := 50 + dupResync
	checkExact(t, w.left, 0, 50*160)
	checkSilent(t, w.left, 50*160, first*160)
	checkExact(t, w.left, first*160, 150*160)
}

// TestNetworkStall: after a stall the held-up packets arrive in a burst;
// those older than the write lag are dropped as late, the rest are
// recorded in place, and the channel keeps its timing.
func TestNetworkStall(t *testing.T) {
	w, r := record(t, 8000, func(r *Recorder) {
		c := newSender(t, codec.PCMU, 0, 440, 7, 0)
		e := newSender(t, codec.PCMA, 8, 1000, 8, 0)
		var caller, callee []arrival
		for i := range 150 {
			caller = append(caller, arrival{Caller, at(i), c.next()})
			// Packets 40 to 64 (sent 0.8 to 1.28 s) wait for the end of
			// a stall at 1.3 s.
			when := at(i)
			if i >= 40 && i < 65 {
				when = at(65)
			}
			callee = append(callee, arrival{Callee, when, e.next()})
		}
		feed(t, r, mergeArrivals(caller, callee))
	})
	// At 1.3 s everything before 1.1 s is due: packets 40 to 54.
	st := r.Stats(Callee)
	if st.Late != 15 || st.Recorded != 135 || st.Resyncs != 0 {
		t.Errorf("stats %+v", st)
	}
	checkSilent(t, w.right, 40*160, 55*160)
	want := g711Expected(t, codec.PCMA, 1000, 0, 150*160)
	for i := range 150 * 160 {
		if (i < 40*160 || i >= 55*160) && w.right[i] != want[i] {
			t.Fatalf("right sample %d: %d, want %d", i, w.right[i], want[i])
		}
	}
	checkExact(t, w.left, 0, 150*160)
}

// TestClockDrift: a sender whose clock runs 1 % slow or fast drifts from
// the arrival times; the channel is re-anchored before its packets come
// too late or too far ahead, so nothing is lost and the recording keeps
// the call's length.
func TestClockDrift(t *testing.T) {
	for _, c := range []struct {
		name  string
		ticks uint32 // per 20 ms of our time
	}{{"slow", 158}, {"fast", 162}} {
		t.Run(c.name, func(t *testing.T) {
			const n = 1500 // 30 s
			w, r := record(t, 8000, func(r *Recorder) {
				a := newSender(t, codec.PCMU, 0, 440, 7, 0)
				b := newSender(t, codec.PCMA, 8, 1000, 8, 0)
				var caller, callee []arrival
				for i := range n {
					caller = append(caller, arrival{Caller, at(i), a.next()})
					callee = append(callee, arrival{Callee, at(i), b.next()})
					b.ts += c.ticks - 160
				}
				feed(t, r, mergeArrivals(caller, callee))
			})
			st := r.Stats(Callee)
			if st.Resyncs == 0 || st.Late != 0 || st.Overruns != 0 || st.Recorded != n {
				t.Errorf("stats %+v", st)
			}
			if d := w.duration(); d < 29900*time.Millisecond || d > 30100*time.Millisecond {
				t.Errorf("duration %v", d)
			}
			if v := rms(span(w.right, 8000, 29*time.Second, 29900*time.Millisecond)); v < toneAmp/2 {
				t.Errorf("right channel at the end: RMS %v", v)
			}
		})
	}
}

// TestCodecs: G.722 and Opus channels decode to their tones, at both
// output rates.
func TestCodecs(t *testing.T) {
	type side struct {
		c     codec.Codec
		pt    uint8
		name  string
		clock int
		freq  float64
	}
	cases := []struct {
		name   string
		rate   int
		caller side
		callee side
	}{
		{"G722-PCMU@8k", 8000, side{codec.G722, 9, "G722", 8000, 1000}, side{codec.PCMU, 0, "PCMU", 8000, 440}},
		{"G722-PCMU@16k", 16000, side{codec.G722, 9, "g722", 16000, 1000}, side{codec.PCMU, 0, "PCMU", 0, 440}},
		{"opus-PCMA@8k", 8000, side{codec.Opus, 111, "opus", 48000, 1000}, side{codec.PCMA, 8, "PCMA", 8000, 440}},
		{"opus-G722@16k", 16000, side{codec.Opus, 111, "OPUS", 48000, 440}, side{codec.G722, 9, "G722", 8000, 1000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if (c.caller.c == codec.Opus || c.callee.c == codec.Opus) && !codec.OpusAvailable {
				t.Fatal("libopus is not available: build the tests with cgo (CGO_ENABLED=1) and libopus-dev installed")
			}
			m := &memSink{}
			r := newTestRecorder(t, Config{SampleRate: c.rate, Logger: quietLogger}, m)
			if err := r.SetCodec(Caller, c.caller.pt, c.caller.name, c.caller.clock); err != nil {
				t.Fatal(err)
			}
			if err := r.SetCodec(Callee, c.callee.pt, c.callee.name, c.callee.clock); err != nil {
				t.Fatal(err)
			}
			a := newSender(t, c.caller.c, c.caller.pt, c.caller.freq, 1, 77)
			b := newSender(t, c.callee.c, c.callee.pt, c.callee.freq, 2, 99)
			feed(t, r, mergeArrivals(callArrivals(a, Caller, t0, 100), callArrivals(b, Callee, t0.Add(200*time.Millisecond), 100)))
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			w := parseWAV(t, m.b)
			if w.rate != c.rate {
				t.Errorf("rate %d", w.rate)
			}
			if d := w.duration(); d != 2200*time.Millisecond {
				t.Errorf("duration %v, want 2.2 s", d)
			}
			if f := dominant(span(w.left, c.rate, 300*time.Millisecond, 1900*time.Millisecond), c.rate); f != c.caller.freq {
				t.Errorf("left %v Hz, want %v", f, c.caller.freq)
			}
			if f := dominant(span(w.right, c.rate, 500*time.Millisecond, 2100*time.Millisecond), c.rate); f != c.callee.freq {
				t.Errorf("right %v Hz, want %v", f, c.callee.freq)
			}
			if v := rms(span(w.right, c.rate, 0, 200*time.Millisecond)); v != 0 {
				t.Errorf("right before 200 ms: RMS %v", v)
			}
			if v := rms(span(w.right, c.rate, 300*time.Millisecond, 2100*time.Millisecond)); v < toneAmp/2 {
				t.Errorf("right: RMS %v", v)
			}
			if v := rms(span(w.left, c.rate, 100*time.Millisecond, 1900*time.Millisecond)); v < toneAmp/2 {
				t.Errorf("left: RMS %v", v)
			}
		})
	}
}

// TestCodecSwitch: a channel moving from PCMU to Opus (another clock) is
// re-anchored and keeps its tone and timing.
func TestCodecSwitch(t *testing.T) {
	if !codec.OpusAvailable {
		t.Fatal("libopus is not available: build the tests with cgo (CGO_ENABLED=1) and libopus-dev installed")
	}
	w, r := record(t, 8000, func(r *Recorder) {
		if err := r.SetCodec(Caller, 111, "opus", 0); err != nil {
			t.Fatal(err)
		}
		u := newSender(t, codec.PCMU, 0, 440, 5, 0)
		o := newSender(t, codec.Opus, 111, 440, 5, 0)
		for i := range 100 {
			p := u.next()
			if i >= 50 {
				p = o.next()
			}
			put(t, r, Caller, p, at(i))
		}
	})
	if st := r.Stats(Caller); st.Resyncs != 1 || st.Recorded != 100 {
		t.Errorf("stats %+v", st)
	}
	if d := w.duration(); d != 2*time.Second {
		t.Errorf("duration %v", d)
	}
	if f := dominant(span(w.left, 8000, 1200*time.Millisecond, 2*time.Second), 8000); f != 440 {
		t.Errorf("after the switch: %v Hz", f)
	}
}
