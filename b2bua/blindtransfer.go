package b2bua

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
	"github.com/emiago/sipgo/sip"
)

// Blind transfer carried out by callgate itself (RFC 3515): the transferor
// X sends REFER in its dialog; callgate answers 202, calls the target T from
// the transferee Y's side, reports progress to X in NOTIFYs with
// message/sipfrag bodies (RFC 3515 §2.4.4, RFC 3420), and on T's answer
// puts T in X's place: Y's dialog and media stay as they are, T's media
// takes the side X had, and X is released with BYE. When T refuses, X
// hears the failure and the call goes on as before.
//
// Handled this way: targets that are users of this gateway (phones or
// browsers) or numbers routed through trunks, from a transferor that is a
// user (not a trunk), whatever mix of phones and browsers the call joins
// (browsertransfer.go for the browser cases). A REFER with embedded
// headers other than Replaces, or to a user with no binding, is relayed to
// the transferee as before (transfer.go).

// transferMode says how T's media replaces X's.
type transferMode int

const (
	// repointRelay: X and Y are phones; the relay's X side points at T.
	repointRelay transferMode = iota
	// repointBridge: X is a phone bridged to browser Y; the bridge's
	// phone side points at T.
	repointBridge
	// bridgeToRelay: X is a browser bridged to phone Y; the bridge and
	// X's WebRTC leg close and a relay joins Y and T.
	bridgeToRelay
	// joinBrowser: T is a browser; its WebRTC leg takes X's place next
	// to Y, a phone (bridged on Y's sockets) or a browser (legs joined).
	joinBrowser
	// pairToBridge: X and Y are browsers and T is a phone or a number;
	// Y's WebRTC leg is bridged to T's new ports.
	pairToBridge
)

// blindTransfer is a transfer in progress.
type blindTransfer struct {
	x, y   *leg
	t      *leg
	mode   transferMode
	offer  []byte
	pair   *media.SocketPair // T's ports (bridgeToRelay, pairToBridge)
	origin media.Origin
	req    *sip.Request
	// from is the call T's dialog was taken from (attended transfer), and
	// fromA the transferor's dialog there.
	from  *call
	fromA *leg
	// bleg is T's WebRTC leg (joinBrowser).
	bleg *browserleg.Leg
	// trunk carries a transfer to a number; authTried once the INVITE
	// answered the carrier's challenge.
	trunk     *trunk.Trunk
	authTried bool
	// route and nextTrunk let a transfer to a number fail over.
	route     trunk.Route
	nextTrunk int
}

// tryOwnTransfer carries out a REFER itself when it can (see above) and
// reports whether it did; false leaves the REFER to be relayed.
func (c *call) tryOwnTransfer(x *leg, in *inbound) bool {
	if c.state != stateAnswered || c.xfer != nil || c.pending != nil {
		return false
	}
	if (x == c.caller && c.inbound != nil) || (x == c.callee && c.plan != nil) {
		return false // trunks do not transfer through us
	}
	target, ok := referTarget(in.req)
	if !ok || target == c.callerName() || target == c.calleeName() {
		return false
	}
	tr := &blindTransfer{x: x, y: c.other(x)}
	b, ok := c.phoneBinding(target)
	var route *trunk.Route
	switch {
	case ok:
		if !c.prepareTransferMedia(tr) {
			return false
		}
	case !c.s.users.exists(target):
		// A number: the transferor's dialplan and permissions apply.
		xUser := c.user
		if x == c.callee {
			xUser = c.calleeName()
		}
		rt, err := c.s.routing().route(xUser, target)
		if err != nil {
			c.log.Info("transfer target not routable for the transferor", "target", target, "error", err)
			return false
		}
		if !c.prepareTransferMedia(tr) {
			return false
		}
		route = &rt
	default:
		if b, ok = c.browserBinding(target); !ok || !c.prepareBrowserTarget(tr) {
			return false
		}
	}
	in.reply(c.s, 202, "Accepted", nil, "")
	c.xfer = tr
	c.notifyTransfer(x, "SIP/2.0 100 Trying", false)
	c.log.Info("blind transfer", "transferor", x.name, "target", target)
	if route != nil {
		tr.route = *route
		c.inviteTransferTrunk(tr)
	} else {
		c.inviteTransferTarget(tr, b, target)
	}
	return true
}

