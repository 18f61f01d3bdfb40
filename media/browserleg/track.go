package browserleg

import (
	"strings"
	"sync/atomic"

	"github.com/pion/webrtc/v4"
)

// binding is what pion gives the local track when the sender starts: the
// writer into the interceptor chain and SRTP, and the SSRC signalled for
// the leg.
type binding struct {
	w    webrtc.TrackLocalWriter
	ssrc uint32
}

// localTrack is the leg's outgoing audio. Unlike pion's static tracks it
// does not force one payload type on every packet, so telephone-event and
// the audio codec travel on the same stream (RFC 4733 §2.1).
type localTrack struct {
	id, stream string
	bound      atomic.Pointer[binding]
}

// Bind implements webrtc.TrackLocal: it accepts the first negotiated audio
// codec that is not telephone-event.
func (t *localTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	var chosen *webrtc.RTPCodecParameters
	for _, c := range ctx.CodecParameters() {
		if !strings.EqualFold(c.MimeType, "audio/"+telephoneEvent) {
			chosen = &c
			break
		}
	}
	if chosen == nil {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	t.bound.Store(&binding{w: ctx.WriteStream(), ssrc: uint32(ctx.SSRC())})
	return *chosen, nil
}

// Unbind implements webrtc.TrackLocal.
func (t *localTrack) Unbind(webrtc.TrackLocalContext) error {
	t.bound.Store(nil)
	return nil
}

// ID implements webrtc.TrackLocal.
func (t *localTrack) ID() string { return t.id }

// RID implements webrtc.TrackLocal; audio has no simulcast layers.
func (t *localTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal.
func (t *localTrack) StreamID() string { return t.stream }

// Kind implements webrtc.TrackLocal.
func (t *localTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }
