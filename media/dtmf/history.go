package dtmf

// segmentSpan is the timestamp distance between the segments of a long
// event: a segment ends when its duration reaches 0xFFFF and the next one
// starts that many units later (RFC 4733 §2.5.1.3).
const segmentSpan = 0xFFFF

// span is a finished event: the timestamps of its first and last segment
// in one RTP stream.
type span struct {
	ssrc       uint32
	start, seg uint32
	used       bool
}

// covers reports whether ts names one of the segments of s.
func (s span) covers(ssrc, ts uint32) bool {
	return s.used && s.ssrc == ssrc && segmentOf(s.start, s.seg, ts)
}

// segmentOf reports whether ts is the timestamp of a segment of an event
// whose segments run from start to seg (RFC 4733 §2.5.1.3).
func segmentOf(start, seg, ts uint32) bool {
	off := ts - start
	return off <= seg-start && off%segmentSpan == 0
}

// history remembers the last finished events so that their retransmitted
// end packets, duplicates and late updates are not taken for new events
// (RFC 4733 §2.5.1.4, §2.5.2.2). It is a fixed ring: no allocation after
// construction.
type history struct {
	ring []span
	next int // slot of the next event
	n    int // slots in use
}

// add records a finished event, evicting the oldest.
func (h *history) add(s span) {
	s.used = true
	h.ring[h.next] = s
	h.next = (h.next + 1) % len(h.ring)
	h.n = min(h.n+1, len(h.ring))
}

// seen reports whether ts belongs to a remembered event of stream ssrc.
func (h *history) seen(ssrc, ts uint32) bool {
	for _, s := range h.ring[:h.n] {
		if s.covers(ssrc, ts) {
			return true
		}
	}
	return false
}