// prepareTransferMedia chooses how the target's media will replace the
// transferor's and builds the offer for the target.
func (c *call) prepareTransferMedia(tr *blindTransfer) bool {
	x := tr.x
	browserX := c.bridge != nil && ((c.browserCaller && x == c.caller) || (!c.browserCaller && x == c.callee))
	switch {
	case c.relay != nil && len(x.lastSDP) > 0:
		tr.mode, tr.offer = repointRelay, x.lastSDP
	case c.bridge != nil && !browserX && len(x.lastSDP) > 0:
		tr.mode, tr.offer = repointBridge, x.lastSDP
	case c.bridge != nil && browserX && len(c.phoneSide) > 0:
		pair, err := c.s.ports.Allocate()
		if err != nil {
			return false
		}
		tr.mode, tr.pair = bridgeToRelay, pair
		tr.offer = media.BuildSIPSDP(c.s.cfg.Media.AdvertiseIP, pair.Port, c.phoneSide, media.DirSendRecv, &tr.origin)
	case c.peerLeg != nil:
		return c.preparePairToBridge(tr)
	default:
		return false
	}
	return true
}

// referTarget reads the user of a REFER's Refer-To; a target with
// embedded headers (Replaces) is not a blind transfer.
func referTarget(req *sip.Request) (string, bool) {
	v, ok := referToURI(req)
	if !ok || strings.ContainsRune(v, '?') {
		return "", false
	}
	u, err := parseURI(v)
	if err != nil || u.User == "" {
		return "", false
	}
	return u.User, true
}

// phoneBinding finds a current non-WebSocket binding of a local user.
func (c *call) phoneBinding(user string) (location.Binding, bool) {
	return c.userBinding(user, false)
}

// browserBinding finds a current WebSocket binding of a local user.
func (c *call) browserBinding(user string) (location.Binding, bool) {
	return c.userBinding(user, true)
}

// userBinding finds a current binding of a local user over a WebSocket
// (browser) or not (phone).
func (c *call) userBinding(user string, browser bool) (location.Binding, bool) {
	if !c.s.users.exists(user) {
		return location.Binding{}, false
	}
	bs, err := c.s.store.Lookup(c.ctx, location.CanonicalAOR(user, c.s.cfg.Domain), timeNow())
	if err != nil {
		return location.Binding{}, false
	}
	for _, b := range bs {
		if (b.Transport == "WS" || b.Transport == "WSS") == browser {
			return b, true
		}
	}
	return location.Binding{}, false
}

// inviteTransferTarget calls T in Y's name with the SDP for X's side.
func (c *call) inviteTransferTarget(tr *blindTransfer, b location.Binding, target string) {
	contact, err := parseURI(b.Contact)
	if err != nil {
		c.failTransfer(tr, 480, "Temporarily Unavailable")
		return
	}
	yName := c.callerName()
	if tr.y == c.callee {
		yName = c.calleeName()
	}
	transport, dest := bindingDest(b, contact)
	l := &leg{
		name:         tr.x.name,
		callID:       newID(12),
		localTag:     newID(8),
		localURI:     sip.Uri{Scheme: "sip", User: yName, Host: c.s.cfg.Domain},
		remoteURI:    sip.Uri{Scheme: "sip", User: target, Host: c.s.cfg.Domain},
		remoteTarget: contact,
		transport:    transport,
		dest:         dest,
	}
	host, port := c.s.localFor(transport, dest)
	l.contact = c.s.contactFor(transport, host, port)
	tr.t = l
	req := c.s.newRequest(l, sip.INVITE, l.nextSeq())
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"))
	// RFC 3892: who asked for this call.
	req.AppendHeader(sip.NewHeader("Referred-By", "<"+tr.x.remoteURI.String()+">"))
	req.AppendHeader(c.s.via(l))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(tr.offer)
	tr.req = req
	c.keys = append(c.keys, dialogKey(l.callID, l.localTag))
	c.s.calls.bind(l.callID, l.localTag, c)
	c.sendTransferInvite(tr)
}

