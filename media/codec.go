package media

// Codec is one RTP payload format as negotiated in SDP (RFC 4566 §6,
// RFC 3551 §6 for the static payload types).
type Codec struct {
	// PT is the RTP payload type.
	PT uint8
	// Name is the encoding name as in a=rtpmap, e.g. "PCMU", "opus",
	// "telephone-event".
	Name string
	// Clock is the RTP clock rate in Hz. G.722 uses 8000 on the wire
	// (RFC 3551 §4.5.2) although it samples at 16 kHz.
	Clock uint32
	// Channels is the channel count; 0 and 1 both mean mono.
	Channels uint16
	// Fmtp holds the format parameters (a=fmtp), "" when none.
	Fmtp string
}
