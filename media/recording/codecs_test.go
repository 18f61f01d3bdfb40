package recording

import (
	"errors"
	"testing"

	"github.com/callgate/callgate/media/codec"
)

func TestSetCodecErrors(t *testing.T) {
	r := newTestRecorder(t, Config{Logger: quietLogger}, discardSink{})
	defer r.Close()
	for _, c := range []struct {
		ch    Channel
		pt    uint8
		name  string
		clock int
		want  error
	}{
		{Channel(2), 0, "PCMU", 8000, ErrInvalidChannel},
		{Channel(-1), 0, "PCMU", 8000, ErrInvalidChannel},
		{Caller, 128, "PCMU", 8000, ErrInvalidCodec},
		{Caller, 0, "PCMU", 16000, ErrInvalidCodec},
		{Caller, 111, "opus", 8000, ErrInvalidCodec},
		{Caller, 9, "G722", 16000, nil}, // RFC 3551 §4.5.2 quirk seen in SDP
		{Caller, 9, "G722", 0, nil},
		{Callee, 101, "telephone-event", 8000, nil},
		{Callee, 13, "CN", 8000, nil},
		{Callee, 18, "G729", 8000, nil},
	} {
		err := r.SetCodec(c.ch, c.pt, c.name, c.clock)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("SetCodec(%v, %d, %q, %d): %v, want %v", c.ch, c.pt, c.name, c.clock, err, c.want)
		}
	}
	if got := Channel(5).String(); got != "Channel(5)" {
		t.Errorf("String: %q", got)
	}
}

// TestIgnoredPayloadTypes: packets of payload types without a decoder,
// including one whose codec mapping was replaced by an ignored name, are
// counted and leave no audio.
func TestIgnoredPayloadTypes(t *testing.T) {
	w, r := record(t, 8000, func(r *Recorder) {
		if err := r.SetCodec(Caller, 0, "telephone-event", 8000); err != nil { // replaces PCMU
			t.Fatal(err)
		}
		s := newSender(t, codec.PCMU, 0, 440, 7, 0)
		for i := range 20 {
			put(t, r, Caller, s.next(), at(i))
		}
		r.RTPAt(Caller, []byte{1, 2, 3}, at(20))
		r.RTPAt(Channel(7), s.next(), at(21))
	})
	if st := r.Stats(Caller); st.Packets != 21 || st.Ignored != 20 || st.Malformed != 1 || st.Recorded != 0 {
		t.Errorf("stats %+v", st)
	}
	if w.frames() != 0 {
		t.Errorf("%d frames", w.frames())
	}
	if st := r.Stats(Channel(7)); st != (ChannelStats{}) {
		t.Errorf("invalid channel stats %+v", st)
	}
}

// TestDecodeErrors: an empty payload fails to decode and is counted.
func TestDecodeErrors(t *testing.T) {
	_, r := record(t, 8000, func(r *Recorder) {
		r.RTPAt(Caller, rtpPacket(0, 1, 0, 1, nil), t0)
		r.RTPAt(Caller, rtpPacket(0, 2, 160, 1, make([]byte, 100000)), t0)
	})
	if st := r.Stats(Caller); st.DecodeErrors != 2 || st.Recorded != 0 {
		t.Errorf("stats %+v", st)
	}
}
