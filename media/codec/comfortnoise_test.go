package codec

import (
	"math"
	"testing"
	"time"
)

// silenceAfterSpeech runs a phone's 1 kHz tone for 10 packets, then
// (when cnLevel >= 0) one comfort noise packet of that level, then nothing
// for a second, then the tone again, through a PCMU → PCMA Transcoder. It
// returns what the far end heard during the silent second and after it.
func silenceAfterSpeech(t *testing.T, cnLevel int) (silent, after []int16, st TranscoderStats) {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	tr, err := NewTranscoder(Format{PCMU, 0}, Format{PCMA, 8}, TranscoderConfig{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	src, sink := newPhone(t, PCMU, 1000), newListener(t, PCMA)
	buf := make([]byte, 1500)
	tick := func() {
		clock.t = clock.t.Add(20 * time.Millisecond)
		tickInto(t, tr, buf, sink)
	}
	for range 10 {
		if err := tr.Push(src.next(t)); err != nil {
			t.Fatal(err)
		}
		tick()
	}
	if cnLevel >= 0 {
		// RFC 3389 §4: a CN packet shares the stream's SSRC and numbering.
		cn := make([]byte, RTPHeaderSize+1)
		RTPHeader{PayloadType: StaticComfortNoisePT, Seq: src.seq, Timestamp: src.ts, SSRC: 0x1234}.MarshalTo(cn)
		cn[RTPHeaderSize] = byte(cnLevel)
		src.seq++
		if err := tr.Push(cn); err != nil {
			t.Fatal(err)
		}
	}
	start := len(sink.heard)
	for range 50 { // one second without packets
		src.ts += 160
		src.pos += 160
		tick()
	}
	silentEnd := len(sink.heard)
	for i := range 15 {
		pkt := src.next(t)
		if i == 12 {
			continue // one packet lost once speech is back: concealed, not noise
		}
		if err := tr.Push(pkt); err != nil {
			t.Fatal(err)
		}
		tick()
	}
	// Skip the first 100 ms of the silence (concealment may still fade
	// out the tone) and of the speech again (the jitter buffer refills).
	return sink.heard[start+800 : silentEnd], sink.heard[silentEnd+800:], tr.Stats()
}

// TestComfortNoiseFillsSilence: after a CN packet of level 40 -dBov the
// far end hears noise at that level (RFC 3389 §3.1) for the whole silence,
// not dead air; speech then takes over again. Without the CN packet the
// same silence fades to nothing, so the level is due to comfort noise.
func TestComfortNoiseFillsSilence(t *testing.T) {
	silent, after, st := silenceAfterSpeech(t, 40)
	if st.ComfortNoise != 1 || st.OtherPT != 0 {
		t.Fatalf("stats %+v: want one CN packet and no other payload type", st)
	}
	// The silence was noise, not concealment; the loss after speech
	// resumed was concealed as usual.
	if st.Concealed == 0 {
		t.Fatalf("stats %+v: the loss after speech resumed was not concealed", st)
	}
	want := 32767 * math.Pow(10, -40.0/20)
	if got := rms(silent); math.Abs(20*math.Log10(got/want)) > 2 {
		t.Fatalf("comfort noise at %.0f RMS, want %.0f ±2 dB", got, want)
	}
	// Noise, not a tone: no bin of a coarse spectrum stands out.
	if f, snr := toneQuality(silent, 8000); snr > 10 {
		t.Fatalf("comfort noise looks like a tone at %.0f Hz (%.1f dB)", f, snr)
	}
	if f, _ := toneQuality(after, 8000); math.Abs(f-1000) > 10 {
		t.Fatalf("after the silence the far end hears %.0f Hz, want the 1 kHz tone", f)
	}
	// A-law has no zero: its quietest codes decode to ±8.
	for _, lvl := range []struct {
		level int
		max   float64
	}{{127, 8}, {-1, 8}} {
		quiet, _, _ := silenceAfterSpeech(t, lvl.level)
		if got := rms(quiet); got > lvl.max {
			t.Errorf("CN level %d: silence at %.1f RMS, want at most %.0f", lvl.level, got, lvl.max)
		}
	}
}

// BenchmarkComfortNoise is one 20 ms frame of comfort noise at 8 kHz.
func BenchmarkComfortNoise(b *testing.B) {
	var cn comfortNoise
	cn.setLevel([]byte{50})
	pcm := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		cn.fill(pcm)
	}
}