// sendTransferInvite sends the INVITE (or re-INVITE) to the target and
// pumps its answers to the call's goroutine.
func (c *call) sendTransferInvite(tr *blindTransfer) {
	tx, err := c.s.client.TransactionRequest(c.ctx, tr.req, keep)
	if err != nil {
		c.failTransfer(tr, 480, "Temporarily Unavailable")
		return
	}
	on := func(res *sip.Response) { c.onTransferResponse(tr, res) }
	c.awaitAnswer(tx, on, on)
}

// onTransferResponse follows T's answers to the transfer INVITE.
func (c *call) onTransferResponse(tr *blindTransfer, res *sip.Response) {
	if c.xfer != tr {
		return
	}
	switch {
	case res == nil:
		c.failTransfer(tr, 408, "Request Timeout")
	case res.StatusCode == 180 || res.StatusCode == 183:
		c.notifyTransfer(tr.x, "SIP/2.0 180 Ringing", false)
	case res.StatusCode < 200:
	case res.StatusCode < 300:
		c.completeTransfer(tr, res)
	case tr.trunk != nil && failsOver(res.StatusCode) && !((res.StatusCode == 401 || res.StatusCode == 407) && !tr.authTried) &&
		tr.nextTrunk < len(tr.route.Trunks):
		// As for calls: the next trunk of the route (trunkfork.go).
		c.log.Info("transfer trunk failed, trying the next", "trunk", tr.trunk.Config().Name, "status", res.StatusCode)
		tr.trunk.Release()
		tr.trunk = nil
		c.inviteTransferTrunk(tr)
	case (res.StatusCode == 401 || res.StatusCode == 407) && tr.trunk != nil && !tr.authTried:
		// RFC 3261 §22.2: answer the carrier's challenge once.
		req := tr.req.Clone()
		req.ReplaceHeader(&sip.CSeqHeader{SeqNo: tr.t.nextSeq(), MethodName: sip.INVITE})
		req.RemoveHeader("Via")
		req.PrependHeader(c.s.via(tr.t))
		if err := tr.trunk.Authorize(req, res); err != nil {
			c.failTransfer(tr, 480, "")
			return
		}
		c.s.aim(req, tr.t)
		tr.req, tr.authTried = req, true
		c.sendTransferInvite(tr)
	default:
		c.failTransfer(tr, res.StatusCode, res.Reason)
	}
}

// completeTransfer puts T in X's place once T answered.
func (c *call) completeTransfer(tr *blindTransfer, res *sip.Response) {
	t := tr.t
	if tr.from == nil {
		// A new dialog (RFC 3261 §12.1.2); a re-INVITE keeps its own.
		t.remoteTag = toTagOf(res)
		t.routeSet = reverseRoutes(res)
	}
	if ct := res.Contact(); ct != nil {
		t.remoteTarget = ct.Address
	}
	t.noUpdate = !allowsUpdate(res)
	c.sendAck(t, tr.req.CSeq().SeqNo, nil)
	if err := c.moveMediaToTarget(tr, res.Body()); err != nil {
		c.log.Warn("transfer target's answer unusable", "error", err)
		c.sendBye(t)
		c.failTransfer(tr, 488, "Not Acceptable Here")
		return
	}
	t.lastSDP = tr.offer
	c.finishTransfer(tr)
}

