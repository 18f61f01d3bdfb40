package b2bua

import (
	"context"
	"fmt"
	"time"

	"github.com/callgate/callgate/b2bua/trunk"
	"github.com/callgate/callgate/media"
	"github.com/emiago/sipgo/sip"
)

// trunkPlan is an outbound call's way through its route's trunks: one
// attempt at a time, the next trunk (or the next address of the same one)
// when an attempt fails in a way another carrier may not.
type trunkPlan struct {
	route trunk.Route
	next  int // index in route.Trunks of the next trunk to try
	cur   *trunk.Trunk
	held  *trunk.Trunk // trunk whose call slot this call holds
	dests []string     // addresses of cur not tried yet
	offer []byte       // the SIP offer before per-trunk codec filtering
	tried []string     // "trunk=code" for the log of a failed call
}

// startTrunkForks sends the INVITE to the first usable trunk of the plan.
func (c *call) startTrunkForks(offer []byte) {
	c.plan.offer = offer
	if !c.nextTrunkAttempt() {
		c.failCaller(withStatus(503, "No Trunk Available",
			fmt.Errorf("%w: route %q: %v", ErrNoTrunk, c.plan.route.Rule, c.plan.tried)))
	}
}

// nextTrunkAttempt starts the next attempt: another address of the current
// trunk, else the next trunk that is up, resolves and has a free call slot.
// It returns false when the route is exhausted.
func (c *call) nextTrunkAttempt() bool {
	p := c.plan
	for {
		if len(p.dests) > 0 {
			dest := p.dests[0]
			p.dests = p.dests[1:]
			f, err := c.newTrunkFork(p.cur, dest)
			if err != nil {
				c.log.Warn("trunk attempt skipped", "trunk", p.cur.Config().Name, "dest", dest, "error", err)
				p.tried = append(p.tried, p.cur.Config().Name+"=unusable")
				continue
			}
			c.forks = append(c.forks, f)
			c.sendTrunkFork(f)
			return true
		}
		if p.held != nil {
			p.held.Release()
			p.held = nil
		}
		if p.next >= len(p.route.Trunks) {
			return false
		}
		name := p.route.Trunks[p.next]
		p.next++
		t := c.s.routing().trunks.Get(name)
		switch {
		case t == nil:
			continue
		case !t.Up():
			c.log.Info("trunk down, skipped", "trunk", name)
			p.tried = append(p.tried, name+"=down")
			continue
		case !t.Acquire():
			c.log.Info("trunk at its call limit, skipped", "trunk", name)
			p.tried = append(p.tried, name+"=full")
			continue
		}
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		dests, err := t.Destinations(ctx)
		cancel()
		if err != nil || len(dests) == 0 {
			t.Release()
			c.log.Warn("trunk address lookup failed, skipped", "trunk", name, "error", err)
			p.tried = append(p.tried, name+"=unresolved")
			continue
		}
		p.cur, p.held, p.dests = t, t, dests
	}
}

// newTrunkFork builds the INVITE toward one trunk address: the rewritten
// number at the trunk's domain, the caller ID its policy asks for, and
// only the codecs it allows.
func (c *call) newTrunkFork(t *trunk.Trunk, dest string) (*fork, error) {
	body, err := c.trunkOffer(t)
	if err != nil {
		return nil, err
	}
	from := c.invite.From()
	l, req := c.trunkInvite(t, dest, c.plan.route.Number, from.Address.User, from.DisplayName, body)
	// RFC 3261 §16.6 step 3 (applied by the B2BUA): one hop fewer.
	if mf := c.invite.MaxForwards(); mf != nil {
		req.ReplaceHeader(ptrMaxForwards(mf.Val() - 1))
	}
	return &fork{leg: l, req: req, trunk: t}, nil
}

