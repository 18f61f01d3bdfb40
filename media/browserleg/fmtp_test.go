package browserleg

import (
	"strings"
	"testing"

	"github.com/callgate/callgate/media"
)

// TestWithOwnFmtp: our name=value parameters join the answer's a=fmtp
// line, or a new one, and nothing else changes.
func TestWithOwnFmtp(t *testing.T) {
	opus := media.Codec{PT: 111, Name: "opus", Clock: 48000, Channels: 2, Fmtp: "minptime=10;useinbandfec=1;maxplaybackrate=8000;sprop-maxcapturerate=8000"}
	te := media.Codec{PT: 110, Name: "telephone-event", Clock: 48000, Fmtp: "0-16"}
	head := "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109 101\r\n"
	for _, c := range []struct {
		name, in, want string
	}{
		{"merged into the offerer's line",
			head + "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 minptime=10;useinbandfec=1\r\na=rtpmap:101 telephone-event/48000\r\na=fmtp:101 0-15\r\n",
			head + "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 minptime=10;useinbandfec=1;maxplaybackrate=8000;sprop-maxcapturerate=8000\r\na=rtpmap:101 telephone-event/48000\r\na=fmtp:101 0-15\r\n"},
		{"a new line when the answer has none",
			head + "a=rtpmap:109 opus/48000/2\r\na=sendrecv\r\n",
			head + "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 minptime=10;useinbandfec=1;maxplaybackrate=8000;sprop-maxcapturerate=8000\r\na=sendrecv\r\n"},
		{"values the answer already gives are kept",
			head + "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 maxplaybackrate=16000;minptime=10;useinbandfec=1;sprop-maxcapturerate=8000\r\n",
			head + "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 maxplaybackrate=16000;minptime=10;useinbandfec=1;sprop-maxcapturerate=8000\r\n"},
	} {
		if got := withOwnFmtp(c.in, []media.Codec{opus, te}); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
	// Nothing of ours to add: the text is returned as it was.
	in := head + "a=rtpmap:0 PCMU/8000\n"
	if got := withOwnFmtp(in, []media.Codec{{PT: 0, Name: "PCMU", Clock: 8000}}); got != in {
		t.Errorf("unchanged SDP rewritten: %q", got)
	}
	if strings.Contains(withOwnFmtp(head+"a=rtpmap:101 telephone-event/48000\r\na=fmtp:101 0-15\r\n", []media.Codec{te}), "0-16") {
		t.Error("telephone-event's event list was merged")
	}
}