// finishTransfer puts T, whose media now takes X's place, in X's place
// in the call, and releases X once it heard the outcome.
func (c *call) finishTransfer(tr *blindTransfer) {
	t := tr.t
	if tr.x.st != nil && tr.x.st.timer != nil {
		tr.x.st.timer.Stop()
	}
	if tr.x == c.caller {
		c.caller = t
	} else {
		c.callee = t
	}
	c.xfer = nil
	c.released = tr.x
	if tr.trunk != nil {
		c.transferTrunk = tr.trunk // its call slot is held until the call ends
	}
	// The transferor's dialogs end only once it has the final NOTIFY:
	// a BYE overtaking it would make the transfer look failed (RFC 3515
	// §2.4.7 leaves ending the dialog to the transferor; we end it for
	// transferors that do not).
	x, from, a := tr.x, tr.from, tr.fromA
	c.notifyTransferThen(x, "SIP/2.0 200 OK", true, func() {
		c.sendBye(x)
		if from != nil {
			from.post(func() { from.handedOver(a) })
		}
	})
	c.retapRecording()
	c.resumeTransferee(tr.y)
	c.log.Info("blind transfer completed", "target_call_id", t.callID)
}

// moveMediaToTarget points X's media side at T.
func (c *call) moveMediaToTarget(tr *blindTransfer, answer []byte) error {
	switch tr.mode {
	case repointRelay:
		_, err := c.anchorFrom(legSide(c, tr.x), answer)
		return err
	case repointBridge:
		remote, err := phoneRemote(answer)
		if err != nil {
			return err
		}
		c.movePhone(remote)
		return nil
	}
	switch tr.mode {
	case joinBrowser:
		if err := tr.bleg.SetAnswer(string(answer)); err != nil {
			return err
		}
		leg := tr.bleg
		tr.bleg = nil
		return c.joinLeg(tr, leg)
	case pairToBridge:
		return c.pairToBridge(tr, answer)
	}
	// bridgeToRelay: Y's phone socket pair stays; T gets the new pair.
	tRemote, err := phoneRemote(answer)
	if err != nil {
		return err
	}
	if err := c.replaceBridgeWithRelay(tr.x, tr.pair, tRemote); err != nil {
		return err
	}
	tr.pair = nil
	return nil
}

// failTransfer reports a failed transfer to X; the call goes on.
func (c *call) failTransfer(tr *blindTransfer, code int, reason string) {
	if reason == "" {
		reason = reasonPhrase(code)
	}
	c.log.Info("blind transfer failed", "status", code)
	if tr.pair != nil {
		_ = tr.pair.Close()
		tr.pair = nil
	}
	if tr.bleg != nil {
		_ = tr.bleg.Close()
		tr.bleg = nil
	}
	if tr.trunk != nil {
		tr.trunk.Release()
		tr.trunk = nil
	}
	c.xfer = nil
	if from := tr.from; from != nil {
		// The other call gets its party back.
		c.s.calls.bind(tr.t.callID, tr.t.localTag, from)
		from.post(func() { from.takeBack() })
	}
	c.notifyTransfer(tr.x, fmt.Sprintf("SIP/2.0 %d %s", code, reason), true)
}

// notifyTransfer sends X a NOTIFY about the transfer (RFC 3515 §2.4.5):
// the target's status line as message/sipfrag; the last one ends the
// implicit subscription.
func (c *call) notifyTransfer(x *leg, frag string, final bool) {
	c.notifyTransferThen(x, frag, final, nil)
}

// notifyTransferThen is notifyTransfer that runs then on the call's
// goroutine once the NOTIFY was answered (or given up on).
func (c *call) notifyTransferThen(x *leg, frag string, final bool, then func()) {
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	c.sendInOrder(x, func(seq uint32) *sip.Request {
		req := c.s.newRequest(x, sip.NOTIFY, seq)
		req.AppendHeader(c.s.via(x))
		req.AppendHeader(sip.NewHeader("Event", "refer"))
		req.AppendHeader(sip.NewHeader("Subscription-State", state))
		req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
		req.SetBody([]byte(frag + "\r\n"))
		return req
	}, "NOTIFY "+frag, then)
}