// trunkInvite builds a new dialog toward trunk t at dest for number, and
// its INVITE carrying body: the caller ID the trunk's policy makes of
// user and display, a session timer request, and the dialog bound to the
// call.
func (c *call) trunkInvite(t *trunk.Trunk, dest, number, user, display string, body []byte) (*leg, *sip.Request) {
	cfg := t.Config()
	fromUser, fromDisplay, fromHost, extra := t.CallerID(user, display)
	transport := cfg.Transport
	if transport == "" {
		transport = "UDP"
	}
	l := &leg{
		name:         "callee",
		callID:       newID(12),
		localTag:     newID(8),
		localURI:     sip.Uri{Scheme: "sip", User: fromUser, Host: fromHost},
		localName:    fromDisplay,
		remoteURI:    sip.Uri{Scheme: "sip", User: number, Host: cfg.Domain},
		remoteTarget: sip.Uri{Scheme: "sip", User: number, Host: cfg.Domain},
		transport:    transport,
		dest:         dest,
	}
	if transport != "UDP" {
		l.remoteTarget.UriParams = sip.NewParams()
		l.remoteTarget.UriParams.Add("transport", map[string]string{"TCP": "tcp", "TLS": "tls"}[transport])
	}
	host, port := c.s.localFor(transport, dest)
	l.contact = c.s.contactFor(transport, host, port)
	req := c.s.newRequest(l, sip.INVITE, l.nextSeq())
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"))
	c.requestSessionTimer(req, c.s.cfg.Calls.SessionExpires)
	for _, h := range extra {
		req.AppendHeader(h)
	}
	req.AppendHeader(c.s.via(l))
	if len(body) > 0 {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(body)
	} else {
		req.SetBody(nil)
	}
	c.keys = append(c.keys, dialogKey(l.callID, l.localTag))
	c.s.calls.bind(l.callID, l.localTag, c)
	return l, req
}

// trunkOffer is the SDP offered to trunk t: the plan's offer with only the
// codecs the trunk allows (telephone-event always stays).
func (c *call) trunkOffer(t *trunk.Trunk) ([]byte, error) {
	if len(t.Config().Codecs) == 0 || len(c.plan.offer) == 0 {
		return c.plan.offer, nil
	}
	keep := func(cd media.Codec) bool { return media.IsTelephoneEvent(cd) || t.AllowsCodec(cd.Name) }
	out, err := media.FilterCodecs(c.plan.offer, keep)
	if err != nil {
		return nil, fmt.Errorf("%w: no codec allowed on trunk %s: %w", ErrMedia, t.Config().Name, err)
	}
	return out, nil
}

// sendTrunkFork sends an attempt and arms its no-response timer: a trunk
// that says nothing at all (not even 100 Trying) within InviteTimeout is
// given up for the next one instead of waiting 64*T1 (RFC 3261 §17.1.1.2).
func (c *call) sendTrunkFork(f *fork) {
	c.log.Info("INVITE to trunk", "trunk", f.trunk.Config().Name, "dest", f.leg.dest, "number", c.plan.route.Number,
		"callee_call_id", f.leg.callID)
	c.sendFork(f)
	if f.final != 0 {
		return
	}
	timeout := f.trunk.Config().InviteTimeout
	if timeout <= 0 {
		timeout = 4 * time.Second
	}
	f.noAnswer = c.after(timeout, func() {
		if f.final != 0 || f.provisional {
			return
		}
		c.log.Info("trunk did not answer", "trunk", f.trunk.Config().Name, "dest", f.leg.dest, "after", timeout.String())
		f.final = 408
		if f.tx != nil {
			f.tx.Terminate()
		}
		c.forkFailed(f, 408, nil)
	})
}

