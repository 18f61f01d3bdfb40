package b2bua

import (
	"fmt"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
	"github.com/emiago/sipgo/sip"
)

// Transfers that involve browsers. A browser's media ends in callgate as a
// WebRTC leg (package browserleg); what a transfer changes is which leg or
// socket pair that WebRTC leg is joined to, never the browser's DTLS or
// ICE state:
//
//   - a browser target T gets a new WebRTC leg that takes X's place next to
//     the transferee Y: bridged to Y's own sockets when Y is a phone, joined
//     to Y's WebRTC leg when Y is a browser;
//   - a phone target T of a browser transferee in a browser-to-browser call
//     gets new ports, and Y's WebRTC leg is bridged to them;
//   - in an attended transfer whose party C is a browser, C's WebRTC leg
//     itself moves from the other call to this one, so C needs no new
//     offer at all.

// transfereeCodec is the format (and telephone-event) the transferee Y
// speaks now, which a browser target is offered so Y's media passes
// unchanged.
func (c *call) transfereeCodec(y *leg) (media.Codec, *media.Codec, bool) {
	if l := c.browserLegOf(y); l != nil {
		audio := l.Codec()
		if d, ok := l.DTMF(); ok {
			return audio, &d, audio.Name != ""
		}
		return audio, nil, audio.Name != ""
	}
	var used []media.Codec
	switch {
	case c.relay != nil && c.winner != nil && c.winner.finalRes != nil:
		used, _, _ = media.ParseCodecs(c.winner.finalRes.Body())
	case c.bridge != nil:
		used = c.phoneSide
	}
	var audio media.Codec
	var dtmf *media.Codec
	for _, cd := range used {
		switch {
		case media.IsTelephoneEvent(cd):
			if dtmf == nil {
				d := cd
				dtmf = &d
			}
		case audio.Name == "":
			audio = cd
		}
	}
	if audio.Name == "" || !media.IsPassthrough(audio) {
		return media.Codec{}, nil, false
	}
	if dtmf != nil && dtmf.Clock != audio.Clock {
		dtmf = nil
	}
	return audio, dtmf, true
}

// browserLegOf returns the WebRTC leg carrying party l's media, or nil
// when l is a phone or trunk.
func (c *call) browserLegOf(l *leg) *browserleg.Leg {
	switch {
	case c.peerLeg != nil && l == c.callee:
		return c.peerLeg
	case c.peerLeg != nil && l == c.caller:
		return c.bleg
	case c.bridge != nil && (l == c.caller) == c.browserCaller:
		return c.bleg
	}
	return nil
}

// prepareBrowserTarget readies a transfer to a browser T: a WebRTC offer
// with the transferee's current format.
func (c *call) prepareBrowserTarget(tr *blindTransfer) bool {
	audio, dtmf, ok := c.transfereeCodec(tr.y)
	if !ok {
		c.log.Info("transfer to a browser not possible: the transferee's format is unknown")
		return false
	}
	leg, offer, err := c.s.webrtc.Offer(c.ctx, []media.Codec{audio}, dtmf)
	if err != nil {
		c.log.Warn("no browser leg for the transfer target", "error", err)
		return false
	}
	tr.mode, tr.bleg, tr.offer = joinBrowser, leg, []byte(offer)
	return true
}

// preparePairToBridge readies a transfer of a browser Y, in a call with
// browser X, to a phone or a number: new ports for T and a plain RTP
// offer with Y's format.
func (c *call) preparePairToBridge(tr *blindTransfer) bool {
	audio, dtmf, ok := c.transfereeCodec(tr.y)
	if !ok || !media.IsPassthrough(audio) {
		c.log.Info("transfer to a phone not possible: the browser's format needs transcoding", "codec", audio.Name)
		return false
	}
	pair, err := c.s.ports.Allocate()
	if err != nil {
		c.log.Warn("no ports for the transfer target", "error", err)
		return false
	}
	tr.mode, tr.pair = pairToBridge, pair
	codecs := append([]media.Codec{audio}, optCodec(dtmf)...)
	tr.offer = media.BuildSIPSDP(c.s.cfg.Media.AdvertiseIP, pair.Port, codecs, media.DirSendRecv, &tr.origin)
	return true
}

