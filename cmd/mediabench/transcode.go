package main

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"sync/atomic"

	"github.com/callgate/callgate/media/codec"
)

// Transcoding mode (-opus). The browsers offer only Opus (and
// telephone-event at Opus's clock), as a browser without G.711 would, so
// callgate offers the phone G.711/G.722 and runs a transcoder each way on
// every call. The phone answers PCMU as in the default mode.
//
// Payload markers cannot survive a decode and re-encode, so in this mode
// each side sends a steady tone instead (pre-encoded once into a ring of
// frames, so the load program spends no CPU encoding per packet), and the
// receivers count the packets of the payload type they expect, inside the
// measurement window, without latency.

// Opus as browsers put it in SDP: payload type 111 for opus/48000/2 with
// minptime and in-band FEC (RFC 7587 §7), 110 for telephone-event/48000
// (RFC 4733 §2.5.1.2: the event clock is the audio codec's).
const (
	opusPT     = 111
	opusDTMFPT = 110
	opusFmtp   = "minptime=10;useinbandfec=1"
	// opusSamplesPerPkt is the RTP timestamp step of 20 ms of Opus: its
	// RTP clock is 48 kHz whatever the coded bandwidth (RFC 7587 §4.1).
	opusSamplesPerPkt = 960
)

// The tones: what the browsers send (and the phone must hear) and what the
// phone sends (and the browsers must hear). A ring of toneRingFrames
// frames is one second, holding whole cycles of any integer frequency, so
// it loops without a click.
const (
	browserToneHz  = 440
	phoneToneHz    = 1000
	toneAmplitude  = 8000 // about -12 dBFS
	toneRingFrames = 50
)

// transcodeMedia is what the -opus mode sends, encoded once at start-up
// and shared, read-only, by every call.
type transcodeMedia struct {
	// browser → phone: Opus frames of a browserToneHz tone, fullband, and
	// coded from 8 kHz and 16 kHz audio for answers that limit Opus with
	// maxplaybackrate (RFC 7587 §6.1), as Chrome's encoder does.
	opus, opusNB, opusWB [][]byte
	pcmu                 [][]byte // phone → browser: µ-law frames of a phoneToneHz tone
}

// maxPlaybackRate reads the maxplaybackrate of Opus in an SDP answer;
// 48000 when there is none.
var maxPlaybackRate = regexp.MustCompile(`(?m)^a=fmtp:\d+ .*maxplaybackrate=(\d+)`)

// opusFor picks the Opus ring a browser sends after the answer sdp, as
// Chrome narrows its encoder to the answer's maxplaybackrate.
func (t *transcodeMedia) opusFor(sdp string) [][]byte {
	m := maxPlaybackRate.FindStringSubmatch(sdp)
	if m == nil {
		return t.opus
	}
	switch rate, _ := strconv.Atoi(m[1]); {
	case rate <= 8000:
		return t.opusNB
	case rate <= 16000:
		return t.opusWB
	}
	return t.opus
}

// newTranscodeMedia encodes both tone rings. It fails with errNoOpus when
// this binary was built without libopus.
func newTranscodeMedia() (*transcodeMedia, error) {
	if !codec.OpusAvailable {
		return nil, errNoOpus
	}
	tm := &transcodeMedia{}
	for _, r := range []struct {
		c    codec.Codec
		rate int
		hz   int
		out  *[][]byte
	}{
		{codec.Opus, 48000, browserToneHz, &tm.opus},
		{codec.Opus, 8000, browserToneHz, &tm.opusNB},
		{codec.Opus, 16000, browserToneHz, &tm.opusWB},
		{codec.PCMU, 8000, phoneToneHz, &tm.pcmu},
	} {
		ring, err := toneRing(r.c, r.rate, r.hz, toneRingFrames)
		if err != nil {
			return nil, err
		}
		*r.out = ring
	}
	return tm, nil
}

// toneFrame fills pcm with a sine of hz at rate, starting at sample
// index start of the tone.
func toneFrame(pcm []int16, rate, hz, start int) {
	for i := range pcm {
		ph := 2 * math.Pi * float64(hz) * float64(start+i) / float64(rate)
		pcm[i] = int16(math.Round(toneAmplitude * math.Sin(ph)))
	}
}

// toneRing encodes frames 20 ms frames of a hz tone with codec c. The
// encoder first runs through one ring's worth of frames, which are
// dropped: the kept frames then follow audio identical to their own ring,
// so the decoder's state stays consistent where the ring loops.
func toneRing(c codec.Codec, rate, hz, frames int) ([][]byte, error) {
	enc, err := codec.NewEncoder(c, codec.EncoderConfig{SampleRate: rate})
	if err != nil {
		return nil, fmt.Errorf("%v encoder: %w", c, err)
	}
	defer func() { _ = enc.Close() }()
	n := rate / 50 // 20 ms
	pcm := make([]int16, n)
	buf := make([]byte, 1500)
	out := make([][]byte, 0, frames)
	for f := 0; f < 2*frames; f++ {
		toneFrame(pcm, rate, hz, f*n)
		m, err := enc.Encode(pcm, buf)
		if err != nil {
			return nil, fmt.Errorf("%v encode: %w", c, err)
		}
		if f >= frames {
			out = append(out, append([]byte(nil), buf[:m]...))
		}
	}
	return out, nil
}

// ptCount makes a flow's receivers count packets by payload type instead
// of reading markers: packets of pt count, those received while window
// is set count as the window's.
type ptCount struct {
	pt     uint8
	window *atomic.Bool
}

// onCounted accounts one packet of payload type pt in counting mode.
func (r *receiver) onCounted(pt uint8, payload []byte, c *ptCount) {
	if pt != c.pt {
		r.flow.foreign.Add(1)
		return
	}
	r.got.Add(1)
	if !c.window.Load() {
		return
	}
	r.inWin.Add(1)
	r.flow.recv.Add(1)
	if r.sample != nil {
		r.sample.add(payload)
	}
}

// worstStream is the smallest share, over streams, of the window's 20 ms
// ticks for which a stream received a packet; 0 without streams.
func worstStream(rxs []*receiver, ticks float64) float64 {
	if len(rxs) == 0 || ticks <= 0 {
		return 0
	}
	worst := math.Inf(1)
	for _, r := range rxs {
		worst = min(worst, float64(r.inWin.Load())/ticks)
	}
	return worst
}
