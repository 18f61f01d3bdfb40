package media

import (
	"fmt"
	"strconv"
	"strings"
)

// Encoding names used in codec negotiation (RFC 3551 §4.5, RFC 4733 §2.5.1).
const (
	encPCMU           = "PCMU"
	encPCMA           = "PCMA"
	encG722           = "G722"
	encTelephoneEvent = "telephone-event"
)

// DefaultDTMFPayloadType is the payload type callgate offers a SIP peer
// for telephone-event when the browser did not name one. RFC 4733 §7.1
// registers no static number; 101 is what most phones use.
const DefaultDTMFPayloadType = 101

// dtmfEvents is the fmtp of the telephone-event format callgate offers:
// DTMF digits 0-9, *, #, A-D and flash (RFC 4733 §3.2, §7.1.1).
const dtmfEvents = "0-16"

// staticAudioPT describes the static audio payload types of RFC 3551 §6
// (Table 4), used when an m= line lists one without a=rtpmap. Channels 0
// means mono.
var staticAudioPT = [...]Codec{
	0:  {PT: 0, Name: "PCMU", Clock: 8000},
	3:  {PT: 3, Name: "GSM", Clock: 8000},
	4:  {PT: 4, Name: "G723", Clock: 8000},
	5:  {PT: 5, Name: "DVI4", Clock: 8000},
	6:  {PT: 6, Name: "DVI4", Clock: 16000},
	7:  {PT: 7, Name: "LPC", Clock: 8000},
	8:  {PT: 8, Name: "PCMA", Clock: 8000},
	9:  {PT: 9, Name: "G722", Clock: 8000},
	10: {PT: 10, Name: "L16", Clock: 44100, Channels: 2},
	11: {PT: 11, Name: "L16", Clock: 44100},
	12: {PT: 12, Name: "QCELP", Clock: 8000},
	13: {PT: 13, Name: "CN", Clock: 8000},
	14: {PT: 14, Name: "MPA", Clock: 90000},
	15: {PT: 15, Name: "G728", Clock: 8000},
	16: {PT: 16, Name: "DVI4", Clock: 11025},
	17: {PT: 17, Name: "DVI4", Clock: 22050},
	18: {PT: 18, Name: "G729", Clock: 8000},
}

// staticCodec returns the RFC 3551 §6 description of a static audio
// payload type, and false for a dynamic or unassigned one.
func staticCodec(pt uint8) (Codec, bool) {
	if int(pt) >= len(staticAudioPT) || staticAudioPT[pt].Name == "" {
		return Codec{}, false
	}
	return staticAudioPT[pt], true
}

// IsPassthrough reports whether c is an audio codec that browsers and
// phones both implement and that can therefore be relayed between them
// untouched: PCMU, PCMA (RFC 3551 §4.5.14) or G722 (RFC 3551 §4.5.2), each
// mono with the 8000 Hz RTP clock. Encoding names compare
// case-insensitively (RFC 4855 §3).
func IsPassthrough(c Codec) bool {
	if c.Clock != 8000 || c.Channels > 1 {
		return false
	}
	return strings.EqualFold(c.Name, encPCMU) ||
		strings.EqualFold(c.Name, encPCMA) ||
		strings.EqualFold(c.Name, encG722)
}

// isTelephoneEvent reports whether c is the RFC 4733 telephone-event format.
func isTelephoneEvent(c Codec) bool {
	return strings.EqualFold(c.Name, encTelephoneEvent)
}

// sameFormat reports whether a and b name the same media format: encoding
// name (case-insensitive, RFC 4855 §3), clock rate and channel count. The
// payload type is not compared, since an answerer may number a format
// differently from the offer (RFC 3264 §6.1).
func sameFormat(a, b Codec) bool {
	return strings.EqualFold(a.Name, b.Name) && a.Clock == b.Clock &&
		max(a.Channels, 1) == max(b.Channels, 1)
}

// hasFormat reports whether list holds a codec of the same format as c.
func hasFormat(list []Codec, c Codec) bool {
	for _, l := range list {
		if sameFormat(l, c) {
			return true
		}
	}
	return false
}

