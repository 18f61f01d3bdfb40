package b2bua

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// fork is one outgoing INVITE to one binding of the callee.
type fork struct {
	leg          *leg
	req          *sip.Request
	tx           sip.ClientTransaction
	provisional  bool // a 1xx arrived, so CANCEL may be sent (RFC 3261 §9.1)
	cancelWanted bool
	cancelled    bool
	final        int // final status, 0 while pending
	finalRes     *sip.Response
	ackBody      []byte // body of our ACK, resent on 2xx retransmissions
	// bleg is the WebRTC leg offered to a browser binding.
	bleg        *browserleg.Leg
	phoneCodecs []media.Codec
	// transcode: the browser was offered Opus (Media.BrowserOpus) and the
	// bridge transcodes to phoneCodecs.
	transcode bool
	// trunk is set on attempts toward a trunk; authTried once the INVITE
	// carries credentials; replaced when a retry took this attempt's place.
	trunk     *trunk.Trunk
	authTried bool
	seRetried bool // retried after 422 (RFC 4028 §7.4)
	replaced  bool
	noAnswer  *time.Timer // gives up on a trunk that does not respond
}

// Timers of RFC 3261 §17.1.1.1.
const (
	timerT1 = 500 * time.Millisecond
	timerT2 = 4 * time.Second
)

// keep is a sipgo client option that sends a request exactly as built.
func keep(*sipgo.Client, *sip.Request) error { return nil }

// startForks sends the INVITE to every binding in parallel; the first 2xx
// wins (RFC 3261 §16.7 style forking inside the B2BUA).
func (c *call) startForks(bindings []location.Binding, offer []byte) {
	callID := newID(12)
	fromTagB := newID(8)
	c.keys = append(c.keys, dialogKey(callID, fromTagB))
	c.s.calls.bind(callID, fromTagB, c)
	for _, b := range bindings {
		f, err := c.newFork(b, callID, fromTagB, offer)
		if err == nil && f.leg.transport == "WS" {
			err = c.offerToBrowser(f)
		}
		if err != nil {
			c.log.Warn("binding skipped", "contact", b.Contact, "error", err)
			continue
		}
		c.forks = append(c.forks, f)
		c.sendFork(f)
	}
	if len(c.forks) == 0 {
		c.failCaller(withStatus(480, "", fmt.Errorf("%w: no usable binding", ErrNotRegistered)))
	}
}

// newFork builds the callee leg and INVITE for one binding, carrying the
// caller's identity but none of its leg's headers (topology hiding).
func (c *call) newFork(b location.Binding, callID, fromTag string, offer []byte) (*fork, error) {
	target, err := parseURI(b.Contact)
	if err != nil {
		return nil, err
	}
	from, to := c.invite.From(), c.invite.To()
	transport, dest := bindingDest(b, target)
	l := &leg{
		name:         "callee",
		callID:       callID,
		localTag:     fromTag,
		localURI:     sip.Uri{Scheme: "sip", User: from.Address.User, Host: c.s.cfg.Domain},
		localName:    from.DisplayName,
		remoteURI:    sip.Uri{Scheme: "sip", User: c.invite.Recipient.User, Host: c.s.cfg.Domain},
		remoteDN:     to.DisplayName,
		remoteTarget: target,
		transport:    transport,
		dest:         dest,
	}
	host, port := c.s.localFor(transport, dest)
	l.contact = c.s.contactFor(transport, host, port)
	req := c.s.newRequest(l, sip.INVITE, l.nextSeq())
	// RFC 3261 §16.6 step 3 (applied by the B2BUA): one hop fewer.
	if mf := c.invite.MaxForwards(); mf != nil {
		req.ReplaceHeader(ptrMaxForwards(mf.Val() - 1))
	}
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"))
	if transport != "WS" {
		c.requestSessionTimer(req, c.s.cfg.Calls.SessionExpires)
	}
	req.AppendHeader(c.s.via(l))
	if len(offer) > 0 {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(offer)
	} else {
		req.SetBody(nil)
	}
	return &fork{leg: l, req: req}, nil
}

// offerToBrowser replaces a browser fork's body with a WebRTC offer.
func (c *call) offerToBrowser(f *fork) error {
	var sdp []byte
	var err error
	switch {
	case c.browserCaller:
		sdp, err = c.browserToBrowserOffer(f)
	case c.delayedOffer:
		return fmt.Errorf("%w: an offerless INVITE cannot ring a browser", ErrMedia)
	default:
		sdp, err = c.browserCalleeOffer(f)
	}
	if err != nil {
		return err
	}
	f.req.RemoveHeader("Content-Type")
	f.req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	f.req.SetBody(sdp)
	return nil
}

