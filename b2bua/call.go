package b2bua

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/callgate/callgate/b2bua/location"
	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
	"github.com/callgate/callgate/media/dtmf"
	"github.com/callgate/callgate/media/recording"
	"github.com/emiago/sipgo/sip"
)

// timeNow is the clock of the call core.
var timeNow = time.Now

// callState is where a call is in its life.
type callState int

const (
	stateRinging callState = iota
	stateAnswered
	stateClosing // the caller's side is over; waiting for forks to finish
	stateEnded
)

// call is one bridged call: the caller's dialog (callgate as UAS) and one
// or more callee dialogs (callgate as UAC, forked to every binding). One
// goroutine — the one that runs run — owns all of its state; sipgo
// callbacks and timers post closures to it through events.
type call struct {
	id     string
	s      *Server
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelCauseFunc
	events chan func()
	user   string

	caller   *leg
	invite   *sip.Request
	inviteTx sip.ServerTransaction
	forks    []*fork
	callee   *leg
	winner   *fork
	state    callState

	// delayedOffer: the caller's INVITE had no SDP, so the callee's 2xx
	// carries the offer and the caller's ACK the answer (RFC 3261 §13.2.1).
	delayedOffer bool
	answer200    *sip.Response // 2xx sent to the caller, retransmitted until ACK
	acked        bool
	retransmit   *time.Timer
	retransEvery time.Duration
	noAck        *time.Timer
	ringTimer    *time.Timer

	pairA, pairB     *media.SocketPair
	relay            *media.Relay
	originA, originB media.Origin

	// Browser media (package browserleg): the caller or the callee is a
	// WebRTC browser, bridged to the phone's plain RTP socket pair.
	browserCaller bool
	sipCodecs     []media.Codec // offered to the phone for a browser caller
	// browserOpus is the calling browser's Opus (and telephone-event at
	// its clock) when the bridge transcodes for it: it shares no codec with
	// phones, or Media.BrowserOpus asks for Opus; the phone is offered
	// transcodeOffer.
	browserOpus, browserOpusDTMF *media.Codec
	// phoneSide is what the phone negotiated with the bridge (its payload
	// numbers), offered again in re-INVITEs toward it.
	phoneSide    []media.Codec
	bleg         *browserleg.Leg
	bridge       *browserleg.Bridger
	peerLeg      *browserleg.Leg // the callee browser in a browser-to-browser call
	webrtcAnswer []byte
	phoneDTMF    dtmf.Mode // how digits reach the phone (resolved)

	closeCause      error       // why a closing call ends
	closeTimer      *time.Timer // bounds stateClosing
	pending         *reinvite   // a re-INVITE or UPDATE we forwarded and await
	lastReinviteAck *reinvite   // offerless re-INVITE answered; its ACK carries the answer
	keys            []string
	// plan routes an outbound call through trunks; inbound is the trunk
	// an incoming call came from. Both hold a call slot of their trunk.
	plan    *trunkPlan
	inbound *trunk.Trunk
	life    callLife
	// xfer is a blind transfer in progress; released is the transferor's
	// leg once it was replaced (its late requests are answered).
	xfer     *blindTransfer
	released *leg
	// transferTrunk is the trunk a transfer to a number went out on; the
	// call holds one of its call slots.
	transferTrunk *trunk.Trunk
	// handedOff is this call's party lent to another call by an attended
	// transfer: it must not be hung up from here.
	handedOff *leg
	// recorder writes the call's audio when recording rules chose it.
	recorder *recording.Recorder
	// metricKind labels the call in metrics from start to end.
	metricKind string
	wg         sync.WaitGroup
	started    time.Time
}