// joinLeg puts the WebRTC leg tl (T's, new or taken from another call) in
// X's place next to Y, whatever carries Y's media now.
func (c *call) joinLeg(tr *blindTransfer, tl *browserleg.Leg) error {
	switch {
	case c.relay != nil:
		return c.relayToBridge(tr, tl)
	case c.bridge != nil && c.browserLegOf(tr.y) == nil:
		// Y is the phone of a bridge whose browser was X: a new bridge
		// on Y's sockets, with T's leg.
		yPair := c.pairA
		if c.browserCaller {
			yPair = c.pairB
		}
		yRemote, err := phoneRemote(c.partySDP(tr.y))
		if err != nil {
			return err
		}
		_ = c.bridge.Close()
		_ = c.bleg.Close()
		c.bleg, c.browserOpus, c.browserOpusDTMF = tl, nil, nil
		c.bridge = c.newBridge(tl, yPair, yRemote, c.phoneSide)
	case c.bridge != nil:
		// Y is the browser of a bridge whose phone was X: X's ports go,
		// and the two browsers' legs are joined.
		_ = c.bridge.Close()
		c.bridge = nil
		if c.browserCaller {
			_ = c.pairB.Close()
			c.pairB = nil
		} else {
			_ = c.pairA.Close()
			c.pairA = nil
		}
		c.joinPair(tr.y, c.bleg, tl)
	case c.peerLeg != nil:
		yl := c.browserLegOf(tr.y)
		_ = c.browserLegOf(tr.x).Close()
		c.joinPair(tr.y, yl, tl)
	default:
		_ = tl.Close()
		return fmt.Errorf("%w: no media to join the browser to", ErrMedia)
	}
	return nil
}

// joinPair makes the call browser-to-browser: Y's leg yl and T's leg tl,
// T in X's place.
func (c *call) joinPair(y *leg, yl, tl *browserleg.Leg) {
	if y == c.caller {
		c.bleg, c.peerLeg = yl, tl
	} else {
		c.bleg, c.peerLeg = tl, yl
	}
	c.browserCaller = true
	c.browserOpus, c.browserOpusDTMF = nil, nil
	joinLegs(c.bleg, c.peerLeg)
	c.log.Info("browser legs joined by a transfer", "codec", yl.Codec().Name)
}

// relayToBridge joins the phone transferee Y of a relayed call to the
// WebRTC leg tl: the relay hands Y's sockets over, X's go, and a bridge
// joins tl to Y's ports, so Y's media path does not change.
func (c *call) relayToBridge(tr *blindTransfer, tl *browserleg.Leg) error {
	yRemote, err := phoneRemote(c.partySDP(tr.y))
	if err != nil {
		return err
	}
	audio, dtmf, ok := c.transfereeCodec(tr.y)
	if !ok {
		return fmt.Errorf("%w: the transferee's format is unknown", ErrMedia)
	}
	codecs := append([]media.Codec{audio}, optCodec(dtmf)...)
	a, b := c.relay.Detach()
	if a == nil {
		return fmt.Errorf("%w: relay already stopped", ErrMedia)
	}
	yPair, xPair := b, a
	if tr.y == c.caller {
		yPair, xPair = a, b
	}
	_ = xPair.Close()
	c.relay = nil
	if tr.x == c.caller {
		c.pairA, c.pairB = nil, yPair
		c.browserCaller = true
	} else {
		c.pairA, c.pairB = yPair, nil
		c.browserCaller = false
	}
	c.bleg = tl
	c.phoneSide = codecs
	c.bridge = c.newBridge(tl, yPair, yRemote, codecs)
	return nil
}