// bindingDest chooses the transport and next hop for a binding. WebSocket
// flows go down their own socket (RFC 7118 §5); RFC 5626 flows and
// connection-oriented registrations reuse the registering flow; a UDP
// contact whose IP differs from the REGISTER's source sits behind NAT and is
// reached at the source (as received/rport tell, RFC 3581 §4); otherwise the
// Contact itself is the target (RFC 3261 §10.3: third-party registrations).
func bindingDest(b location.Binding, target sip.Uri) (string, string) {
	switch b.Transport {
	case "WS", "WSS":
		return "WS", b.ConnID
	case "TCP", "TLS":
		if b.Source != "" {
			return b.Transport, b.Source
		}
	}
	contact := fmt.Sprintf("%s:%d", target.Host, portOr(target.Port, 5060))
	if b.Source == "" {
		return b.Transport, contact
	}
	if b.RegID != 0 {
		return b.Transport, b.Source
	}
	srcHost, _ := hostPort(b.Source)
	if ip, err := netip.ParseAddr(target.Host); err == nil && ip.String() == srcHost {
		return b.Transport, contact
	}
	return b.Transport, b.Source
}

// sendFork starts the client transaction and pumps its responses into the
// call's goroutine.
func (c *call) sendFork(f *fork) {
	tx, err := c.s.client.TransactionRequest(c.ctx, f.req, keep)
	if err != nil {
		c.log.Warn("INVITE to binding failed", "target", f.leg.remoteTarget.String(), "dest", f.leg.dest, "error", err)
		f.final = unreachableCode(f)
		c.post(func() { c.forkFailed(f, f.final, nil) })
		return
	}
	f.tx = tx
	tx.OnRetransmission(func(res *sip.Response) {
		// RFC 6026 §8.4: retransmitted 2xx are ACKed again by the TU.
		c.post(func() { c.onForkRetransmission(f, res) })
	})
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			select {
			case res := <-tx.Responses():
				if !c.post(func() { c.onForkResponse(f, res) }) {
					return
				}
			case <-tx.Done():
				err := tx.Err()
				c.post(func() { c.onForkGone(f, err) })
				return
			case <-c.ctx.Done():
				return
			}
		}
	}()
}

// onForkResponse handles a response from one callee binding.
func (c *call) onForkResponse(f *fork, res *sip.Response) {
	code := res.StatusCode
	if f.noAnswer != nil {
		f.noAnswer.Stop()
	}
	if f.final != 0 && code >= 200 {
		// An attempt already given up on answers after all: confirm and
		// end a 2xx's dialog (RFC 3261 §15), ignore the rest.
		if code < 300 {
			f.leg.remoteTag = toTagOf(res)
			if ct := res.Contact(); ct != nil {
				f.leg.remoteTarget = ct.Address
			}
			f.leg.routeSet = reverseRoutes(res)
			c.ackFork(f, nil)
			c.sendBye(f.leg)
		}
		return
	}
	switch {
	case code == 100:
		f.provisional = true
	case code < 200:
		f.provisional = true
		c.onForkProvisional(f, res)
	case code < 300:
		c.onForkAnswer(f, res)
		return
	default:
		f.final = code
		f.finalRes = res
		c.log.Info("callee binding refused", "status", code, "target", f.leg.remoteTarget.String())
		c.forkFailed(f, code, res)
		return
	}
	if f.cancelWanted && !f.cancelled {
		c.sendCancel(f)
	}
}

// onForkProvisional relays ringing and early media to the caller.
func (c *call) onForkProvisional(f *fork, res *sip.Response) {
	if c.state != stateRinging || f.cancelWanted {
		return
	}
	var body []byte
	if isSDP(res.Body(), contentType(res)) && !c.delayedOffer && f.bleg == nil {
		var sdp []byte
		var err error
		if c.browserCaller {
			// Early media from the phone becomes our WebRTC answer in a
			// 183; the 200 repeats it (GUIDE §3).
			sdp, err = c.browserAnswer(res.Body())
		} else {
			sdp, err = c.anchorFrom(media.LegB, res.Body())
		}
		if err != nil {
			c.log.Warn("ignoring bad early-media SDP", "error", err)
		} else {
			body = sdp
		}
	}
	c.respondCaller(res.StatusCode, res.Reason, body)
}

