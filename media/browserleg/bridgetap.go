package browserleg

// BridgeTap receives a copy of the RTP a Bridger passes between the phone
// and the browser, for example to record the call.
type BridgeTap interface {
	// PhoneRTP is called with each RTP packet admitted from the phone,
	// with the phone's payload types, before it is sent on.
	PhoneRTP(pkt []byte)
	// BrowserRTP is called with each RTP packet from the browser, with
	// the browser's payload types, before it is sent on.
	BrowserRTP(pkt []byte)
}

// tapBox holds a BridgeTap behind an atomic pointer.
type tapBox struct{ t BridgeTap }

// SetTap starts passing RTP to t, replacing any previous tap; nil removes
// it. It is safe while the bridge runs; a packet being handled at that
// moment may still reach the previous tap, so a tap must tolerate calls
// after it was removed (recording.Recorder does). pkt is only valid during
// the call. Without a tap the bridge pays one atomic load per packet.
func (b *Bridger) SetTap(t BridgeTap) {
	if t == nil {
		b.tap.Store(nil)
		return
	}
	b.tap.Store(&tapBox{t: t})
}
