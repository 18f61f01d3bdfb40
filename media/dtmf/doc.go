// Package dtmf is callgate's DTMF interworking core: it reads and writes
// RFC 4733 telephone events and SIP INFO DTMF bodies, so the B2BUA can take
// a key press from one leg in whatever form it came and send it to the
// other leg in the form that leg understands.
//
// It knows nothing of SIP dialogs, sockets or timers: the call's goroutine
// feeds it packets and bodies, arms timers from its deadlines, and sends
// what it produces.
//
// # Pieces
//
//   - Event: the 4-octet RFC 4733 §2.3 payload (ParseEvent,
//     Event.AppendBinary); Code maps event codes 0-15 to the keys
//     "0123456789*#ABCD" and back, other codes stay numbers (16 is flash).
//   - Detector: fed the received telephone-event RTP packets of one leg,
//     it reports each press exactly once, with its whole duration, despite
//     repeated end packets, duplicates, reordering, a lost first or last
//     packet and long presses split into segments.
//   - Generator: turns a press (code, duration) into the packets to send on
//     a leg at that leg's clock rate; the caller owns SSRC, sequence
//     numbers and timestamps.
//   - ParseRelay, ParseDTMF, ParseInfo, AppendRelay, AppendDTMF: SIP INFO
//     bodies of type application/dtmf-relay and application/dtmf.
//   - Mode: the per-leg choice auto / rfc4733 / info, and Mode.Resolve.
//
// Durations cross between the pieces as time.Duration, so a press received
// at 48000 Hz from a browser's Opus leg goes out at 8000 Hz to a G.711
// phone (or as SIP INFO) with the same length.
//
// # Usage sketch
//
// Receiving on a leg whose telephone-event is payload type pt at rate hz:
//
//	det, _ := dtmf.NewDetector(dtmf.DetectorConfig{ClockRate: hz}, func(d dtmf.Digit) {
//		post(callEvent{digit: d}) // to the call goroutine
//	})
//	// for each RTP packet of payload type pt:
//	_ = det.FeedRTP(time.Now(), pkt)
//	// when det.Deadline() passes: det.Tick(time.Now()); at hang-up: det.Flush()
//
// A SIP INFO request from a leg:
//
//	code, dur, err := dtmf.ParseInfo(req.ContentType(), req.Body())
//
// Sending a press to the other leg:
//
//	switch cfg.DTMFMode.Resolve(dtmf.Peer{TelephoneEvent: hasTE, Browser: isBrowser}) {
//	case dtmf.ModeInfo:
//		body := dtmf.AppendRelay(nil, d.Code, d.Duration) // Content-Type: dtmf.ContentTypeRelay
//	case dtmf.ModeRFC4733:
//		gen.Start(d.Code, d.Duration) // gen made with the leg's ClockRate
//		base := stream.NextTimestamp()
//		for p, ok := gen.Next(); ok; p, ok = gen.Next() {
//			// at press start + p.SendAt:
//			stream.Send(pt, p.Marker, base+p.TimestampOffset, p.Payload[:])
//		}
//	}
package dtmf
