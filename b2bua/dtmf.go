package b2bua

import (
	"time"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
	"github.com/callgate/callgate/media/dtmf"
	"github.com/emiago/sipgo/sip"
)

// DTMF interworking in calls between a browser and a phone. Browsers send
// digits as SIP INFO (JsSIP's default) or RFC 4733, and can only receive
// INFO; phones take RFC 4733 or INFO, per Media.PhoneDTMF:
//
//	phone RFC 4733     → INFO to the browser (and the events on to it)
//	phone INFO         → relayed to the browser
//	browser INFO       → RFC 4733 into the phone's stream, or relayed as INFO
//	browser RFC 4733   → forwarded (regenerated when the clocks differ), or
//	                     INFO to the phone

// phoneDTMFMode resolves Media.PhoneDTMF for a phone that negotiated
// codecs.
func (c *call) phoneDTMFMode(phoneCodecs []media.Codec) dtmf.Mode {
	te := false
	for _, pc := range phoneCodecs {
		te = te || equalFold(pc.Name, "telephone-event")
	}
	c.phoneDTMF = c.s.cfg.Media.PhoneDTMF.Resolve(dtmf.Peer{TelephoneEvent: te})
	return c.phoneDTMF
}

// dtmfBridgeConfig sets the bridge's digit hooks for the phone's mode.
func (c *call) dtmfBridgeConfig(cfg *browserleg.BridgeConfig) {
	mode := c.phoneDTMFMode(cfg.PhoneCodecs)
	cfg.OnPhoneDigit = func(d dtmf.Digit) {
		go c.post(func() { c.digitToLeg(c.browserLeg(), d, "phone RFC 4733") })
	}
	if mode == dtmf.ModeInfo {
		cfg.BrowserEvents = browserleg.EventsReport
		cfg.OnBrowserDigit = func(d dtmf.Digit) {
			go c.post(func() { c.digitToLeg(c.phoneLeg(), d, "browser RFC 4733") })
		}
	}
}

// browserLeg and phoneLeg name the signalling legs of a browser-phone call.
func (c *call) browserLeg() *leg {
	if c.browserCaller {
		return c.caller
	}
	return c.callee
}

func (c *call) phoneLeg() *leg { return c.other(c.browserLeg()) }

// digitToLeg sends one press as INFO application/dtmf-relay in l's
// dialog.
func (c *call) digitToLeg(l *leg, d dtmf.Digit, from string) {
	if l == nil || c.state != stateAnswered {
		return
	}
	dur := d.Duration
	if dur <= 0 {
		dur = dtmf.DefaultDuration
	}
	c.log.Info("DTMF as INFO", "digit", d.Code.String(), "duration", dur.String(), "from", from)
	c.sendInOrder(l, func(seq uint32) *sip.Request {
		req := c.s.newRequest(l, sip.INFO, seq)
		req.AppendHeader(c.s.via(l))
		req.AppendHeader(sip.NewHeader("Content-Type", dtmf.ContentTypeRelay))
		req.SetBody(dtmf.AppendRelay(nil, d.Code, dur))
		return req
	}, "INFO "+d.Code.String(), nil)
}

// infoDigitToPhone turns a browser's INFO digit into RFC 4733 toward the
// phone when that is the phone's mode; false leaves the INFO to be relayed.
func (c *call) infoDigitToPhone(from *leg, in *inbound) bool {
	if c.bridge == nil || from != c.browserLeg() || c.phoneDTMF != dtmf.ModeRFC4733 {
		return false
	}
	code, dur, err := dtmf.ParseInfo(contentType(in.req), in.req.Body())
	if err != nil {
		return false // not a digit (or not one we read): relay as it is
	}
	if dur <= 0 {
		dur = dtmf.DefaultDuration
	}
	if err := c.bridge.SendDigit(code, min(dur, 5*time.Second)); err != nil {
		c.log.Warn("DTMF to the phone failed", "digit", code.String(), "error", err)
		in.reply(c.s, 500, "", nil, "", sip.NewHeader("Retry-After", "1"))
		return true
	}
	c.log.Info("DTMF as RFC 4733", "digit", code.String(), "duration", dur.String(), "from", "browser INFO")
	in.reply(c.s, 200, "OK", nil, "")
	return true
}