// heldDirection matches the direction attributes of a held stream.
var heldDirection = regexp.MustCompile(`(?m)^a=(sendonly|recvonly|inactive)\r?$`)

// resumeTransferee takes a phone transferee off hold once it was joined
// to the target: a transferor usually holds its party before
// transferring, and the party would otherwise stay silent (RFC 3264 §8.4:
// a new offer with sendrecv).
func (c *call) resumeTransferee(y *leg) {
	if y.transport == "WS" {
		c.resumeBrowserTransferee(y)
		return
	}
	if (c.relay == nil && c.bridge == nil) || !heldDirection.Match(y.lastSDP) {
		return
	}
	body := heldDirection.ReplaceAll(y.lastSDP, []byte("a=sendrecv"))
	req := c.s.newRequest(y, sip.INVITE, y.nextSeq())
	req.AppendHeader(c.s.via(y))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(body)
	tx, err := c.s.client.TransactionRequest(c.ctx, req, keep)
	if err != nil {
		c.log.Warn("transferee not taken off hold", "error", err)
		return
	}
	c.log.Info("taking the transferee off hold")
	c.awaitAnswer(tx, nil, func(res *sip.Response) {
		switch {
		case res == nil:
			return
		case res.StatusCode >= 300:
			c.log.Warn("transferee refused to come off hold", "status", res.StatusCode)
			return
		}
		c.sendAck(y, req.CSeq().SeqNo, nil)
		y.lastSDP = body
		if !isSDP(res.Body(), contentType(res)) {
			return
		}
		switch {
		case c.relay != nil:
			if _, err := c.anchorFrom(legSide(c, y), res.Body()); err != nil {
				c.log.Warn("transferee's answer unusable", "error", err)
			}
		case c.bridge != nil:
			if remote, err := phoneRemote(res.Body()); err == nil {
				c.movePhone(remote)
			}
		}
	})
}

// inviteTransferTrunk calls a number for a transfer through the first
// trunk of the route that is up and has a free call slot, with the
// trunk's caller-ID policy applied to the transferee's identity.
func (c *call) inviteTransferTrunk(tr *blindTransfer) {
	rt := tr.route
	for tr.nextTrunk < len(rt.Trunks) {
		name := rt.Trunks[tr.nextTrunk]
		tr.nextTrunk++
		t := c.s.routing().trunks.Get(name)
		if t == nil || !t.Up() || !t.Acquire() {
			continue
		}
		dests, err := t.Destinations(c.ctx)
		if err != nil || len(dests) == 0 {
			t.Release()
			continue
		}
		tr.trunk = t
		yName, yDisplay := c.callerName(), c.invite.From().DisplayName
		if tr.y == c.callee {
			yName, yDisplay = c.calleeName(), ""
		}
		tr.t, tr.req = c.trunkInvite(t, dests[0], rt.Number, yName, yDisplay, tr.offer)
		tr.t.name = tr.x.name
		tr.authTried = false
		c.log.Info("transfer to a number through a trunk", "trunk", name, "number", rt.Number)
		c.sendTransferInvite(tr)
		return
	}
	c.failTransfer(tr, 503, "Service Unavailable")
}

// referToURI returns the URI of a REFER's Refer-To, without the angle
// brackets of a name-addr (RFC 3515 §2.1).
func referToURI(req *sip.Request) (string, bool) {
	h := req.GetHeader("Refer-To")
	if h == nil {
		return "", false
	}
	v := h.Value()
	if i, j := strings.IndexByte(v, '<'), strings.LastIndexByte(v, '>'); i >= 0 && j > i {
		v = v[i+1 : j]
	}
	return v, true
}
