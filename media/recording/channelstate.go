package recording

import (
	"sync"

	"github.com/callgate/callgate/media/codec"
)

// decodeBufSamples holds the longest decoded packet: 120 ms of Opus at
// 48 kHz (RFC 6716 §2.1.4), more than any packet of the other codecs fits
// in an Ethernet frame.
const decodeBufSamples = 5760

// channelState is one channel's decoders and its place on the timeline.
// mu serialises everything about the channel, including its decoders,
// which are not safe for concurrent use.
type channelState struct {
	mu     sync.Mutex
	closed bool
	pts    [128]*payloadDecoder // by RTP payload type; nil: ignored

	// Timeline anchor: the packet with timestamp lastTS is lastExt ticks
	// after the anchor packet, which sits at output position anchorPos.
	synced    bool
	ssrc      uint32
	clock     int
	anchorPos int64
	lastTS    uint32
	lastExt   int64
	dupRun    int // consecutive packets dropped as duplicates

	// Clock drift detection over windows of packets; see trackSkew.
	skewMin, skewMax int64
	skewCount        int
	drifted          bool

	pcm []int16 // decoder output
	res []int16 // resampler output

	stats ChannelStats
}

// newChannelState returns the state of a channel with no payload types.
func newChannelState() *channelState {
	cs := &channelState{pcm: make([]int16, decodeBufSamples)}
	// Upsampling by up to 2 (8 → 16 kHz), plus the resampler's slack.
	cs.res = make([]int16, 2*decodeBufSamples+2)
	return cs
}

// set installs pd for pt, closing the decoder it replaces.
func (cs *channelState) set(pt uint8, pd *payloadDecoder) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		pd.close()
		return ErrClosed
	}
	cs.pts[pt].close()
	cs.pts[pt] = pd
	return nil
}

// close releases the decoders; later packets are ignored.
func (cs *channelState) close() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for i, pd := range cs.pts {
		pd.close()
		cs.pts[i] = nil
	}
}

// position places a packet on the timeline: its output position, or false
// for a duplicate to drop. arr is its arrival position, written the
// position up to which the file is written, rate the output rate. It
// re-anchors the channel to the arrival time when the stream is new or
// its timestamps no longer fit the arrival times.
func (cs *channelState) position(h codec.RTPHeader, clock int, arr, written int64, rate int) (int64, bool) {
	// RFC 3550 §5.1, §8: a new SSRC is a new timing source; a new clock
	// rate makes the old timestamps meaningless.
	if cs.synced && h.SSRC == cs.ssrc && clock == cs.clock && cs.dupRun < dupResync && !cs.drifted {
		// RFC 3550 §5.1: timestamps wrap modulo 2^32; the signed
		// difference extends them.
		ext := cs.lastExt + int64(int32(h.Timestamp-cs.lastTS))
		pos := cs.anchorPos + ext*int64(rate)/int64(clock)
		skew := pos - arr
		if limit := samples(maxSkew, rate); skew <= limit && skew >= -limit {
			if ext <= cs.lastExt {
				cs.dupRun++
				cs.stats.Duplicates++
				return 0, false
			}
			cs.dupRun = 0
			cs.lastExt, cs.lastTS = ext, h.Timestamp
			cs.trackSkew(skew, rate)
			return pos, true
		}
	}
	if cs.synced {
		cs.stats.Resyncs++
	}
	cs.synced = true
	cs.ssrc = h.SSRC
	cs.clock = clock
	cs.anchorPos = max(arr, written)
	cs.lastTS = h.Timestamp
	cs.lastExt = 0
	cs.dupRun = 0
	cs.drifted = false
	cs.skewCount = 0
	for _, pd := range cs.pts {
		if pd != nil && pd.rs != nil {
			pd.rs.Reset()
		}
	}
	return cs.anchorPos, true
}

// trackSkew follows how far packets sit from their arrival time over
// windows of driftWindow packets. Network delay varies from packet to
// packet, but the least delayed packet of a window has the largest skew
// and the most delayed the smallest; when even the former is behind its
// arrival by driftLimit, or the latter ahead, the sender's clock has
// drifted from ours and the channel is re-anchored at the next packet.
func (cs *channelState) trackSkew(skew int64, rate int) {
	if cs.skewCount == 0 {
		cs.skewMin, cs.skewMax = skew, skew
	}
	cs.skewMin = min(cs.skewMin, skew)
	cs.skewMax = max(cs.skewMax, skew)
	cs.skewCount++
	if cs.skewCount < driftWindow {
		return
	}
	limit := samples(driftLimit, rate)
	cs.drifted = cs.skewMax < -limit || cs.skewMin > limit
	cs.skewCount = 0
}

// decode turns a payload into PCM at the output rate. The result aliases
// the channel's buffers.
func (cs *channelState) decode(pd *payloadDecoder, payload []byte) ([]int16, error) {
	n, err := pd.dec.Decode(payload, cs.pcm)
	if err != nil {
		return nil, err
	}
	if pd.rs == nil {
		return cs.pcm[:n], nil
	}
	m, err := pd.rs.Process(cs.pcm[:n], cs.res)
	if err != nil {
		return nil, err
	}
	return cs.res[:m], nil
}