// onForkAnswer handles a 2xx: the first one wins the call.
func (c *call) onForkAnswer(f *fork, res *sip.Response) {
	f.final = res.StatusCode
	f.finalRes = res
	f.leg.remoteTag = toTagOf(res)
	if ct := res.Contact(); ct != nil {
		f.leg.remoteTarget = ct.Address
	}
	f.leg.routeSet = reverseRoutes(res)
	f.leg.noUpdate = !allowsUpdate(res)
	if c.state != stateRinging || f.cancelWanted {
		// CANCEL crossed this 2xx, or another binding won: confirm the
		// dialog and end it at once (RFC 3261 §15, §9.1).
		c.ackFork(f, nil)
		c.sendBye(f.leg)
		c.checkClosing()
		return
	}
	c.winner, c.callee = f, f.leg
	c.cancelForks(f)
	if c.ringTimer != nil {
		c.ringTimer.Stop()
	}

	var body []byte
	if isSDP(res.Body(), contentType(res)) {
		var sdp []byte
		var err error
		switch {
		case c.browserCaller && f.bleg != nil:
			sdp, err = c.browserToBrowserAnswered(f, res.Body())
		case c.browserCaller:
			sdp, err = c.browserAnswer(res.Body())
		case f.bleg != nil:
			sdp, err = c.browserCalleeAnswered(f, res.Body())
		default:
			sdp, err = c.anchorFrom(media.LegB, res.Body())
		}
		if err != nil {
			c.log.Warn("callee answer SDP unusable", "error", err)
			c.ackFork(f, nil)
			c.sendBye(f.leg)
			c.failCaller(withStatus(488, "", fmt.Errorf("%w: callee answer: %w", ErrMedia, err)))
			return
		}
		body = sdp
	} else if !c.delayedOffer {
		// RFC 3264 §4: the answer must be in the 2xx when the offer was in
		// the INVITE (JsSIP hangs up on a 200 without SDP).
		c.ackFork(f, nil)
		c.sendBye(f.leg)
		c.failCaller(withStatus(488, "", fmt.Errorf("%w: 2xx without answer", ErrMedia)))
		return
	}
	if !c.delayedOffer {
		c.ackFork(f, nil)
	}
	c.state = stateAnswered
	c.s.counters.answered.Add(1)
	c.answer200 = c.respondCaller(200, "OK", body, c.callerSessionHeaders()...)
	c.caller.lastSDP = body
	if !c.delayedOffer {
		f.leg.lastSDP = f.req.Body()
	}
	c.calleeSessionTimer(f.leg, res)
	c.startSessionTimer(c.caller)
	c.startSessionTimer(c.callee)
	c.setRelayClock(res.Body())
	c.startRecording()
	c.log.Info("call answered", "callee_call_id", f.leg.callID, "target", f.leg.remoteTarget.String(),
		"setup_ms", timeNow().Sub(c.started).Milliseconds(), "trunk", c.trunkName())
	// RFC 3261 §13.3.1.4: retransmit the 2xx until the ACK arrives, and give
	// up after 64*T1.
	if c.caller.transport == "UDP" {
		c.retransEvery = timerT1
		c.retransmit = c.after(c.retransEvery, c.retransmit200)
	}
	c.noAck = c.after(c.s.cfg.Calls.AckTimeout, func() {
		if !c.acked {
			c.hangup(ErrNoAck)
		}
	})
}

// retransmit200 resends the caller's 2xx with doubling intervals up to T2.
func (c *call) retransmit200() {
	if c.acked || c.state != stateAnswered || c.answer200 == nil {
		return
	}
	if err := c.inviteTx.Respond(c.answer200); err != nil {
		c.log.Debug("2xx retransmission failed", "error", err)
	}
	c.retransEvery = min(2*c.retransEvery, timerT2)
	c.retransmit = c.after(c.retransEvery, c.retransmit200)
}

// onCallerAck confirms the caller's dialog; with a delayed offer it carries
// the answer on to the callee.
func (c *call) onCallerAck(ack *sip.Request) {
	if c.acked || c.state != stateAnswered {
		return
	}
	c.acked = true
	if c.retransmit != nil {
		c.retransmit.Stop()
	}
	if c.noAck != nil {
		c.noAck.Stop()
	}
	if c.delayedOffer && c.winner != nil {
		var body []byte
		if isSDP(ack.Body(), contentType(ack)) {
			sdp, err := c.anchorFrom(media.LegA, ack.Body())
			if err != nil {
				c.log.Warn("caller's answer in ACK unusable", "error", err)
				c.hangup(fmt.Errorf("%w: %w", ErrMedia, err))
				return
			}
			body = sdp
		}
		c.winner.leg.lastSDP = body
		c.ackFork(c.winner, body)
	}
}

