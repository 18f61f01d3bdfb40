package browserleg

import (
	"strings"

	"github.com/pion/webrtc/v4"

	"github.com/callgate/callgate/media"
)

// telephoneEvent is the encoding name of RFC 4733 named events.
const telephoneEvent = "telephone-event"

// isDTMF reports whether c carries RFC 4733 telephone events.
func isDTMF(c media.Codec) bool { return strings.EqualFold(c.Name, telephoneEvent) }

// channelsOf normalises a channel count: 0 and 1 both mean mono
// (RFC 4566 §6, a=rtpmap encoding parameters default to 1).
func channelsOf(c media.Codec) uint16 {
	if c.Channels <= 1 {
		return 1
	}
	return c.Channels
}

// sameFormat reports whether a and b are the same payload format, ignoring
// payload type numbers and format parameters (RFC 3264 §6.1 matches
// formats by encoding name, clock rate and channels).
func sameFormat(a, b media.Codec) bool {
	return strings.EqualFold(a.Name, b.Name) && a.Clock == b.Clock && channelsOf(a) == channelsOf(b)
}

// pionCodec converts c for pion's MediaEngine. pion writes no channel
// count for mono formats when it is zero.
func pionCodec(c media.Codec) webrtc.RTPCodecParameters {
	ch := c.Channels
	if ch <= 1 {
		ch = 0
	}
	return webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType:    "audio/" + c.Name,
			ClockRate:   c.Clock,
			Channels:    ch,
			SDPFmtpLine: c.Fmtp,
		},
		PayloadType: webrtc.PayloadType(c.PT),
	}
}

// staticAudio lists the static audio payload types of RFC 3551 §6 that a
// browser may offer without an a=rtpmap line.
var staticAudio = map[uint8]media.Codec{
	0:  {PT: 0, Name: "PCMU", Clock: 8000, Channels: 1},
	3:  {PT: 3, Name: "GSM", Clock: 8000, Channels: 1},
	4:  {PT: 4, Name: "G723", Clock: 8000, Channels: 1},
	8:  {PT: 8, Name: "PCMA", Clock: 8000, Channels: 1},
	9:  {PT: 9, Name: "G722", Clock: 8000, Channels: 1},
	13: {PT: 13, Name: "CN", Clock: 8000, Channels: 1},
	18: {PT: 18, Name: "G729", Clock: 8000, Channels: 1},
}

// mainCodec returns the first codec of list that is not telephone-event
// and the telephone-event entry at the same clock rate, if any (RFC 4733
// §2.1: events share the audio stream's clock).
func mainCodec(list []media.Codec) (codec media.Codec, dtmf *media.Codec, ok bool) {
	for _, c := range list {
		if !isDTMF(c) {
			codec, ok = c, true
			break
		}
	}
	if !ok {
		return media.Codec{}, nil, false
	}
	for _, c := range list {
		if isDTMF(c) && c.Clock == codec.Clock {
			d := c
			return codec, &d, true
		}
	}
	return codec, nil, true
}
