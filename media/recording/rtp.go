package recording

import (
	"time"

	"github.com/callgate/callgate/media/codec"
)

// RTP records one RTP packet (the whole packet, header included) received
// from channel ch's party, as arriving now. See RTPAt.
func (r *Recorder) RTP(ch Channel, pkt []byte) {
	if r == nil {
		return
	}
	r.RTPAt(ch, pkt, time.Now())
}

// RTPAt records one RTP packet received from channel ch's party at time
// at, for callers that have the receive time of the packet. It decodes
// the payload into the channel's buffer and returns; the file is written
// by another goroutine. It does not keep pkt. Packets that are not RTP,
// carry a payload type without a decoder, or arrive after Close are
// ignored. Calls for the two channels may run concurrently; calls for the
// same channel are serialised. It does nothing on a nil Recorder.
func (r *Recorder) RTPAt(ch Channel, pkt []byte, at time.Time) {
	if r == nil || !ch.valid() {
		return
	}
	cs := r.ch[ch]
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		return
	}
	cs.stats.Packets++
	h, payload, err := codec.ParseRTP(pkt)
	if err != nil {
		cs.stats.Malformed++
		return
	}
	pd := cs.pts[h.PayloadType]
	if pd == nil {
		cs.stats.Ignored++
		return
	}
	arr := r.arrivalPos(at)
	pos, ok := cs.position(h, pd.clock, arr, r.written.Load(), r.rate)
	if !ok {
		return
	}
	// Late packets are decoded too: G.722 and Opus decoders carry state
	// from one packet to the next.
	audio, err := cs.decode(pd, payload)
	if err != nil {
		cs.stats.DecodeErrors++
		return
	}
	r.place(ch, cs, pos, audio, arr)
}

// arrivalPos is the timeline position of arrival time at; the first call
// fixes the timeline's origin.
func (r *Recorder) arrivalPos(at time.Time) int64 {
	e := r.epoch.Load()
	if e == nil {
		first := at
		if r.epoch.CompareAndSwap(nil, &first) {
			return 0
		}
		e = r.epoch.Load()
	}
	return int64(at.Sub(*e)) / int64(time.Second/time.Duration(r.rate))
}

// place copies audio into channel ch's ring at position pos, cutting what
// is already written or too far ahead. cs.mu is held.
func (r *Recorder) place(ch Channel, cs *channelState, pos int64, audio []int16, arr int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.maxArrival = max(r.maxArrival, arr)
	// Whatever lies before the write lag is due to be written, whether or
	// not the writer got to it yet: dropping by this rule rather than by
	// the writer's progress keeps the recording independent of scheduling.
	written := r.written.Load()
	w := max(written, r.maxArrival-r.lag)
	ring := r.ring[ch]
	size := int64(len(ring))
	end := pos + int64(len(audio))
	if end <= w {
		cs.stats.Late++
		r.notifyLocked()
		return
	}
	if pos < w {
		audio = audio[w-pos:]
		pos = w
	}
	if limit := written + size; end > limit {
		cs.stats.Overruns++
		if pos >= limit {
			r.notifyLocked()
			return
		}
		audio = audio[:limit-pos]
		end = limit
	}
	k := pos % size
	n := copy(ring[k:], audio)
	copy(ring, audio[n:])
	r.maxEnd = max(r.maxEnd, end)
	cs.stats.Recorded++
	r.notifyLocked()
}
