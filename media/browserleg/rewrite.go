package browserleg

// continuity keeps the RTP stream a browser receives on one SSRC
// continuous while the source behind it changes (another phone after a
// transfer, a media server playing hold music, a re-INVITE that restarts
// the phone's stream) and across gaps when sending was suspended. The
// first source passes through unchanged; offsets are computed only when
// needed (RFC 3550 §5.1: sequence numbers increment by one per packet,
// timestamps advance with the sampling clock; RFC 3550 §8.2: a new source
// must not look like a jump within the old one).
type continuity struct {
	clock uint32 // RTP clock rate of the browser stream

	started bool
	resync  bool // next packet continues the output whatever its input
	inSSRC  uint32
	seqOff  uint16
	tsOff   uint32

	lastSeq  uint16
	lastTS   uint32
	lastNano int64
}

// suspend marks a gap in the output: the next packet gets the sequence
// number after the last one sent.
func (c *continuity) suspend() { c.resync = true }

// next maps one packet's SSRC, sequence number and timestamp to the
// output's, given the monotonic time in nanoseconds. marker reports a
// source change: the first packet of the new source should carry the
// marker bit (RFC 3551 §4.1) so the receiver's jitter buffer adapts.
func (c *continuity) next(ssrc uint32, seq uint16, ts uint32, now int64) (outSeq uint16, outTS uint32, marker bool) {
	switch {
	case !c.started:
		c.started, c.inSSRC = true, ssrc
	case ssrc != c.inSSRC:
		// New source: continue right after the last packet, with the
		// timestamp advanced by the wall-clock time since then.
		c.inSSRC = ssrc
		c.seqOff = c.lastSeq + 1 - seq
		c.tsOff = c.lastTS + c.elapsed(now) - ts
		marker = true
	case c.resync:
		// Same source after a gap we created: close the sequence gap, keep
		// the timestamps, which already advanced in real time.
		c.seqOff = c.lastSeq + 1 - seq
	}
	c.resync = false
	outSeq, outTS = seq+c.seqOff, ts+c.tsOff
	c.lastSeq, c.lastTS, c.lastNano = outSeq, outTS, now
	return outSeq, outTS, marker
}

// elapsed converts the time since the last packet to clock ticks, at
// least one tick so timestamps never repeat across a source change.
func (c *continuity) elapsed(now int64) uint32 {
	d := now - c.lastNano
	if d <= 0 || c.clock == 0 {
		return 1
	}
	ticks := uint64(d) * uint64(c.clock) / 1e9
	if ticks == 0 {
		return 1
	}
	return uint32(ticks)
}
