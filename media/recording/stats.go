package recording

// ChannelStats counts what happened to one channel's packets.
type ChannelStats struct {
	// Packets is every packet given to RTP or RTPAt for the channel
	// while the recorder was open.
	Packets uint64
	// Recorded packets were decoded and placed in the recording, wholly
	// or in part.
	Recorded uint64
	// Ignored packets carried a payload type with no decoder: telephone
	// events, comfort noise, codecs this package cannot decode, or types
	// never passed to SetCodec.
	Ignored uint64
	// Malformed packets were not RTP version 2.
	Malformed uint64
	// Duplicates had a timestamp no newer than the last packet decoded:
	// repeated or reordered packets.
	Duplicates uint64
	// Late packets arrived after their place in the file was written.
	Late uint64
	// Overruns counts packets cut or dropped because they lay too far
	// ahead of the file for the buffer; it grows only if writing stalls.
	Overruns uint64
	// DecodeErrors counts payloads the decoder rejected.
	DecodeErrors uint64
	// Resyncs counts re-anchorings of the channel to the arrival time: a
	// new SSRC, a new clock rate, a timestamp jump, timestamps going back,
	// or the sender's clock drifting from ours.
	Resyncs uint64
}

// Stats returns the counters of channel ch; zero for an invalid channel.
func (r *Recorder) Stats(ch Channel) ChannelStats {
	if !ch.valid() {
		return ChannelStats{}
	}
	cs := r.ch[ch]
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.stats
}
