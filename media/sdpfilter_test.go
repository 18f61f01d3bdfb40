package media

import (
	"errors"
	"strings"
	"testing"
)

const filterOffer = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
	"m=audio 4000 RTP/AVP 9 0 8 101\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n"

func TestFilterCodecs(t *testing.T) {
	onlyPCMA := func(c Codec) bool { return IsTelephoneEvent(c) || c.Name == "PCMA" }
	out, err := FilterCodecs([]byte(filterOffer), onlyPCMA)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "m=audio 4000 RTP/AVP 8 101\r\n") {
		t.Fatalf("m-line not filtered:\n%s", s)
	}
	for _, gone := range []string{"G722", "PCMU"} {
		if strings.Contains(s, gone) {
			t.Errorf("%s still listed:\n%s", gone, s)
		}
	}
	for _, kept := range []string{"a=rtpmap:8 PCMA/8000", "a=fmtp:101 0-16", "a=sendrecv", "c=IN IP4 192.0.2.1"} {
		if !strings.Contains(s, kept) {
			t.Errorf("%q lost:\n%s", kept, s)
		}
	}
	codecs, _, err := ParseCodecs(out)
	if err != nil || len(codecs) != 2 {
		t.Fatalf("filtered SDP reparsed to %v, %v", codecs, err)
	}
}

func TestFilterCodecsNothingLeft(t *testing.T) {
	_, err := FilterCodecs([]byte(filterOffer), func(c Codec) bool { return IsTelephoneEvent(c) })
	if !errors.Is(err, ErrNoCommonCodec) {
		t.Fatalf("err = %v, want ErrNoCommonCodec", err)
	}
	if _, err := FilterCodecs([]byte("garbage"), func(Codec) bool { return true }); !errors.Is(err, ErrBadSDP) {
		t.Fatalf("garbage: err = %v, want ErrBadSDP", err)
	}
}

func FuzzFilterCodecs(f *testing.F) {
	f.Add([]byte(filterOffer))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := FilterCodecs(body, func(c Codec) bool { return c.PT%2 == 0 })
		if err == nil {
			if _, _, err := ParseCodecs(out); err != nil {
				t.Fatalf("filtered body does not parse: %v", err)
			}
		}
	})
}