// pairToBridge completes a transfer of browser Y to the phone T that
// answered on tr.pair: X's leg closes and Y's leg is bridged to T.
func (c *call) pairToBridge(tr *blindTransfer, answer []byte) error {
	tRemote, err := phoneRemote(answer)
	if err != nil {
		return err
	}
	tCodecs, _, err := media.ParseCodecs(answer)
	if err != nil || len(tCodecs) == 0 {
		return fmt.Errorf("%w: target's answer names no format: %v", ErrMedia, err)
	}
	yl := c.browserLegOf(tr.y)
	_ = c.browserLegOf(tr.x).Close()
	c.bleg, c.peerLeg = yl, nil
	c.browserCaller = tr.y == c.caller
	if tr.x == c.caller {
		c.pairA, c.pairB = tr.pair, nil
	} else {
		c.pairA, c.pairB = nil, tr.pair
	}
	pair := tr.pair
	tr.pair = nil
	c.phoneSide = tCodecs
	c.bridge = c.newBridge(yl, pair, tRemote, tCodecs)
	return nil
}

// newBridge joins WebRTC leg l to a phone at remote on pair.
func (c *call) newBridge(l *browserleg.Leg, pair *media.SocketPair, remote media.Remote, phone []media.Codec) *browserleg.Bridger {
	cfg := browserleg.BridgeConfig{
		PhoneRemote: remote.RTP, PhoneRTCP: remote.RTCP, PhoneCodecs: phone,
		InactivityTimeout: c.s.cfg.Media.InactivityTimeout, Logger: c.log,
	}
	c.dtmfBridgeConfig(&cfg)
	return browserleg.Bridge(l, pair, cfg)
}

// partySDP is the SDP a phone party sent when the call was set up.
func (c *call) partySDP(l *leg) []byte {
	if l == c.callee && c.winner != nil && c.winner.finalRes != nil {
		return c.winner.finalRes.Body()
	}
	return c.invite.Body()
}

// resumeBrowserTransferee takes a browser transferee off hold once it was
// joined to the target: callgate re-offers sendrecv from the browser's
// own leg (RFC 3264 §8.4), keeping its DTLS and ICE parameters.
func (c *call) resumeBrowserTransferee(y *leg) {
	l := c.browserLegOf(y)
	if l == nil || !heldDirection.Match(y.lastSDP) {
		return
	}
	offer, err := l.CreateReoffer(media.DirSendRecv)
	if err != nil {
		c.log.Warn("browser transferee not taken off hold", "error", err)
		return
	}
	req := c.s.newRequest(y, sip.INVITE, y.nextSeq())
	req.AppendHeader(c.s.via(y))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody([]byte(offer))
	tx, err := c.s.client.TransactionRequest(c.ctx, req, keep)
	if err != nil {
		_ = l.CancelReoffer()
		c.log.Warn("browser transferee not taken off hold", "error", err)
		return
	}
	c.log.Info("taking the browser transferee off hold")
	c.awaitAnswer(tx, nil, func(res *sip.Response) {
		if res == nil || res.StatusCode >= 300 || c.browserLegOf(y) != l {
			_ = l.CancelReoffer()
			if res != nil {
				c.log.Warn("browser transferee refused to come off hold", "status", res.StatusCode)
			}
			return
		}
		c.sendAck(y, req.CSeq().SeqNo, nil)
		if err := l.SetAnswer(string(res.Body())); err != nil {
			c.log.Warn("browser transferee's answer unusable", "error", err)
			return
		}
		y.lastSDP = []byte(offer)
		if c.peerLeg != nil {
			joinLegs(c.bleg, c.peerLeg) // payload numbers may have moved
		}
	})
}

// completeLegMove finishes an attended transfer whose party C is a
// browser: C's WebRTC leg, handed over by the other call, takes X's place
// at once.
func (c *call) completeLegMove(tr *blindTransfer, tl *browserleg.Leg) {
	if err := c.joinLeg(tr, tl); err != nil {
		// The other call already let C go: C cannot be given back
		// with its media, so its dialog ends here.
		c.log.Warn("attended transfer failed after the browser party moved", "error", err)
		_ = tl.Close()
		c.sendBye(tr.t)
		c.xfer = nil
		if from, a := tr.from, tr.fromA; from != nil {
			from.post(func() { from.handedOver(a) })
		}
		c.notifyTransfer(tr.x, "SIP/2.0 500 Server Internal Error", true)
		return
	}
	c.finishTransfer(tr)
}

