package media

import (
	"fmt"
	"strconv"

	"github.com/pion/sdp/v3"
)

// IsTelephoneEvent reports whether c is the RFC 4733 telephone-event
// format (DTMF events), which is not an audio codec of its own.
func IsTelephoneEvent(c Codec) bool { return isTelephoneEvent(c) }

// FilterCodecs returns body with the formats of its first active audio
// m-line reduced to those keep accepts, in their order, and the a=rtpmap
// and a=fmtp lines of dropped payload types removed (RFC 3264 §5.1: the
// offerer lists only formats it is willing to use). Other m-lines and
// attributes are untouched. The error wraps ErrNoCommonCodec when no audio
// codec is left (telephone-event alone is no codec), and the errors of
// ParseAudioMedia for a body it cannot read.
func FilterCodecs(body []byte, keep func(Codec) bool) ([]byte, error) {
	if err := precheckSDP(body); err != nil {
		return nil, err
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	md, err := activeAudio(&sd)
	if err != nil {
		return nil, err
	}
	codecs, err := parseFormats(md)
	if err != nil {
		return nil, err
	}
	var dropped [128]bool
	formats := make([]string, 0, len(codecs))
	audio := 0
	for _, c := range codecs {
		if !keep(c) {
			dropped[c.PT] = true
			continue
		}
		if !isTelephoneEvent(c) {
			audio++
		}
		formats = append(formats, strconv.Itoa(int(c.PT)))
	}
	if audio == 0 {
		return nil, fmt.Errorf("%w: none of %s is allowed", ErrNoCommonCodec, CodecNames(codecs))
	}
	md.MediaName.Formats = formats
	attrs := md.Attributes[:0]
	for _, a := range md.Attributes {
		if a.Key == "rtpmap" || a.Key == "fmtp" {
			if pt, _, ok := cutPT(a.Value); ok && dropped[pt] {
				continue
			}
		}
		attrs = append(attrs, a)
	}
	md.Attributes = attrs
	return marshalSDP(&sd)
}
