package b2bua

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"

	"github.com/callgate/callgate/media"
	"github.com/callgate/callgate/media/browserleg"
)

// Browser legs: a browser's SDP offers UDP/TLS/RTP/SAVPF with DTLS-SRTP
// (RFC 5764), which callgate terminates with package browserleg, bridging
// the decrypted RTP to a plain RTP socket pair toward the phone. Payloads
// pass untouched: only codecs both sides share are negotiated.

// isWebRTCSDP reports whether an SDP body is a WebRTC (DTLS-SRTP) offer or
// answer (RFC 5764 §8: UDP/TLS/RTP/SAVP[F]).
func isWebRTCSDP(body []byte) bool {
	return bytes.Contains(body, []byte("UDP/TLS/RTP/SAVP"))
}

// browserCallerOffer prepares a call from a browser: the SIP offer for the
// phone lists the browser's passthrough codecs on our phone-side port.
func (c *call) browserCallerOffer() ([]byte, error) {
	codecs, dir, err := media.ParseCodecs(c.invite.Body())
	if err != nil {
		return nil, withStatus(488, "", fmt.Errorf("%w: browser offer: %w", ErrMedia, err))
	}
	sipCodecs, err := media.SIPOfferCodecs(codecs)
	if opus, opusDTMF, ok := browserTranscodeCodecs(codecs); ok && (c.s.cfg.Media.BrowserOpus || errors.Is(err, media.ErrNoCommonCodec)) {
		c.log.Info("transcoding for the browser", "browser", media.CodecNames(codecs), "configured", c.s.cfg.Media.BrowserOpus)
		sipCodecs, err = transcodeOffer, nil
		c.browserOpus, c.browserOpusDTMF = &opus, opusDTMF
	}
	if err != nil {
		return nil, withStatus(488, "", fmt.Errorf("%w: browser offer: %w", ErrMedia, err))
	}
	c.sipCodecs = sipCodecs
	if c.pairB == nil {
		return nil, nil // only browsers are called: they get their own offers
	}
	return media.BuildSIPSDP(c.s.cfg.Media.AdvertiseIP, c.pairB.Port, sipCodecs, dir, &c.originB), nil
}

// browserAnswer turns the phone's SDP (183 or 2xx) into our WebRTC answer
// for the calling browser; the first one builds the browser leg and later
// ones only move the phone's address. JsSIP needs the same answer in the 183
// and the 200 (GUIDE §3).
func (c *call) browserAnswer(phoneSDP []byte) ([]byte, error) {
	remote, err := phoneRemote(phoneSDP)
	if err != nil {
		return nil, err
	}
	if c.bleg != nil {
		c.movePhone(remote)
		return c.webrtcAnswer, nil
	}
	peer, _, err := media.ParseCodecs(phoneSDP)
	if err != nil {
		return nil, err
	}
	audio, dtmf, err := media.SelectAnswer(peer, c.sipCodecs)
	if err != nil {
		return nil, err
	}
	// The browser's own payload numbers for the chosen formats, or its
	// Opus when the bridge transcodes.
	bAudio, bDTMF := matchBrowserPT(c.sipCodecs, audio, dtmf)
	if c.browserOpus != nil {
		bAudio, bDTMF = opusToward(*c.browserOpus, audio), c.browserOpusDTMF
	}
	leg, answer, err := c.s.webrtc.Answer(c.ctx, string(c.invite.Body()), bAudio, bDTMF)
	if err != nil {
		return nil, fmt.Errorf("browser leg: %w", err)
	}
	phoneCodecs := []media.Codec{audio}
	if dtmf != nil {
		phoneCodecs = append(phoneCodecs, *dtmf)
	}
	c.bleg = leg
	bcfg := browserleg.BridgeConfig{
		PhoneRemote: remote.RTP, PhoneRTCP: remote.RTCP, PhoneCodecs: phoneCodecs,
		InactivityTimeout: c.s.cfg.Media.InactivityTimeout, Logger: c.log,
	}
	c.dtmfBridgeConfig(&bcfg)
	c.phoneSide = phoneCodecs
	c.bridge = browserleg.Bridge(leg, c.pairB, bcfg)
	c.webrtcAnswer = []byte(answer)
	c.log.Info("browser leg answered", "codec", audio.Name, "dtmf", dtmf != nil)
	return c.webrtcAnswer, nil
}

