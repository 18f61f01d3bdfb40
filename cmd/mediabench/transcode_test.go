package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
)

// needOpus fails (not skips) a test when this binary has no libopus: the
// -opus mode cannot work without it.
func needOpus(t *testing.T) {
	t.Helper()
	if !codec.OpusAvailable {
		t.Fatal("libopus is not available: build the tests with cgo (CGO_ENABLED=1) and libopus-dev installed")
	}
}

// sine returns n samples of a hz tone at 8 kHz.
func sine(n int, hz, amp float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = amp * math.Sin(2*math.Pi*hz*float64(i)/toneRate)
	}
	return x
}

func TestToneShare(t *testing.T) {
	const n = 3200
	noise := make([]float64, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = rng.NormFloat64() * 3000
	}
	for _, c := range []struct {
		name     string
		x        []float64
		min, max float64
	}{
		{"the tone", sine(n, 440, 8000), 0.99, 1.01},
		{"another tone", sine(n, 1000, 8000), 0, 0.01},
		{"noise", noise, 0, 0.05},
		{"silence", make([]float64, n), 0, 0},
	} {
		share, _ := toneShare(c.x, 440, toneRate)
		if share < c.min || share > c.max {
			t.Errorf("%s: share %.3f, want %.2f..%.2f", c.name, share, c.min, c.max)
		}
	}
	if _, rms := toneShare(sine(n, 440, 8000), 440, toneRate); math.Abs(rms-8000/math.Sqrt2) > 10 {
		t.Errorf("rms %.1f", rms)
	}
}

// sampleOf keeps every frame of ring, looping, in a toneSample.
func sampleOf(ring [][]byte) *toneSample {
	s := &toneSample{}
	for i := 0; i < tonePackets+3; i++ { // more than fit: the rest is dropped
		s.add(ring[i%len(ring)])
	}
	return s
}

func TestToneRings(t *testing.T) {
	needOpus(t)
	m, err := newTranscodeMedia()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.opus) != toneRingFrames || len(m.pcmu) != toneRingFrames {
		t.Fatalf("rings of %d and %d frames", len(m.opus), len(m.pcmu))
	}
	for i, f := range m.pcmu {
		if len(f) != payloadSize {
			t.Fatalf("µ-law frame %d has %d bytes", i, len(f))
		}
	}
	for i, f := range m.opus {
		// 32 kbit/s is about 80 bytes per 20 ms; a TOC byte of config
		// 0–31 and code 0 (one frame, RFC 6716 §3.1) or more.
		if len(f) < 10 || len(f) > 400 {
			t.Fatalf("Opus frame %d has %d bytes", i, len(f))
		}
	}
	// Decoding the rings (crossing the loop point) gives each tone.
	for _, c := range []struct {
		ring  [][]byte
		codec codec.Codec
		hz    int
	}{{m.opus, codec.Opus, browserToneHz}, {m.pcmu, codec.PCMU, phoneToneHz}} {
		ring := append(append([][]byte(nil), c.ring[toneRingFrames-10:]...), c.ring...)
		got := checkTone([]*toneSample{sampleOf(ring)}, c.codec, c.hz)
		if !got.ok() || got.minShare < 0.9 {
			t.Errorf("%v ring: %s", c.codec, got)
		}
		if wrong := checkTone([]*toneSample{sampleOf(ring)}, c.codec, c.hz+250); wrong.ok() {
			t.Errorf("%v ring passes as %d Hz: %s", c.codec, c.hz+250, wrong)
		}
	}
}

func TestCheckToneFailures(t *testing.T) {
	silence := bytes.Repeat([]byte{ulawSilence}, payloadSize)
	short := &toneSample{}
	short.add(silence)
	got := checkTone([]*toneSample{short, sampleOf([][]byte{silence})}, codec.PCMU, 440)
	if got.ok() || got.streams != 2 || got.passed != 0 || !strings.Contains(got.problem, "packets kept") {
		t.Fatalf("%+v", got)
	}
	if got := checkTone(nil, codec.PCMU, 440); got.ok() || got.String() != "not run" {
		t.Fatalf("no streams: %+v", got)
	}
	// Silence decodes but carries no tone.
	if got := checkTone([]*toneSample{sampleOf([][]byte{silence})}, codec.PCMU, 440); got.ok() || !strings.Contains(got.problem, "rms") {
		t.Fatalf("silence: %s", got)
	}
}

// rtpPkt builds an RTP packet of payload type pt.
func rtpPkt(pt uint8, payload []byte) []byte {
	p := make([]byte, rtpHeaderSize, rtpHeaderSize+len(payload))
	p[0], p[1] = 0x80, pt
	binary.BigEndian.PutUint32(p[8:12], 7)
	return append(p, payload...)
}

