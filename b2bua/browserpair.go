package b2bua

import (
	"fmt"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
)

// Browser-to-browser calls: both legs are WebRTC, so callgate terminates
// DTLS-SRTP on each and hands the decrypted RTP straight across, mapping
// payload types by codec (a telephone-event may be 126 on one side and 101
// on the other).

// browserToBrowserOffer offers the callee browser the caller browser's
// passthrough codecs, with the caller's payload numbers.
func (c *call) browserToBrowserOffer(f *fork) ([]byte, error) {
	var audio []media.Codec
	var dtmf *media.Codec
	for _, sc := range c.sipCodecs {
		if media.IsPassthrough(sc) {
			audio = append(audio, sc)
		} else if equalFold(sc.Name, "telephone-event") {
			d := sc
			dtmf = &d
		}
	}
	if len(audio) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrMedia, media.ErrNoCommonCodec)
	}
	leg, offer, err := c.s.webrtc.Offer(c.ctx, audio, dtmf)
	if err != nil {
		return nil, fmt.Errorf("browser leg: %w", err)
	}
	f.bleg = leg
	return []byte(offer), nil
}

// browserToBrowserAnswered applies the callee browser's answer, answers the
// caller browser with the same codec and joins the two legs.
func (c *call) browserToBrowserAnswered(f *fork, answer []byte) ([]byte, error) {
	if err := f.bleg.SetAnswer(string(answer)); err != nil {
		return nil, err
	}
	chosen := f.bleg.Codec()
	var dtmf *media.Codec
	if d, ok := f.bleg.DTMF(); ok {
		dtmf = &d
	}
	bAudio, bDTMF := matchBrowserPT(c.sipCodecs, chosen, dtmf)
	leg, ans, err := c.s.webrtc.Answer(c.ctx, string(c.invite.Body()), bAudio, bDTMF)
	if err != nil {
		return nil, fmt.Errorf("browser leg: %w", err)
	}
	c.bleg, c.peerLeg, f.bleg = leg, f.bleg, nil
	joinLegs(c.bleg, c.peerLeg)
	c.webrtcAnswer = []byte(ans)
	c.log.Info("browser legs joined", "codec", chosen.Name)
	return c.webrtcAnswer, nil
}

// browserPairOffer handles a re-offer (hold, resume) from one browser in a
// browser-to-browser call. The offering browser's leg renegotiates in
// place, keeping its DTLS role, fingerprint and ICE credentials (GUIDE
// §4); the other browser gets a re-offer from its own leg carrying the
// same direction (RFC 3264 §8.4), and its answer completes that leg. If
// the other browser refuses, its re-offer is withdrawn so the next one
// works.
func (c *call) browserPairOffer(from *leg, body []byte) ([]byte, func([]byte) ([]byte, error), func(), error) {
	fromLeg, toLeg := c.bleg, c.peerLeg
	if from != c.caller {
		fromLeg, toLeg = c.peerLeg, c.bleg
	}
	_, dir, err := media.ParseCodecs(body)
	if err != nil {
		return nil, nil, nil, err
	}
	answer, err := fromLeg.Renegotiate(string(body))
	if err != nil {
		return nil, nil, nil, err
	}
	offer, err := toLeg.CreateReoffer(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	return []byte(offer), func(peerAnswer []byte) ([]byte, error) {
			if err := toLeg.SetAnswer(string(peerAnswer)); err != nil {
				return nil, err
			}
			// Payload numbers may have moved with the renegotiation.
			joinLegs(c.bleg, c.peerLeg)
			return []byte(answer), nil
		}, func() {
			if err := toLeg.CancelReoffer(); err != nil {
				c.log.Warn("browser re-offer could not be withdrawn", "error", err)
			}
		}, nil
}

// joinLegs forwards each leg's RTP to the other.
func joinLegs(a, b *browserleg.Leg) {
	a.SetSink(ptForwarder(a, b))
	b.SetSink(ptForwarder(b, a))
}

// ptForwarder returns a sink that rewrites the payload type from the
// sending leg's numbering to the receiving leg's and writes the packet on;
// formats the receiver did not negotiate are dropped. No allocation per
// packet: the sink may edit the packet in place.
func ptForwarder(from, to *browserleg.Leg) func([]byte) {
	var table [128]int16
	for i := range table {
		table[i] = -1
	}
	for _, fc := range from.Codecs() {
		for _, tc := range to.Codecs() {
			if equalFold(fc.Name, tc.Name) && fc.Clock == tc.Clock {
				table[fc.PT&0x7f] = int16(tc.PT)
			}
		}
	}
	return func(pkt []byte) {
		pt := table[pkt[1]&0x7f]
		if pt < 0 {
			return
		}
		pkt[1] = pkt[1]&0x80 | byte(pt)
		_ = to.WriteRTP(pkt)
	}
}

// peerLegDone is the callee browser leg's Done channel, or nil.
func (c *call) peerLegDone() <-chan struct{} {
	if c.peerLeg == nil {
		return nil
	}
	return c.peerLeg.Done()
}

// ownLegDone is the caller browser leg's Done channel in a
// browser-to-browser call (otherwise the bridge watches it), or nil.
func (c *call) ownLegDone() <-chan struct{} {
	if c.peerLeg == nil || c.bleg == nil {
		return nil
	}
	return c.bleg.Done()
}