// forkFailed handles a fork's failure: trunk attempts may be retried with
// credentials or fail over; otherwise the call fails once all forks have.
func (c *call) forkFailed(f *fork, code int, res *sip.Response) {
	if code == 422 && res != nil && !f.seRetried && c.state == stateRinging && !f.cancelWanted {
		// RFC 4028 §7.4: ask again with the interval the callee wants.
		interval := max(minSEOf(res), c.s.cfg.Calls.MinSE)
		nf, err := c.retryFork(f, func(req *sip.Request) error {
			c.requestSessionTimer(req, interval)
			return nil
		})
		if err == nil {
			nf.seRetried = true
			c.log.Info("callee wants a longer session interval; retrying", "min_se", seconds(interval))
			return
		}
	}
	if f.trunk != nil && c.onTrunkFailure(f, code, res) {
		return
	}
	c.checkAllFailed()
	c.checkClosing()
}

// failsOver reports whether a trunk's final response sends the call to the
// next trunk: timeouts, server failures, global failures other than
// 603 Decline (a callee's own refusal), and a carrier refusing our
// credentials. Busy, not found and the like are the callee's answer.
func failsOver(code int) bool {
	switch {
	case code == 408, code == 401, code == 407:
		return true
	case code >= 500 && code < 600:
		return true
	case code >= 600 && code != 603:
		return true
	}
	return false
}

// onTrunkFailure answers a carrier's challenge once per attempt (RFC 3261
// §22.2, §22.3) or moves on to the next attempt; it returns false when the
// failure is final for the call.
func (c *call) onTrunkFailure(f *fork, code int, res *sip.Response) bool {
	if c.state != stateRinging || f.cancelWanted {
		return false
	}
	name := f.trunk.Config().Name
	if (code == 401 || code == 407) && !f.authTried && res != nil {
		nf, err := c.retryFork(f, func(req *sip.Request) error { return f.trunk.Authorize(req, res) })
		if err == nil {
			nf.authTried = true
			return true
		}
		c.log.Warn("cannot answer trunk challenge", "trunk", name, "status", code, "error", err)
	}
	c.plan.tried = append(c.plan.tried, fmt.Sprintf("%s=%d", name, code))
	if !failsOver(code) {
		return false
	}
	c.log.Info("trunk failed, trying the next", "trunk", name, "status", code)
	return c.nextTrunkAttempt()
}

// retryFork repeats an attempt's INVITE changed by mutate (credentials for
// a challenge, RFC 3261 §22.2; a longer session interval, RFC 4028 §7.4):
// same dialog identifiers, next CSeq, new branch. The new attempt takes
// the old one's place and is sent.
func (c *call) retryFork(f *fork, mutate func(*sip.Request) error) (*fork, error) {
	req := f.req.Clone()
	req.ReplaceHeader(&sip.CSeqHeader{SeqNo: f.leg.nextSeq(), MethodName: sip.INVITE})
	req.RemoveHeader("Via")
	req.PrependHeader(c.s.via(f.leg))
	if err := mutate(req); err != nil {
		return nil, err
	}
	c.s.aim(req, f.leg)
	nf := *f
	nf.req, nf.tx, nf.provisional, nf.final, nf.finalRes, nf.noAnswer = req, nil, false, 0, nil, nil
	f.replaced = true
	c.forks = append(c.forks, &nf)
	if nf.trunk != nil {
		c.sendTrunkFork(&nf)
	} else {
		c.sendFork(&nf)
	}
	return &nf, nil
}

// releaseTrunks gives back the call slots the call held on trunks.
func (c *call) releaseTrunks() {
	if c.plan != nil && c.plan.held != nil {
		c.plan.held.Release()
		c.plan.held = nil
	}
	if c.inbound != nil {
		c.inbound.Release()
		c.inbound = nil
	}
	if c.transferTrunk != nil {
		c.transferTrunk.Release()
		c.transferTrunk = nil
	}
	if c.xfer != nil && c.xfer.trunk != nil {
		c.xfer.trunk.Release()
		c.xfer.trunk = nil
	}
}

// trunkName names the trunk that carried the call, for logs.
func (c *call) trunkName() string {
	switch {
	case c.inbound != nil:
		return c.inbound.Config().Name
	case c.winner != nil && c.winner.trunk != nil:
		return c.winner.trunk.Config().Name
	}
	return ""
}