func TestReceiverCountsByPayloadType(t *testing.T) {
	var win atomic.Bool
	f := &flow{byPT: &ptCount{pt: pcmuPT, window: &win}}
	r := &receiver{flow: f, sample: &toneSample{}}
	pl := bytes.Repeat([]byte{0x55}, payloadSize)
	r.onPacket(rtpPkt(pcmuPT, pl)) // warm-up
	win.Store(true)
	for i := 0; i < 30; i++ {
		r.onPacket(rtpPkt(pcmuPT, pl))
	}
	r.onPacket(rtpPkt(101, []byte{1, 0, 0, 160}))                           // a telephone-event
	r.onPacket([]byte{1, 2, 3})                                             // not RTP
	r.onPacket([]byte{0x81, 201, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0}) // an RTCP receiver report
	win.Store(false)
	r.onPacket(rtpPkt(pcmuPT, pl))
	if r.got.Load() != 32 || r.inWin.Load() != 30 || f.recv.Load() != 30 || f.foreign.Load() != 1 {
		t.Fatalf("got %d in window %d flow recv %d foreign %d", r.got.Load(), r.inWin.Load(), f.recv.Load(), f.foreign.Load())
	}
	if ps := r.sample.payloads(); len(ps) != tonePackets || !bytes.Equal(ps[0], pl) {
		t.Fatalf("kept %d payloads", len(ps))
	}
	if got := worstStream([]*receiver{r, {flow: f}}, 30); got != 0 {
		t.Fatalf("worst %v, want 0 (a silent stream)", got)
	}
	if got := worstStream([]*receiver{r}, 40); got != 0.75 {
		t.Fatalf("worst %v, want 0.75", got)
	}
	if worstStream(nil, 40) != 0 {
		t.Fatal("worst of no streams")
	}
	// The flow's figures: transcoded loss counts the pacer's skipped slots
	// as expected, marker loss does not.
	f.sent.Store(28)
	f.skipped.Store(2)
	res := f.result()
	if !res.counted || res.expected() != 30 || res.lossPct() != 0 {
		t.Fatalf("%+v expected %d loss %v", res, res.expected(), res.lossPct())
	}
	res.counted = false
	if res.expected() != 28 {
		t.Fatalf("marker expected %d", res.expected())
	}
}

// skipSender counts sends and skips.
type skipSender struct{ sent, skipped int }

func (s *skipSender) send(bool) { s.sent++ }
func (s *skipSender) skip()     { s.skipped++ }

func TestWheelTellsSkips(t *testing.T) {
	w := newWheel(4)
	ss := make([]*skipSender, 4)
	for i := range ss {
		ss[i] = &skipSender{}
		w.add(time.Duration(i)*packetPeriod/4, ss[i])
	}
	var win atomic.Bool
	win.Store(true)
	now := time.Now()
	w.run(now.Add(-500*time.Millisecond), now.Add(20*time.Millisecond), make(chan struct{}), &win)
	skipped := 0
	for _, s := range ss {
		skipped += s.skipped
	}
	if skipped == 0 || int64(skipped) != w.skipped.Load() {
		t.Fatalf("senders told of %d skips, wheel counted %d", skipped, w.skipped.Load())
	}
}

func TestCallsPerCore(t *testing.T) {
	r := stepResult{up: 50, gwCPU: 10} // 20 % per 100 calls
	if r.cpuPer100() != 20 || r.callsPerCore() != 500 {
		t.Fatalf("cpu/100 %v calls/core %v", r.cpuPer100(), r.callsPerCore())
	}
	if (stepResult{}).callsPerCore() != 0 {
		t.Fatal("calls/core without calls")
	}
}

func TestTranscodedReport(t *testing.T) {
	ok := toneCheck{hz: 440, streams: 2, passed: 2, minShare: 0.98, minRMS: 5600}
	r := stepResult{calls: 50, up: 50, gwCPU: 10, transcoded: true, toneB2P: ok, toneP2B: ok,
		b2p: flowResult{sent: 990, skipped: 10, recv: 995, counted: true}, p2b: flowResult{sent: 100, recv: 100, counted: true}}
	var b strings.Builder
	printStep(&b, r)
	bad := r
	bad.toneP2B.passed = 1
	printTable(&b, []stepResult{r, bad}, true)
	out := b.String()
	for _, want := range []string{"transcoding Opus⇄PCMU", "calls/core", "500", "n/a", "0.500%", "tone_check b2p", "2/2 streams hear 440 Hz", "FAIL", "500!", "! = loss over"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "      500  ") {
		t.Errorf("a step that kept up is marked:\n%s", out)
	}
	if strings.Contains(out, "added_p99 b2p=") {
		t.Errorf("transcoded report prints latency:\n%s", out)
	}
}