// releaseBrowserLeg detaches party p's WebRTC leg l from this call, for
// another call to take over: its bridge stops (the phone's ports stay
// here until the call ends) or its partner leg stops feeding it.
func (c *call) releaseBrowserLeg(p *leg, l *browserleg.Leg) *browserleg.Leg {
	if c.peerLeg != nil {
		c.bleg.SetSink(nil)
		c.peerLeg.SetSink(nil)
		if l == c.bleg {
			c.bleg = nil
		} else {
			c.peerLeg = nil
		}
		return l
	}
	if c.bridge != nil {
		if c.recorder != nil {
			c.stopRecording()
		}
		_ = c.bridge.Close()
		c.bridge = nil
	}
	c.bleg = nil
	c.log.Info("browser party handed to another call", "party", p.name)
	return l
}

// sameFormat reports whether two formats are the same encoding at the
// same clock rate.
func sameFormat(a, b media.Codec) bool { return equalFold(a.Name, b.Name) && a.Clock == b.Clock }

// replaceBridgeWithRelay ends the bridge and the WebRTC leg of party p and
// relays between the other party, a phone that keeps its ports, and a new
// phone at remote on pair, which takes p's side. On error nothing changed.
func (c *call) replaceBridgeWithRelay(p *leg, pair *media.SocketPair, remote media.Remote) error {
	oRemote, err := phoneRemote(c.partySDP(c.other(p)))
	if err != nil {
		return err
	}
	_ = c.bridge.Close()
	_ = c.bleg.Close()
	c.bridge, c.bleg, c.browserCaller, c.browserOpus, c.browserOpusDTMF = nil, nil, false, nil, nil
	oSide, pSide := media.LegB, media.LegA
	if p == c.caller {
		c.pairA = pair
	} else {
		c.pairB = pair
		oSide, pSide = media.LegA, media.LegB
	}
	c.relay = c.newRelay(c.pairA, c.pairB)
	c.relay.SetRemote(oSide, oRemote.RTP, oRemote.RTCP)
	c.relay.SetRemote(pSide, remote.RTP, remote.RTCP)
	c.captureRTCP()
	c.relay.Start()
	return nil
}

// replaceBrowserMedia gives the phone whose INVITE with Replaces takes
// browser party old's place (RFC 3891 §3) new ports and media: relayed to
// the other party when that is a phone, bridged to the other party's
// WebRTC leg when that is a browser. It returns the SDP answer for the
// phone's offer, in the format the call already uses.
func (c *call) replaceBrowserMedia(old *leg, offer []byte) ([]byte, error) {
	other := c.other(old)
	var current []media.Codec
	if ol := c.browserLegOf(other); ol != nil {
		current = []media.Codec{ol.Codec()}
		if d, ok := ol.DTMF(); ok {
			current = append(current, d)
		}
	} else {
		current = c.phoneSide
	}
	pair, err := c.s.ports.Allocate()
	if err != nil {
		return nil, unavailable("No Media Ports", fmt.Errorf("%w: %w", ErrMedia, err))
	}
	answer, codecs, remote, err := c.answerInFormat(old, offer, current, pair.Port)
	if err != nil {
		_ = pair.Close()
		return nil, err
	}
	if ol := c.browserLegOf(other); ol != nil {
		_ = c.browserLegOf(old).Close()
		c.bleg, c.peerLeg = ol, nil
		c.browserCaller = other == c.caller
		if old == c.caller {
			c.pairA, c.pairB = pair, nil
		} else {
			c.pairA, c.pairB = nil, pair
		}
		c.phoneSide = codecs
		c.bridge = c.newBridge(ol, pair, remote, codecs)
		return answer, nil
	}
	if err := c.replaceBridgeWithRelay(old, pair, remote); err != nil {
		_ = pair.Close()
		return nil, withStatus(488, "", fmt.Errorf("%w: %w", ErrMedia, err))
	}
	return answer, nil
}