// onForkRetransmission re-ACKs a retransmitted 2xx (RFC 3261 §13.2.2.4).
func (c *call) onForkRetransmission(f *fork, res *sip.Response) {
	if res.StatusCode < 200 || res.StatusCode >= 300 || f.final == 0 {
		return
	}
	if c.delayedOffer && f == c.winner && !c.acked {
		return // the ACK waits for the caller's answer
	}
	c.ackFork(f, f.ackBody)
}

// onForkGone handles the end of a fork's transaction without a final
// response: timeout or transport failure.
func (c *call) onForkGone(f *fork, err error) {
	if f.final != 0 || err == nil {
		return
	}
	f.final = unreachableCode(f)
	if errors.Is(err, sip.ErrTransactionTimeout) {
		f.final = 408
	}
	c.log.Info("callee binding unreachable", "target", f.leg.remoteTarget.String(), "error", err)
	c.forkFailed(f, f.final, nil)
}

// unreachableCode is the status a fork fails with when its transport
// fails: a binding is temporarily unavailable (480); a trunk counts as a
// failed server (503), so the call fails over.
func unreachableCode(f *fork) int {
	if f.trunk != nil {
		return 503
	}
	return 480
}

// checkAllFailed answers the caller once every fork has failed, with the
// most telling response (RFC 3261 §16.7 step 6, simplified).
func (c *call) checkAllFailed() {
	if c.state != stateRinging {
		return
	}
	best := 0
	var bestRes *sip.Response
	for _, f := range c.forks {
		if f.replaced {
			continue
		}
		if f.final == 0 {
			return
		}
		if rank(f.final) > rank(best) {
			best, bestRes = f.final, f.finalRes
		}
	}
	if best == 0 {
		best = 480
	}
	code, reason := mapFailure(best)
	if bestRes != nil && code == bestRes.StatusCode && bestRes.Reason != "" {
		reason = bestRes.Reason
	}
	c.respondCaller(code, reason, nil)
	c.end(fmt.Errorf("%w: %d %s", ErrCallFailed, code, reason))
}

// rank orders final responses: 6xx first, then busy, then the rest.
func rank(code int) int {
	switch {
	case code >= 600:
		return 1000 + code
	case code == 486:
		return 900
	case code == 0:
		return 0
	default:
		return 700 - code%100 // prefer more specific 4xx over generic ones
	}
}

// mapFailure chooses what the caller sees for a callee's final response:
// callee-side authentication and server errors do not leak as such.
func mapFailure(code int) (int, string) {
	switch {
	case code == 401 || code == 407:
		return 480, reasonPhrase(480)
	case code >= 500 && code < 600 && code != 503:
		return 502, reasonPhrase(502)
	}
	return code, reasonPhrase(code)
}

// cancelForks cancels every pending fork except keep.
func (c *call) cancelForks(keepFork *fork) {
	for _, f := range c.forks {
		if f == keepFork || f.final != 0 || f.tx == nil {
			continue
		}
		f.cancelWanted = true
		if f.provisional {
			c.sendCancel(f)
		}
	}
}

// sendCancel sends CANCEL for a fork's INVITE (RFC 3261 §9.1): same
// Request-URI, Call-ID, From, To, Route and top Via, CSeq number with
// method CANCEL.
func (c *call) sendCancel(f *fork) {
	if f.cancelled {
		return
	}
	f.cancelled = true
	inv := f.req
	req := sip.NewRequest(sip.CANCEL, inv.Recipient)
	req.AppendHeader(inv.Via().Clone())
	req.AppendHeader(sip.HeaderClone(inv.From()))
	req.AppendHeader(sip.HeaderClone(inv.To()))
	req.AppendHeader(sip.HeaderClone(inv.CallID()))
	req.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.CANCEL})
	req.AppendHeader(ptrMaxForwards(70))
	for _, h := range inv.GetHeaders("Route") {
		req.AppendHeader(sip.HeaderClone(h))
	}
	req.SetBody(nil)
	c.s.aim(req, f.leg)
	c.fireAndForget(req, "CANCEL")
}

// ackFork sends the ACK for a fork's 2xx: a new transaction with the
// INVITE's CSeq number (RFC 3261 §13.2.2.4).
func (c *call) ackFork(f *fork, body []byte) {
	f.ackBody = body
	c.sendAck(f.leg, f.req.CSeq().SeqNo, body)
}

