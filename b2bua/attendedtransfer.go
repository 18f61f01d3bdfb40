package b2bua

import (
	"net/url"
	"strings"
	"time"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
	"github.com/emiago/sipgo/sip"
)

// Attended transfer (REFER with Replaces, RFC 3515 and RFC 3891): the
// transferor A has two calls through callgate, with B (where the REFER
// arrives, call c1) and with C (call c2), and asks callgate to join B and
// C. The Refer-To's Replaces names A's dialog of c2. callgate takes C's
// dialog over from c2, re-INVITEs C with the SDP of A's side of c1, puts C
// in A's place in c1 (as a blind transfer puts its target), and ends both
// of A's dialogs. B and C then talk through callgate with no hairpin
// through A. When C is a browser, its WebRTC leg itself moves from c2 to
// c1 (browsertransfer.go) and C gets no re-INVITE: its media endpoint in
// callgate stays the same.

// replacesTarget reads the Replaces of a Refer-To ("?Replaces=callid;
// to-tag=..;from-tag=..", RFC 3891 §6.1, escaped in the URI).
func replacesTarget(req *sip.Request) (callID, toTagV, fromTagV string, ok bool) {
	v, ok := referToURI(req)
	if !ok {
		return "", "", "", false
	}
	_, query, found := strings.Cut(v, "?")
	if !found {
		return "", "", "", false
	}
	for _, kv := range strings.Split(query, "&") {
		k, val, _ := strings.Cut(kv, "=")
		if !strings.EqualFold(k, "Replaces") {
			continue
		}
		dec, err := url.QueryUnescape(val)
		if err != nil {
			return "", "", "", false
		}
		return parseReplaces(dec)
	}
	return "", "", "", false
}

// handoff is what c2 gives up: C's dialog and A's, and C's WebRTC leg
// when C is a browser.
type handoff struct {
	c, a *leg
	leg  *browserleg.Leg
}

// handoffWant says what c1 can take: a plain RTP party (it prepared an
// offer for one), and for a browser party which format it must speak
// (empty: any, a bridge transcodes).
type handoffWant struct {
	plain   bool
	browser media.Codec
}

// tryAttendedTransfer carries out a REFER with Replaces; false leaves it
// to be relayed.
func (c *call) tryAttendedTransfer(x *leg, in *inbound) bool {
	if c.state != stateAnswered || c.xfer != nil || c.pending != nil {
		return false
	}
	callID, tt, ft, ok := replacesTarget(in.req)
	if !ok {
		return false
	}
	other := c.s.calls.lookup(callID, tt)
	if other == nil {
		other = c.s.calls.lookup(callID, ft)
	}
	if other == nil || other == c {
		return false
	}
	tr := &blindTransfer{x: x, y: c.other(x)}
	want := handoffWant{plain: c.prepareTransferMedia(tr)}
	if yl := c.browserLegOf(tr.y); yl != nil {
		want.browser = yl.Codec()
	}
	h, ok := other.giveUpOtherParty(callID, want)
	if !ok || h.leg != nil {
		if tr.pair != nil {
			_ = tr.pair.Close()
			tr.pair = nil
		}
	}
	if !ok {
		return false
	}
	in.reply(c.s, 202, "Accepted", nil, "")
	tr.t, tr.from = h.c, other
	tr.fromA = h.a
	c.xfer = tr
	c.keys = append(c.keys, dialogKey(h.c.callID, h.c.localTag))
	c.s.calls.bind(h.c.callID, h.c.localTag, c)
	c.notifyTransfer(x, "SIP/2.0 100 Trying", false)
	c.log.Info("attended transfer", "transferor", x.name, "replaced_call_id", callID, "browser_party", h.leg != nil)
	if h.leg != nil {
		c.completeLegMove(tr, h.leg)
		return true
	}
	req := c.s.newRequest(h.c, sip.INVITE, h.c.nextSeq())
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"))
	req.AppendHeader(c.s.via(h.c))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(tr.offer)
	tr.req = req
	c.sendTransferInvite(tr)
	return true
}

// giveUpOtherParty is asked by another call: it hands over the leg
// across from the dialog callID (A's) and stops looking after it; a
// browser party's WebRTC leg goes with it. It runs on this call's
// goroutine and answers within two seconds.
func (c *call) giveUpOtherParty(callID string, want handoffWant) (handoff, bool) {
	ch := make(chan handoff, 1)
	if !c.post(func() {
		if c.state != stateAnswered || c.pending != nil || c.xfer != nil {
			ch <- handoff{}
			return
		}
		a := c.caller
		if c.callee != nil && c.callee.callID == callID {
			a = c.callee
		} else if c.caller.callID != callID {
			ch <- handoff{}
			return
		}
		other := c.other(a)
		if other == nil {
			ch <- handoff{}
			return
		}
		h := handoff{c: other, a: a}
		if cl := c.browserLegOf(other); cl != nil {
			if want.browser.Name != "" && !sameFormat(cl.Codec(), want.browser) {
				c.log.Info("attended transfer: the browser party's format differs from its new peer's", "codec", cl.Codec().Name, "peer", want.browser.Name)
				ch <- handoff{}
				return
			}
			h.leg = c.releaseBrowserLeg(other, cl)
		} else if !want.plain {
			ch <- handoff{}
			return
		}
		if other.st != nil && other.st.timer != nil {
			other.st.timer.Stop()
			other.st = nil
		}
		c.handedOff = other
		ch <- h
	}) {
		return handoff{}, false
	}
	select {
	case h := <-ch:
		return h, h.c != nil
	case <-time.After(2 * time.Second):
		return handoff{}, false
	}
}

// handedOver ends a call whose other party was joined to another call:
// A's dialog gets BYE, the joined party's dialog is left alone.
func (c *call) handedOver(a *leg) {
	if c.state == stateEnded {
		return
	}
	c.sendBye(a)
	c.end(ErrTransferred)
}

// takeBack returns a leg a failed attended transfer had borrowed.
func (c *call) takeBack() {
	c.handedOff = nil
}