// browserCalleeOffer prepares an offer for a browser binding from the
// calling phone's SDP: the phone's passthrough codecs, telephone-event at
// the same clock.
func (c *call) browserCalleeOffer(f *fork) ([]byte, error) {
	peer, _, err := media.ParseCodecs(c.invite.Body())
	if err != nil {
		return nil, err
	}
	audio, dtmf, err := media.SelectAnswer(peer, nil)
	if err != nil {
		return nil, err
	}
	codecs := []media.Codec{audio}
	var passthrough []media.Codec
	for _, pc := range peer {
		if media.IsPassthrough(pc) && pc.Name != audio.Name {
			passthrough = append(passthrough, pc)
		}
	}
	codecs = append(codecs, passthrough...)
	if c.s.cfg.Media.BrowserOpus {
		// Opus toward the browser, the phone's own codec toward the phone.
		leg, offer, err := c.s.webrtc.Offer(c.ctx, []media.Codec{opusToward(opusForBrowser, audio)}, &opusDTMF)
		if err != nil {
			return nil, fmt.Errorf("browser leg: %w", err)
		}
		f.bleg, f.transcode = leg, true
		f.phoneCodecs = append([]media.Codec{audio}, optCodec(dtmf)...)
		return []byte(offer), nil
	}
	leg, offer, err := c.s.webrtc.Offer(c.ctx, codecs, dtmf)
	if err != nil {
		return nil, fmt.Errorf("browser leg: %w", err)
	}
	f.bleg = leg
	f.phoneCodecs = append(codecs, optCodec(dtmf)...)
	return []byte(offer), nil
}

// browserCalleeAnswered applies a browser's answer and bridges it to the
// calling phone; it returns the SIP answer for the phone.
func (c *call) browserCalleeAnswered(f *fork, answer []byte) ([]byte, error) {
	if err := f.bleg.SetAnswer(string(answer)); err != nil {
		return nil, err
	}
	remote, err := phoneRemote(c.invite.Body())
	if err != nil {
		return nil, err
	}
	if c.relay != nil {
		// A phone binding of the same user had set up a relay; the browser
		// won, so its sockets go and the caller gets a fresh pair.
		_ = c.relay.Close()
		c.relay, c.pairB = nil, nil
		pair, err := c.s.ports.Allocate()
		if err != nil {
			return nil, err
		}
		c.pairA = pair
	}
	c.bleg = f.bleg
	f.bleg = nil
	used := []media.Codec{c.bleg.Codec()}
	if d, ok := c.bleg.DTMF(); ok {
		used = append(used, d)
	}
	if f.transcode {
		used = f.phoneCodecs // the bridge transcodes to the phone's codec
	}
	bcfg := browserleg.BridgeConfig{
		PhoneRemote: remote.RTP, PhoneRTCP: remote.RTCP, PhoneCodecs: used,
		InactivityTimeout: c.s.cfg.Media.InactivityTimeout, Logger: c.log,
	}
	c.dtmfBridgeConfig(&bcfg)
	c.phoneSide = used
	c.bridge = browserleg.Bridge(c.bleg, c.pairA, bcfg)
	_, dir, _ := media.ParseCodecs(c.invite.Body())
	return media.BuildSIPSDP(c.s.cfg.Media.AdvertiseIP, c.pairA.Port, used, media.AnswerDirection(dir), &c.originA), nil
}

// phoneRemote returns the RTP and RTCP addresses a plain SIP SDP body
// signals (RTCP from a=rtcp, RFC 3605, else the next port).
func phoneRemote(body []byte) (media.Remote, error) {
	_, remote, err := media.AnchorSDP(body, netip.AddrFrom4([4]byte{192, 0, 2, 1}), 9, nil)
	if err != nil {
		return media.Remote{}, err
	}
	return remote, nil
}

// movePhone points the bridge at the phone's new RTP and RTCP addresses
// (re-INVITE, hold, resume, a later 183/200).
func (c *call) movePhone(remote media.Remote) {
	c.bridge.SetPhoneRemote(remote.RTP)
	c.bridge.SetPhoneRTCP(remote.RTCP)
}

// matchBrowserPT finds the browser's payload types for the formats the
// phone chose (SIPOfferCodecs kept the browser's numbers).
func matchBrowserPT(offered []media.Codec, audio media.Codec, dtmf *media.Codec) (media.Codec, *media.Codec) {
	same := func(a, b media.Codec) bool { return equalFold(a.Name, b.Name) && a.Clock == b.Clock }
	out := audio
	for _, c := range offered {
		if same(c, audio) {
			out = c
			break
		}
	}
	if dtmf == nil {
		return out, nil
	}
	d := *dtmf
	for _, c := range offered {
		if same(c, *dtmf) {
			d = c
			break
		}
	}
	return out, &d
}

func optCodec(c *media.Codec) []media.Codec {
	if c == nil {
		return nil
	}
	return []media.Codec{*c}
}

func equalFold(a, b string) bool { return len(a) == len(b) && bytes.EqualFold([]byte(a), []byte(b)) }