// newCall prepares a call for an authenticated INVITE.
func (s *Server) newCall(req *sip.Request, tx sip.ServerTransaction, user string) (*call, error) {
	c := &call{s: s, invite: req, inviteTx: tx, user: user, events: make(chan func(), 32), started: timeNow()}
	c.id = newID(8)
	c.ctx, c.cancel = context.WithCancelCause(s.ctx)
	c.log = s.log.With("call", c.id)
	c.caller = s.callerLeg(req)
	c.delayedOffer = len(req.Body()) == 0
	if !c.delayedOffer && !isSDP(req.Body(), contentType(req)) {
		c.cancel(ErrCallFailed)
		return nil, withStatus(415, "Unsupported Media Type", fmt.Errorf("%w: body %q", ErrBadRequest, contentType(req)),
			sip.NewHeader("Accept", "application/sdp"))
	}
	return c, nil
}

// release frees what newCall took when the call never ran.
func (c *call) release() { c.cancel(ErrCallFailed) }

// post runs fn on the call's goroutine; false once the call has ended.
func (c *call) post(fn func()) bool {
	select {
	case c.events <- fn:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// after runs fn on the call's goroutine once d has passed.
func (c *call) after(d time.Duration, fn func()) *time.Timer {
	return time.AfterFunc(d, func() { c.post(fn) })
}

// run sets up media, forks the INVITE and serves events until the call ends.
func (c *call) run(bindings []location.Binding) {
	defer c.cleanup()
	c.log.Info("call started", "from", c.invite.From().Address.String(), "to", c.invite.Recipient.String(),
		"caller_call_id", c.caller.callID, "transport", c.caller.transport, "forks", len(bindings))
	c.keys = append(c.keys, dialogKey(c.caller.callID, c.caller.localTag))
	c.s.calls.bind(c.caller.callID, c.caller.localTag, c)

	c.browserCaller = isWebRTCSDP(c.invite.Body())
	phoneForks := c.plan != nil
	for _, b := range bindings {
		phoneForks = phoneForks || (b.Transport != "WS" && b.Transport != "WSS")
	}
	c.startMetrics(bindings)
	if err := c.setupMedia(phoneForks); err != nil {
		c.failCaller(err)
		return
	}
	offer := []byte(nil)
	var err error
	switch {
	case c.browserCaller:
		offer, err = c.browserCallerOffer()
	case !c.delayedOffer && c.relay != nil:
		offer, err = c.anchorFrom(media.LegA, c.invite.Body())
		if err != nil {
			err = withStatus(488, "", fmt.Errorf("%w: caller offer: %w", ErrMedia, err))
		}
	}
	if err != nil {
		c.failCaller(err)
		return
	}
	c.inviteTx.OnCancel(func(*sip.Request) { c.post(func() { c.onCallerCancel() }) })
	if c.plan != nil {
		c.startTrunkForks(offer)
	} else {
		c.startForks(bindings, offer)
	}
	c.ringTimer = c.after(c.s.cfg.Calls.RingTimeout, c.onRingTimeout)

	for {
		select {
		case fn := <-c.events:
			fn()
		case <-c.ctx.Done():
			return
		case <-c.relayDone():
			c.hangup(fmt.Errorf("%w: %w", ErrMediaTimeout, c.relay.Err()))
		case <-c.bridgeDone():
			c.hangup(mediaEnded(c.bridge.Err()))
		case <-c.ownLegDone():
			c.countLegFailure(c.bleg.Err())
			c.hangup(fmt.Errorf("%w: caller browser: %w", ErrMediaFailed, c.bleg.Err()))
		case <-c.peerLegDone():
			c.countLegFailure(c.peerLeg.Err())
			c.hangup(fmt.Errorf("%w: callee browser: %w", ErrMediaFailed, c.peerLeg.Err()))
		}
	}
}

// relayDone is the relay's Done channel, or nil (never ready) without one.
func (c *call) relayDone() <-chan struct{} {
	if c.relay == nil {
		return nil
	}
	return c.relay.Done()
}

// bridgeDone is the browser bridge's Done channel, or nil without one.
func (c *call) bridgeDone() <-chan struct{} {
	if c.bridge == nil {
		return nil
	}
	return c.bridge.Done()
}

// setupMedia takes the RTP socket pairs the call needs: the callee side
// only when some binding is a phone, the caller side only when the caller
// is one, and the relay only when both are.
func (c *call) setupMedia(phoneForks bool) error {
	if c.browserCaller {
		if !phoneForks {
			return nil // browser to browser: the legs are joined directly
		}
		b, err := c.s.ports.Allocate()
		if err != nil {
			return unavailable("No Media Ports", fmt.Errorf("%w: %w", ErrMedia, err))
		}
		c.pairB = b
		return nil
	}
	a, err := c.s.ports.Allocate()
	if err != nil {
		return unavailable("No Media Ports", fmt.Errorf("%w: %w", ErrMedia, err))
	}
	if !phoneForks {
		c.pairA = a // bridged to the browser callee once it answers
		return nil
	}
	b, err := c.s.ports.Allocate()
	if err != nil {
		_ = a.Close()
		return unavailable("No Media Ports", fmt.Errorf("%w: %w", ErrMedia, err))
	}
	c.pairA, c.pairB = a, b
	c.relay = c.newRelay(a, b)
	c.captureRTCP()
	c.relay.Start()
	return nil
}

// newRelay makes the call's relay between the caller's ports a and the
// callee's b, with the configured timeout and latching; the caller sets
// remotes and starts it.
func (c *call) newRelay(a, b *media.SocketPair) *media.Relay {
	r := media.NewRelay(a, b, media.RelayConfig{InactivityTimeout: c.s.cfg.Media.InactivityTimeout, Logger: c.log})
	if c.s.cfg.Media.LatchAny {
		r.SetLatchMode(media.LegA, media.LatchAny)
		r.SetLatchMode(media.LegB, media.LatchAny)
	}
	return r
}

// anchorFrom rewrites an SDP body that arrived on leg `from` so it points at
// our ports on the other leg, and records where `from` wants its media.
func (c *call) anchorFrom(from media.Leg, body []byte) ([]byte, error) {
	port, origin := c.pairB.Port, &c.originB
	if from == media.LegB {
		port, origin = c.pairA.Port, &c.originA
	}
	out, remote, err := media.AnchorSDP(body, c.s.cfg.Media.AdvertiseIP, port, origin)
	if err != nil {
		return nil, err
	}
	c.relay.SetRemote(from, remote.RTP, remote.RTCP)
	return out, nil
}

// failCaller answers the caller's INVITE with err's status and ends.
func (c *call) failCaller(err error) {
	code, reason, hdrs := statusOf(err)
	c.respondCaller(code, reason, nil, hdrs...)
	c.end(fmt.Errorf("%w: %w", ErrCallFailed, err))
}

// respondCaller sends a response on the caller's INVITE transaction.
func (c *call) respondCaller(code int, reason string, body []byte, hdrs ...sip.Header) *sip.Response {
	res := sip.NewResponseFromRequest(c.invite, code, reason, nil)
	if code > 100 {
		// RFC 3261 §12.1.1: the UAS adds its tag; it is the same in every
		// response of the dialog.
		if to := res.To(); to != nil {
			to.Params.Add("tag", c.caller.localTag)
		}
	}
	if code > 100 && code < 300 {
		res.AppendHeader(&sip.ContactHeader{Address: c.caller.contact})
		res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"))
	}
	res.AppendHeader(sip.NewHeader("Server", c.s.cfg.ServerName))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if len(body) > 0 {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res.SetBody(body)
	}
	// Counted before it leaves, so whoever sees the response sees it counted.
	c.noteResponse(code)
	c.s.send(c.invite, c.inviteTx, res)
	return res
}

// hangup ends an established or ringing call from our side: CANCEL or BYE
// towards every party that is still up, then end with cause.
func (c *call) hangup(cause error) {
	if c.state == stateEnded {
		return
	}
	switch c.state {
	case stateRinging:
		refusal := withStatus(480, "", cause)
		switch {
		case errors.Is(cause, ErrShutdown):
			refusal = unavailable("Shutting Down", cause)
		case errors.Is(cause, ErrMediaTimeout):
			refusal = withStatus(408, "Media Timeout", cause)
		case errors.Is(cause, ErrMediaFailed):
			refusal = withStatus(488, "Media Failed", cause)
		}
		code, reason, hdrs := statusOf(refusal)
		c.respondCaller(code, reason, nil, hdrs...)
		c.closeAfterForks(cause)
		return
	case stateAnswered:
		c.sendBye(c.caller)
		c.sendBye(c.callee)
	case stateClosing:
		if errors.Is(cause, ErrShutdown) {
			break // end now; the forks' transactions die with the stack
		}
		return
	}
	c.end(cause)
}

// closeAfterForks cancels every pending fork and ends the call once each
// has a final response, so that a 2xx crossing the CANCEL is still ACKed
// and hung up (RFC 3261 §9.1, §15); 64*T1 bounds the wait.
func (c *call) closeAfterForks(cause error) {
	c.state = stateClosing
	c.closeCause = cause
	c.cancelForks(nil)
	c.closeTimer = c.after(64*timerT1, func() { c.end(c.closeCause) })
	c.checkClosing()
}

// checkClosing ends a closing call when no fork is pending any more.
func (c *call) checkClosing() {
	if c.state != stateClosing {
		return
	}
	for _, f := range c.forks {
		if f.final == 0 && f.tx != nil {
			return
		}
	}
	c.end(c.closeCause)
}

// end records the cause and stops the call's goroutine.
func (c *call) end(cause error) {
	if c.state == stateEnded {
		return
	}
	c.state = stateEnded
	c.cancel(cause)
}

// cleanup releases everything the call holds; it runs on the call's
// goroutine after the loop.
func (c *call) cleanup() {
	for _, t := range []*time.Timer{c.ringTimer, c.retransmit, c.noAck, c.closeTimer} {
		if t != nil {
			t.Stop()
		}
	}
	c.state = stateEnded
	c.stopSessionTimers()
	c.stopRecording()
	if c.xfer != nil && c.xfer.pair != nil {
		_ = c.xfer.pair.Close()
	}
	if c.xfer != nil && c.xfer.bleg != nil {
		_ = c.xfer.bleg.Close()
	}
	cause := context.Cause(c.ctx)
	var stats media.RelayStats
	var bridgeStats *browserleg.BridgeStats
	if c.bridge != nil {
		bs := c.bridge.Stats()
		bridgeStats = &bs
		_ = c.bridge.Close()
		if c.browserCaller {
			stats.AtoB.RTPPackets, stats.BtoA.RTPPackets = bs.BrowserToPhone, bs.PhoneToBrowser
		} else {
			stats.AtoB.RTPPackets, stats.BtoA.RTPPackets = bs.PhoneToBrowser, bs.BrowserToPhone
		}
	}
	if c.bleg != nil {
		_ = c.bleg.Close()
	}
	if c.peerLeg != nil {
		_ = c.peerLeg.Close()
	}
	for _, f := range c.forks {
		if f.bleg != nil {
			_ = f.bleg.Close()
		}
	}
	if c.relay != nil {
		stats = c.relay.Stats()
		_ = c.relay.Close()
	} else {
		if c.pairA != nil {
			_ = c.pairA.Close()
		}
		if c.pairB != nil {
			_ = c.pairB.Close()
		}
	}
	// The record is written before the call leaves the table, so that
	// whoever sees the call gone finds its record.
	c.writeRecord(cause, stats, bridgeStats)
	c.s.calls.remove(c, c.keys)
	c.releaseTrunks()
	c.s.counters.rtpAtoB.Add(stats.AtoB.RTPPackets)
	c.s.counters.rtpBtoA.Add(stats.BtoA.RTPPackets)
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.log.Warn("hang-up requests still pending after 5s")
	}
	c.log.Info("call ended", "cause", errString(cause), "duration", timeNow().Sub(c.started).Round(time.Millisecond).String(),
		"rtp_a_to_b", stats.AtoB.RTPPackets, "rtp_b_to_a", stats.BtoA.RTPPackets, "trunk", c.trunkName())
}

// callerLeg builds the caller's dialog from its INVITE (RFC 3261 §12.1.1).
func (s *Server) callerLeg(req *sip.Request) *leg {
	from, to := req.From(), req.To()
	l := &leg{
		name:      "caller",
		callID:    callID(req),
		localTag:  newID(8),
		remoteTag: fromTag(req),
		localURI:  to.Address,
		localName: to.DisplayName,
		remoteURI: from.Address,
		remoteDN:  from.DisplayName,
		transport: flowTransport(req),
		dest:      req.Source(),
		remoteSeq: req.CSeq().SeqNo,
	}
	if l.transport == "WSS" {
		l.transport = "WS"
	}
	l.noUpdate = !allowsUpdate(req)
	if ct := req.Contact(); ct != nil {
		l.remoteTarget = ct.Address
	} else {
		l.remoteTarget = from.Address
	}
	for _, h := range req.GetHeaders("Record-Route") {
		if rr, ok := h.(*sip.RecordRouteHeader); ok {
			l.routeSet = append(l.routeSet, rr.Address)
		}
	}
	host, port := s.localFor(l.transport, l.dest)
	l.contact = s.contactFor(l.transport, host, port)
	return l
}

// newID returns n random bytes in hex: tags, Call-IDs, call IDs.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// onConnGone ends the call when one of its legs ran over the WebSocket
// connection connID that just closed: the browser is gone, so only the
// other side gets a BYE (or CANCEL while ringing).
func (c *call) onConnGone(connID string) {
	onConn := func(l *leg) bool { return l != nil && l.transport == "WS" && l.dest == connID }
	// A browser ringing on that socket can no longer answer: its fork
	// fails as unreachable now, not when the INVITE's timer fires.
	if c.state == stateRinging {
		for _, f := range c.forks {
			if f.final == 0 && onConn(f.leg) {
				c.onForkGone(f, fmt.Errorf("%w: %s", ErrFlowClosed, connID))
			}
		}
	}
	switch {
	case onConn(c.caller):
		c.log.Info("caller's websocket closed", "conn", connID)
		switch c.state {
		case stateRinging:
			c.closeAfterForks(ErrCallerHangup)
		case stateAnswered:
			c.sendBye(c.callee)
			c.end(ErrCallerHangup)
		}
	case onConn(c.callee):
		c.log.Info("callee's websocket closed", "conn", connID)
		if c.state == stateAnswered {
			c.sendBye(c.caller)
			c.end(ErrCalleeHangup)
		}
	}
}

// mediaEnded names why a browser bridge stopped: silence or a failure of
// the browser's ICE/DTLS.
func mediaEnded(err error) error {
	if errors.Is(err, browserleg.ErrInactive) {
		return fmt.Errorf("%w: %w", ErrMediaTimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrMediaFailed, err)
}

// awaitAnswer pumps a client transaction's responses to the call's
// goroutine: each provisional one to onProvisional (when not nil), then the
// final one to onFinal, or nil to onFinal when the transaction ends without
// one. Nothing is delivered once the call has ended.
func (c *call) awaitAnswer(tx sip.ClientTransaction, onProvisional, onFinal func(*sip.Response)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			select {
			case res := <-tx.Responses():
				if res.StatusCode < 200 {
					if onProvisional != nil && !c.post(func() { onProvisional(res) }) {
						return
					}
					continue
				}
				c.post(func() { onFinal(res) })
				return
			case <-tx.Done():
				c.post(func() { onFinal(nil) })
				return
			case <-c.ctx.Done():
				return
			}
		}
	}()
}
