package main

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/callgate/callgate/media/codec"
)

// The content check of the -opus mode: a few streams per direction keep
// their first packets of the window, which are decoded afterwards; the
// tone their sender sent must carry most of the energy, so a transcoder
// that emits packets of noise or silence does not pass for working.
const (
	// toneSampleStreams is how many streams per direction are checked.
	toneSampleStreams = 4
	// tonePackets is how many packets a checked stream keeps: 500 ms.
	tonePackets = 25
	// toneSkip packets at the start are decoded but not analysed while
	// the decoder settles.
	toneSkip = 5
	// toneRate is the rate the check decodes at.
	toneRate = 8000
	// toneMinShare is the share of the energy the tone must carry.
	toneMinShare = 0.5
	// toneMinRMS rejects near silence (the tones are sent at an RMS of
	// about 5700).
	toneMinRMS = 500
)

// toneSample keeps copies of the first tonePackets payloads a stream
// receives in the window. One goroutine adds; others read after it.
type toneSample struct {
	pkts [tonePackets][]byte
	n    atomic.Int32
}

// add keeps a copy of payload while there is room.
func (s *toneSample) add(payload []byte) {
	i := s.n.Load()
	if int(i) >= len(s.pkts) {
		return
	}
	s.pkts[i] = append([]byte(nil), payload...)
	s.n.Store(i + 1)
}

// payloads returns the payloads kept so far.
func (s *toneSample) payloads() [][]byte { return s.pkts[:s.n.Load()] }

// goertzelPower is the power of the hz component of x sampled at rate
// (the Goertzel recurrence, one DFT bin): (A·N/2)² for a sine of
// amplitude A on a bin centre.
func goertzelPower(x []float64, hz, rate float64) float64 {
	coeff := 2 * math.Cos(2*math.Pi*hz/rate)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+coeff*s1-s2, s1
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

// toneShare is the share of x's energy at hz (1 for a pure tone on a bin
// centre, about 0 for noise or another tone) and x's RMS.
func toneShare(x []float64, hz, rate float64) (share, rms float64) {
	var e float64
	for _, v := range x {
		e += v * v
	}
	if len(x) == 0 || e == 0 {
		return 0, 0
	}
	return goertzelPower(x, hz, rate) / (e * float64(len(x)) / 2), math.Sqrt(e / float64(len(x)))
}

// toneCheck is the result of checking a direction's sampled streams.
type toneCheck struct {
	hz       int
	streams  int     // streams checked
	passed   int     // streams where the tone dominated
	minShare float64 // the lowest share seen
	minRMS   float64 // the lowest RMS seen
	problem  string  // the first failure, if any
}

// ok reports whether streams were checked and all passed.
func (t toneCheck) ok() bool { return t.streams > 0 && t.passed == t.streams }

// String renders the check for the report.
func (t toneCheck) String() string {
	if t.streams == 0 {
		return "not run"
	}
	s := fmt.Sprintf("%d/%d streams hear %d Hz (min share %.2f, min rms %.0f)", t.passed, t.streams, t.hz, t.minShare, t.minRMS)
	if t.problem != "" {
		s += "; " + t.problem
	}
	return s
}

// checkTone decodes each sample with codec c and checks that hz
// dominates it.
func checkTone(samples []*toneSample, c codec.Codec, hz int) toneCheck {
	t := toneCheck{hz: hz, minShare: math.Inf(1), minRMS: math.Inf(1)}
	fail := func(format string, args ...any) {
		if t.problem == "" {
			t.problem = fmt.Sprintf(format, args...)
		}
	}
	for i, s := range samples {
		t.streams++
		x, err := decodeSample(s.payloads(), c)
		if err != nil {
			fail("stream %d: %v", i, err)
			t.minShare, t.minRMS = 0, 0
			continue
		}
		share, rms := toneShare(x, float64(hz), toneRate)
		t.minShare, t.minRMS = min(t.minShare, share), min(t.minRMS, rms)
		if share < toneMinShare || rms < toneMinRMS {
			fail("stream %d: share %.2f rms %.0f", i, share, rms)
			continue
		}
		t.passed++
	}
	if t.streams == 0 {
		t.minShare, t.minRMS = 0, 0
	}
	return t
}

// decodeSample decodes payloads at toneRate and returns the audio after
// the first toneSkip packets: (tonePackets-toneSkip) × 20 ms = 400 ms,
// whole cycles of both tones, so each sits on a DFT bin centre.
func decodeSample(payloads [][]byte, c codec.Codec) ([]float64, error) {
	if len(payloads) < tonePackets {
		return nil, fmt.Errorf("%d packets kept, want %d", len(payloads), tonePackets)
	}
	dec, err := codec.NewDecoder(c, codec.DecoderConfig{SampleRate: toneRate})
	if err != nil {
		return nil, err
	}
	defer func() { _ = dec.Close() }()
	pcm := make([]int16, toneRate*120/1000) // the longest Opus packet
	want := (tonePackets - toneSkip) * toneRate / 50
	x := make([]float64, 0, want)
	for i, p := range payloads {
		n, err := dec.Decode(p, pcm)
		if err != nil {
			return nil, fmt.Errorf("packet %d: %w", i, err)
		}
		if i < toneSkip {
			continue
		}
		for _, v := range pcm[:n] {
			x = append(x, float64(v))
		}
	}
	if len(x) < want {
		return nil, fmt.Errorf("%d samples decoded, want %d", len(x), want)
	}
	return x[:want], nil
}
