package b2bua

import (
	"fmt"
	"sync"

	"github.com/callgate/callgate/media"
	"github.com/emiago/sipgo/sip"
)

// inbound is a request received inside a dialog, answered exactly once.
type inbound struct {
	req  *sip.Request
	tx   sip.ServerTransaction
	once sync.Once
	done chan struct{}
}

// respond sends res once; later calls do nothing.
func (in *inbound) respond(s *Server, res *sip.Response) {
	in.once.Do(func() {
		res.AppendHeader(sip.NewHeader("Server", s.cfg.ServerName))
		s.send(in.req, in.tx, res)
		close(in.done)
	})
}

// reply answers with a status and optional SDP or other body.
func (in *inbound) reply(s *Server, code int, reason string, body []byte, ctype string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(in.req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if len(body) > 0 {
		res.AppendHeader(sip.NewHeader("Content-Type", ctype))
		res.SetBody(body)
	}
	in.respond(s, res)
}

// reinvite is a mid-call request (re-INVITE, UPDATE, INFO) we forwarded to
// the other leg and whose answer we relay back.
type reinvite struct {
	from    *leg
	to      *leg
	in      *inbound
	out     *sip.Request
	method  sip.RequestMethod
	offerIn bool // the incoming request carried SDP
	// answer turns the other leg's SDP answer into the body for the
	// requester.
	answer func([]byte) ([]byte, error)
	// failed undoes what the offer set up when the other leg refuses it.
	failed func()
}

// handleInDialog routes a request that carries a To tag to its call
// (RFC 3261 §12.2.2); unknown dialogs get 481.
func (s *Server) handleInDialog(req *sip.Request, tx sip.ServerTransaction) error {
	c := s.calls.lookup(callID(req), toTag(req))
	if c == nil {
		if req.Method == sip.ACK {
			return nil
		}
		return withStatus(481, "", fmt.Errorf("%w: Call-ID %s", ErrNoDialog, callID(req)))
	}
	in := &inbound{req: req, tx: tx, done: make(chan struct{})}
	if req.Method == sip.ACK {
		c.post(func() { c.onAck(req) })
		return nil
	}
	if !c.post(func() { c.onRequest(in) }) {
		return withStatus(481, "", fmt.Errorf("%w: call ended", ErrNoDialog))
	}
	select {
	case <-in.done:
	case <-c.ctx.Done():
		// The call ended before answering: the dialog is gone.
		in.reply(s, 481, "", nil, "")
	}
	return nil
}

// legOf returns which of the call's legs a request belongs to, or nil.
func (c *call) legOf(req *sip.Request) *leg {
	id, tag := callID(req), toTag(req)
	if id == c.caller.callID && tag == c.caller.localTag {
		return c.caller
	}
	if c.callee != nil && id == c.callee.callID && tag == c.callee.localTag && fromTag(req) == c.callee.remoteTag {
		return c.callee
	}
	return nil
}

// other returns the leg across the bridge from l.
func (c *call) other(l *leg) *leg {
	if l == c.caller {
		return c.callee
	}
	return c.caller
}

// onAck handles ACKs for our 2xx responses.
func (c *call) onAck(req *sip.Request) {
	l := c.legOf(req)
	if l == c.caller && req.CSeq().SeqNo == c.invite.CSeq().SeqNo {
		c.onCallerAck(req)
		return
	}
	if c.pending != nil && c.pending.from == l && c.pending.method == sip.INVITE {
		return
	}
	if l != nil && c.lastReinviteAck != nil && c.lastReinviteAck.from == l {
		c.forwardReinviteAck(req)
	}
}

// onRequest handles BYE, re-INVITE, UPDATE, INFO and OPTIONS in a dialog.
func (c *call) onRequest(in *inbound) {
	req := in.req
	l := c.legOf(req)
	if l == nil {
		if r := c.released; r != nil && callID(req) == r.callID && toTag(req) == r.localTag && req.Method == sip.BYE {
			in.reply(c.s, 200, "OK", nil, "") // the transferor leaving
			return
		}
		in.reply(c.s, 481, "", nil, "")
		return
	}
	// RFC 3261 §12.2.2: CSeq must grow within a dialog.
	if seq := req.CSeq().SeqNo; seq <= l.remoteSeq && req.Method != sip.ACK {
		in.reply(c.s, 500, "CSeq Out Of Order", nil, "")
		return
	} else {
		l.remoteSeq = seq
	}
	switch req.Method {
	case sip.BYE:
		in.reply(c.s, 200, "OK", nil, "")
		cause := ErrCallerHangup
		if l != c.caller {
			cause = ErrCalleeHangup
		}
		if c.state == stateAnswered {
			c.sendBye(c.other(l))
		} else if l == c.caller {
			// BYE before our 2xx was ACKed, or early: cancel the callee side.
			c.cancelForks(nil)
		}
		c.end(cause)
	case sip.OPTIONS:
		in.reply(c.s, 200, "OK", nil, "", allowHeader())
	case sip.INVITE, sip.UPDATE:
		if c.state == stateAnswered {
			c.touchSession(l, req)
		}
		c.forwardMidCall(l, in)
	case sip.REFER:
		if c.tryAttendedTransfer(l, in) || c.tryOwnTransfer(l, in) {
			return
		}
		c.forwardMidCall(l, in)
	case sip.INFO, sip.NOTIFY:
		c.forwardMidCall(l, in)
	default:
		in.reply(c.s, 405, "", nil, "", allowHeader())
	}
}

// forwardMidCall relays a re-INVITE, UPDATE or INFO to the other leg and
// its answer back, translating SDP through our anchor.
func (c *call) forwardMidCall(from *leg, in *inbound) {
	req := in.req
	to := c.other(from)
	if to == nil || c.state != stateAnswered {
		in.reply(c.s, 491, "", nil, "", sip.NewHeader("Retry-After", "1"))
		return
	}
	if req.Method == sip.INFO && c.infoDigitToPhone(from, in) {
		return
	}
	// A session-timer refresh (UPDATE or re-INVITE without SDP from a
	// browser) belongs to its own leg: answer it here (GUIDE §3, RFC 4028).
	if req.Method == sip.UPDATE && len(req.Body()) == 0 {
		in.reply(c.s, 200, "OK", nil, "", c.refreshHeaders(from)...)
		return
	}
	// RFC 3261 §14.2: one offer/answer at a time; a crossing request gets 491.
	if c.pending != nil && offerMethod(req.Method) {
		in.reply(c.s, 491, "", nil, "", sip.NewHeader("Retry-After", "1"))
		return
	}
	method := req.Method
	if method == sip.UPDATE && to.noUpdate {
		method = sip.INVITE // same offer/answer, in a method the peer takes
	}
	out := c.s.newRequest(to, method, to.nextSeq())
	out.AppendHeader(c.s.via(to))
	body, ctype := req.Body(), contentType(req)
	offerIn := false
	var answer func([]byte) ([]byte, error)
	var failed func()
	if offerMethod(req.Method) && isSDP(body, ctype) {
		sdp, ans, fail, err := c.midCallOffer(from, body)
		if err != nil {
			c.log.Warn("mid-call offer refused", "method", string(req.Method), "error", err)
			in.reply(c.s, 488, "", nil, "")
			return
		}
		body, ctype, offerIn, answer, failed = sdp, "application/sdp", true, ans, fail
		to.lastSDP = sdp
	}
	// Session-Expires and Min-SE are negotiated per leg (RFC 4028) and are
	// deliberately not copied across.
	c.copyTransferHeaders(req, out)
	if len(body) > 0 {
		out.AppendHeader(sip.NewHeader("Content-Type", ctype))
		out.SetBody(body)
	} else {
		out.SetBody(nil)
	}
	p := &reinvite{from: from, to: to, in: in, out: out, method: method, offerIn: offerIn, answer: answer, failed: failed}
	if offerMethod(req.Method) {
		c.pending = p
	}
	tx, err := c.s.client.TransactionRequest(c.ctx, out, keep)
	if err != nil {
		c.pending = nil
		in.reply(c.s, 503, "", nil, "")
		return
	}
	c.awaitAnswer(tx, nil, func(res *sip.Response) { c.onMidCallAnswer(p, res) })
}

// onMidCallAnswer relays the other leg's final answer to a forwarded
// mid-call request.
func (c *call) onMidCallAnswer(p *reinvite, res *sip.Response) {
	if c.pending == p {
		c.pending = nil
	}
	if (res == nil || res.StatusCode >= 300) && p.failed != nil {
		p.failed()
	}
	if res == nil {
		p.in.reply(c.s, 408, "", nil, "")
		return
	}
	code := res.StatusCode
	body, ctype := res.Body(), contentType(res)
	if offerMethod(p.method) && isSDP(body, ctype) && code < 300 {
		answer := p.answer
		if answer == nil {
			answer = func(b []byte) ([]byte, error) { return c.anchorFrom(legSide(c, p.to), b) }
		}
		sdp, err := answer(body)
		if err != nil {
			c.log.Warn("mid-call answer unusable", "error", err)
			body = nil
		} else {
			body, ctype = sdp, "application/sdp"
		}
	}
	if p.method == sip.INVITE && code >= 200 && code < 300 {
		if p.offerIn {
			c.ackMidCall(p, nil)
		} else {
			// Offer in this 2xx: the answer comes in the other side's ACK.
			c.lastReinviteAck = p
		}
	}
	var hdrs []sip.Header
	if p.method == sip.INVITE && code < 300 {
		hdrs = append(hdrs, &sip.ContactHeader{Address: p.from.contact})
	}
	if offerMethod(p.method) && code < 300 {
		hdrs = append(hdrs, c.refreshHeaders(p.from)...)
		if len(body) > 0 {
			p.from.lastSDP = body
		}
	}
	if code == 491 {
		hdrs = append(hdrs, sip.NewHeader("Retry-After", "1"))
	}
	p.in.reply(c.s, code, res.Reason, body, ctype, hdrs...)
}

// ackMidCall ACKs a relayed re-INVITE's 2xx on the leg we sent it to.
func (c *call) ackMidCall(p *reinvite, body []byte) {
	c.sendAck(p.to, p.out.CSeq().SeqNo, body)
}

// forwardReinviteAck carries the answer of an offerless re-INVITE, found
// in the ACK, to the leg that made the offer.
func (c *call) forwardReinviteAck(ack *sip.Request) {
	p := c.lastReinviteAck
	c.lastReinviteAck = nil
	var body []byte
	if isSDP(ack.Body(), contentType(ack)) {
		if sdp, err := c.anchorFrom(legSide(c, p.from), ack.Body()); err == nil {
			body = sdp
		}
	}
	c.ackMidCall(p, body)
}

// legSide names the media side of a signalling leg.
func legSide(c *call, l *leg) media.Leg {
	if l == c.caller {
		return media.LegA
	}
	return media.LegB
}

// midCallOffer translates a re-INVITE or UPDATE offer from leg `from` for
// the other leg, and returns how to translate the answer back. With a
// browser on one side, the browser's DTLS role, fingerprint and ICE
// credentials never change (GUIDE §4): pion renegotiates in place.
func (c *call) midCallOffer(from *leg, body []byte) ([]byte, func([]byte) ([]byte, error), func(), error) {
	if c.handedOff != nil {
		// The other party went to another call (attended transfer); this
		// call only waits to end.
		return nil, nil, nil, fmt.Errorf("%w: the other party was transferred", ErrMedia)
	}
	if c.bleg == nil {
		sdp, err := c.anchorFrom(legSide(c, from), body)
		return sdp, nil, nil, err
	}
	if c.peerLeg != nil {
		return c.browserPairOffer(from, body)
	}
	phonePair, phoneOrigin := c.pairA, &c.originA
	if c.browserCaller {
		phonePair, phoneOrigin = c.pairB, &c.originB
	}
	used := []media.Codec{c.bleg.Codec()}
	if d, ok := c.bleg.DTMF(); ok {
		used = append(used, d)
	}
	fromBrowser := (from == c.caller) == c.browserCaller
	_, dir, err := media.ParseCodecs(body)
	if err != nil {
		return nil, nil, nil, err
	}
	if fromBrowser {
		answer, err := c.bleg.Renegotiate(string(body))
		if err != nil {
			return nil, nil, nil, err
		}
		offer := media.BuildSIPSDP(c.s.cfg.Media.AdvertiseIP, phonePair.Port, c.phoneOffer(used), dir, phoneOrigin)
		return offer, func(phoneAnswer []byte) ([]byte, error) {
			if remote, err := phoneRemote(phoneAnswer); err == nil {
				c.movePhone(remote)
			}
			return []byte(answer), nil
		}, nil, nil
	}
	// From the phone: re-offer to the browser with the phone's direction.
	remote, err := phoneRemote(body)
	if err != nil {
		return nil, nil, nil, err
	}
	phoneSide, err := c.phoneReofferCodecs(body, used)
	if err != nil {
		return nil, nil, nil, err
	}
	c.movePhone(remote)
	offer, err := c.bleg.CreateReoffer(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	return []byte(offer), func(browserAnswer []byte) ([]byte, error) {
			if err := c.bleg.SetAnswer(string(browserAnswer)); err != nil {
				return nil, err
			}
			// The phone may have moved to another codec: the bridge then
			// switches between passthrough and transcoding.
			c.phoneSide = phoneSide
			c.bridge.SetPhoneCodecs(phoneSide)
			return media.BuildSIPSDP(c.s.cfg.Media.AdvertiseIP, phonePair.Port, phoneSide, media.AnswerDirection(dir), phoneOrigin), nil
		}, func() {
			// The browser refused or never answered: without this the leg
			// would stay in have-local-offer and refuse every later offer.
			if err := c.bleg.CancelReoffer(); err != nil {
				c.log.Warn("browser re-offer could not be withdrawn", "error", err)
			}
		}, nil
}

// phoneOffer is what the phone is offered again mid-call: what it
// negotiated with the bridge, else the browser leg's formats mapped to the
// phone's payload types.
func (c *call) phoneOffer(used []media.Codec) []media.Codec {
	if len(c.phoneSide) > 0 {
		return c.phoneSide
	}
	return c.phoneCodecs(used)
}

// phoneCodecs maps the browser leg's formats to the phone's payload types.
func (c *call) phoneCodecs(used []media.Codec) []media.Codec {
	if !c.browserCaller {
		return used // a call to a browser uses the phone's numbers on both sides
	}
	out := make([]media.Codec, 0, len(used))
	for _, u := range used {
		m := u
		for _, sc := range c.sipCodecs {
			if equalFold(sc.Name, u.Name) && sc.Clock == u.Clock {
				m = sc
			}
		}
		out = append(out, m)
	}
	return out
}
