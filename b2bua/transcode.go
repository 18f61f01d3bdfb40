package b2bua

import (
	"fmt"
	"strings"

	"github.com/callgate/callgate/media"
)

// Transcoding for browser calls: a browser that shares no codec with what
// phones take (one that offers only Opus) is offered to the phone with
// the codecs callgate can transcode to, and the bridge transcodes between
// the browser's Opus and the phone's choice (GUIDE §4: only when there is
// no common codec).

// transcodeOffer is what callgate offers a phone on behalf of a browser it
// transcodes for: G.711 both laws, G.722, and telephone-event/8000 (RFC
// 4733 §7.1.1) with its usual number.
var transcodeOffer = []media.Codec{
	{PT: 0, Name: "PCMU", Clock: 8000, Channels: 1},
	{PT: 8, Name: "PCMA", Clock: 8000, Channels: 1},
	{PT: 9, Name: "G722", Clock: 8000, Channels: 1},
	{PT: media.DefaultDTMFPayloadType, Name: "telephone-event", Clock: 8000, Channels: 1, Fmtp: "0-16"},
}

// browserTranscodeCodecs finds the browser's Opus and, with it,
// telephone-event at Opus's clock (RFC 4733 §2.5.1.2); ok is false when
// the browser offered no Opus.
func browserTranscodeCodecs(browser []media.Codec) (audio media.Codec, dtmf *media.Codec, ok bool) {
	for _, c := range browser {
		if strings.EqualFold(c.Name, "opus") && c.Clock == 48000 {
			audio, ok = c, true
			break
		}
	}
	if !ok {
		return media.Codec{}, nil, false
	}
	for _, c := range browser {
		if strings.EqualFold(c.Name, "telephone-event") && c.Clock == 48000 {
			d := c
			return audio, &d, true
		}
	}
	return audio, nil, true
}

// opusForBrowser is what callgate offers a browser it transcodes for when
// it calls the browser: Opus as browsers name it (RFC 7587 §7), with
// telephone-event at Opus's clock (opusDTMF).
var opusForBrowser = media.Codec{PT: 111, Name: "opus", Clock: 48000, Channels: 2, Fmtp: "minptime=10;useinbandfec=1"}

// opusToward returns the browser's Opus c for a leg the bridge transcodes
// to phone's codec, with maxplaybackrate and sprop-maxcapturerate (RFC
// 7587 §6.1) at the phone codec's audio rate: nothing above it reaches the
// phone, and nothing above it comes from there. A browser then encodes
// only that band (Chrome derives its encoder's bandwidth from
// maxplaybackrate), which costs it fewer bits and callgate a cheaper
// decode.
func opusToward(c media.Codec, phone media.Codec) media.Codec {
	rate := phone.Clock
	if strings.EqualFold(phone.Name, "G722") {
		rate = 16000 // RFC 3551 §4.5.2: 16 kHz audio on an 8000 RTP clock
	}
	if rate <= 0 || rate >= 48000 {
		return c
	}
	var params []string
	for _, p := range strings.Split(c.Fmtp, ";") {
		k, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		if k == "" || strings.EqualFold(k, "maxplaybackrate") || strings.EqualFold(k, "sprop-maxcapturerate") {
			continue
		}
		params = append(params, strings.TrimSpace(p))
	}
	r := fmt.Sprint(rate)
	c.Fmtp = strings.Join(append(params, "maxplaybackrate="+r, "sprop-maxcapturerate="+r), ";")
	return c
}

// opusDTMF is telephone-event/48000 for Opus browser legs.
var opusDTMF = media.Codec{PT: 110, Name: "telephone-event", Clock: 48000, Channels: 1, Fmtp: "0-16"}

// phoneReofferCodecs picks, from a phone's re-offer, what callgate answers
// it with (RFC 3264 §6.1: a subset of the offer, the offerer's numbers):
// the browser leg's codec when the phone still offers it (payloads pass
// untouched), else the first codec of the phone's that callgate can
// transcode to, each with the phone's telephone-event/8000. A phone that
// offers neither gets 488.
func (c *call) phoneReofferCodecs(body []byte, browser []media.Codec) ([]media.Codec, error) {
	peer, _, err := media.ParseCodecs(body)
	if err != nil {
		return nil, err
	}
	cur := browser[0]
	pick := func(ok func(media.Codec) bool) []media.Codec {
		for _, p := range peer {
			if !ok(p) {
				continue
			}
			out := []media.Codec{p}
			for _, t := range peer {
				if strings.EqualFold(t.Name, "telephone-event") && t.Clock == 8000 {
					return append(out, t)
				}
			}
			return out
		}
		return nil
	}
	if got := pick(func(p media.Codec) bool { return strings.EqualFold(p.Name, cur.Name) && p.Clock == cur.Clock }); got != nil {
		return got, nil
	}
	if got := pick(func(p media.Codec) bool {
		for _, t := range transcodeOffer[:3] {
			if strings.EqualFold(p.Name, t.Name) && p.Clock == t.Clock {
				return true
			}
		}
		return false
	}); got != nil {
		return got, nil
	}
	return nil, fmt.Errorf("%w: phone re-offers %s", media.ErrNoCommonCodec, media.CodecNames(peer))
}