// SIPOfferCodecs returns the codecs callgate offers a SIP peer on behalf of
// a browser whose offer listed browser, when the call is relayed without
// transcoding: the browser's passthrough codecs (see IsPassthrough) in the
// browser's order and with the browser's payload types, so its RTP can be
// forwarded untouched, followed by telephone-event/8000 (RFC 4733 §7.1.1)
// with fmtp "0-16". Telephone-event keeps the browser's payload type for
// telephone-event/8000 when it offered one; otherwise it gets
// DefaultDTMFPayloadType, or the first dynamic payload type (RFC 3551 §3)
// the browser left unused if that one is taken, or is left out when none
// is free. Everything else (Opus, red, CN, telephone-event/48000, ...) is
// dropped: those cannot be relayed to a phone as they are.
//
// The error wraps ErrNoCommonCodec when the browser offered no passthrough
// codec.
func SIPOfferCodecs(browser []Codec) ([]Codec, error) {
	var out []Codec
	var usedPT [128]bool
	dtmfPT := -1
	for _, c := range browser {
		if c.PT > 127 {
			continue
		}
		if usedPT[c.PT] {
			// RFC 3264 §5.1: a payload type names one format per
			// m-line; keep the first.
			continue
		}
		usedPT[c.PT] = true
		switch {
		case IsPassthrough(c):
			out = append(out, c)
		case dtmfPT < 0 && isTelephoneEvent(c) && c.Clock == 8000:
			// RFC 4733 §2.5.1.2: the event clock must match the
			// passthrough codecs' clock, 8000.
			dtmfPT = int(c.PT)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: browser offers %s", ErrNoCommonCodec, CodecNames(browser))
	}
	if dtmfPT < 0 {
		dtmfPT = freeDynamicPT(&usedPT)
	}
	if dtmfPT >= 0 {
		out = append(out, Codec{PT: uint8(dtmfPT), Name: encTelephoneEvent, Clock: 8000, Fmtp: dtmfEvents})
	}
	return out, nil
}

// freeDynamicPT returns DefaultDTMFPayloadType if unused, else the lowest
// unused dynamic payload type (96-127, RFC 3551 §3), or -1.
func freeDynamicPT(used *[128]bool) int {
	if !used[DefaultDTMFPayloadType] {
		return DefaultDTMFPayloadType
	}
	for pt := 96; pt < 128; pt++ {
		if !used[pt] {
			return pt
		}
	}
	return -1
}

// SelectAnswer picks the audio codec to relay end to end from a SIP peer's
// codecs (its offer, or its answer to our offer) and the telephone-event
// format to go with it.
//
// The audio codec is the first of peer, in the peer's order of preference
// (RFC 3264 §6.1), that is a passthrough codec (see IsPassthrough) and,
// when allowed is not empty, matches a format in allowed by encoding name,
// clock rate and channels (payload types may differ, RFC 3264 §6.1). Pass
// as allowed what was offered to the peer, or what the other leg can
// receive: a peer answering with a codec that was never offered is then
// refused. An empty allowed admits every passthrough codec.
//
// dtmf is the peer's first telephone-event format with the audio codec's
// clock rate (RFC 4733 §2.5.1.2), also restricted to allowed when that is
// not empty, or nil when there is none. The returned codecs carry the
// peer's payload types and fmtp.
//
// The error wraps ErrNoCommonCodec when no codec qualifies.
func SelectAnswer(peer []Codec, allowed []Codec) (audio Codec, dtmf *Codec, err error) {
	for _, c := range peer {
		if !IsPassthrough(c) || (len(allowed) > 0 && !hasFormat(allowed, c)) {
			continue
		}
		for _, t := range peer {
			if isTelephoneEvent(t) && t.Clock == c.Clock && (len(allowed) == 0 || hasFormat(allowed, t)) {
				d := t
				dtmf = &d
				break
			}
		}
		return c, dtmf, nil
	}
	if len(allowed) > 0 {
		return Codec{}, nil, fmt.Errorf("%w: peer has %s, allowed %s", ErrNoCommonCodec, CodecNames(peer), CodecNames(allowed))
	}
	return Codec{}, nil, fmt.Errorf("%w: peer has %s", ErrNoCommonCodec, CodecNames(peer))
}

// CodecNames renders codecs as "PT name/clock" items for logs and error
// messages.
func CodecNames(cs []Codec) string {
	if len(cs) == 0 {
		return "no codecs"
	}
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(int(c.PT)))
		b.WriteByte(' ')
		if c.Name == "" {
			b.WriteByte('?')
		} else {
			q := strconv.Quote(c.Name)
			b.WriteString(q[1 : len(q)-1])
		}
		b.WriteByte('/')
		b.WriteString(strconv.FormatUint(uint64(c.Clock), 10))
		if c.Channels > 1 {
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(int(c.Channels)))
		}
	}
	return b.String()
}