// sendAck acknowledges a 2xx to our INVITE number seq on leg l, carrying
// an SDP answer when the 2xx held the offer.
func (c *call) sendAck(l *leg, seq uint32, body []byte) {
	req := c.s.newRequest(l, sip.ACK, seq)
	req.AppendHeader(c.s.via(l))
	if len(body) > 0 {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(body)
	} else {
		req.SetBody(nil)
	}
	if err := c.s.client.WriteRequest(req, keep); err != nil {
		c.log.Warn("ACK failed", "leg", l.name, "error", err)
	}
}

// sendBye ends one leg's dialog.
func (c *call) sendBye(l *leg) {
	if l == nil || l == c.handedOff {
		// A party lent to another call by an attended transfer is that
		// call's to hang up.
		return
	}
	req := c.s.newRequest(l, sip.BYE, l.nextSeq())
	req.AppendHeader(c.s.via(l))
	req.SetBody(nil)
	c.fireAndForget(req, "BYE")
}

// requestTimeout is how long a request whose answer does not matter to
// the call is given: 64*T1, the life of a non-INVITE client transaction
// (RFC 3261 §17.1.2.2, Timer F).
const requestTimeout = 32 * time.Second

// fireAndForget sends a request whose answer does not matter to the call,
// tracked so cleanup can wait for it.
func (c *call) fireAndForget(req *sip.Request, what string) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		res, err := c.s.client.Do(ctx, req, keep)
		c.logAnswer(what, res, err)
	}()
}

// logAnswer notes how a request callgate sent was answered.
func (c *call) logAnswer(what string, res *sip.Response, err error) {
	if err != nil || res == nil {
		// sipgo may end a transaction without an error or a response
		// when the stack shuts down under it.
		c.log.Debug(what+" got no answer", "error", err)
		return
	}
	c.log.Debug(what+" answered", "status", res.StatusCode)
}

// onCallerCancel: the caller gave up before the answer. sipgo has already
// answered the CANCEL with 200 and the INVITE with 487, so a 2xx we relayed
// at the same moment never reached the caller: hang up that callee too.
func (c *call) onCallerCancel() {
	switch c.state {
	case stateRinging:
		c.closeAfterForks(ErrCallerCancel)
	case stateAnswered:
		if !c.acked {
			if c.delayedOffer && c.winner != nil {
				c.ackFork(c.winner, nil)
			}
			c.sendBye(c.callee)
			c.end(ErrCallerCancel)
		}
	}
}

// onRingTimeout: nobody answered in time (hangup answers 480 and cancels).
func (c *call) onRingTimeout() {
	if c.state != stateRinging {
		return
	}
	c.log.Info("ring timeout", "after", c.s.cfg.Calls.RingTimeout.String())
	c.hangup(ErrRingTimeout)
}

// via builds our Via for a request on leg l, with an explicit sent-by so
// the peer can answer us (RFC 3261 §18.1.1) and rport (RFC 3581).
func (s *Server) via(l *leg) *sip.ViaHeader {
	host, port := s.localFor(l.transport, l.dest)
	v := &sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: l.transport, Host: host, Port: port, Params: sip.NewParams()}
	v.Params.Add("branch", sip.RFC3261BranchMagicCookie+newID(10))
	v.Params.Add("rport", "")
	return v
}

// toTagOf returns the To tag of a response.
func toTagOf(res *sip.Response) string {
	if to := res.To(); to != nil {
		if t, ok := to.Params.Get("tag"); ok {
			return t
		}
	}
	return ""
}

// reverseRoutes builds a UAC's route set from a 2xx's Record-Route, in
// reverse order (RFC 3261 §12.1.2).
func reverseRoutes(res *sip.Response) []sip.Uri {
	hs := res.GetHeaders("Record-Route")
	out := make([]sip.Uri, 0, len(hs))
	for i := len(hs) - 1; i >= 0; i-- {
		if rr, ok := hs[i].(*sip.RecordRouteHeader); ok {
			out = append(out, rr.Address)
		}
	}
	return out
}

// parseURI parses a SIP URI string.
func parseURI(s string) (sip.Uri, error) {
	var u sip.Uri
	if err := sip.ParseUri(strings.TrimSpace(s), &u); err != nil {
		return u, fmt.Errorf("bad URI %q: %w", s, err)
	}
	return u, nil
}

func portOr(p, def int) int {
	if p == 0 {
		return def
	}
	return p
}

func ptrMaxForwards(n uint32) *sip.MaxForwardsHeader {
	mf := sip.MaxForwardsHeader(n)
	return &mf
}
