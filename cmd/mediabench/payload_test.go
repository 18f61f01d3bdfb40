package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestStampRoundTrip(t *testing.T) {
	p := make([]byte, payloadSize)
	fillSilence(p)
	stamp(p, 4711, 123456789*time.Nanosecond, true)
	call, sent, in, ok := readStamp(p)
	if !ok || call != 4711 || sent != 123456789 || !in {
		t.Fatalf("got %d %v %v %v", call, sent, in, ok)
	}
	stamp(p, 1, 5, false)
	if _, _, in, _ := readStamp(p); in {
		t.Fatal("window flag stuck")
	}
	if p[payloadSize-1] != ulawSilence {
		t.Fatal("payload tail is not silence")
	}
	for _, bad := range [][]byte{nil, p[:stampSize-1], bytes.Repeat([]byte{0xff}, payloadSize)} {
		if _, _, _, ok := readStamp(bad); ok {
			t.Fatalf("accepted %x", bad)
		}
	}
}

func TestRTPPayload(t *testing.T) {
	pl := []byte("payload")
	hdr := []byte{0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9}
	for _, c := range []struct {
		name string
		pkt  []byte
		ok   bool
	}{
		{"plain", append(append([]byte{}, hdr...), pl...), true},
		{"csrc", append(append([]byte{0x82, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9}, make([]byte, 8)...), pl...), true},
		{"extension", append(append([]byte{0x90, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9}, 0xbe, 0xde, 0, 1, 1, 2, 3, 4), pl...), true},
		{"padding", append(append(append([]byte{0xa0, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9}, pl...), 0, 0), 3), true},
		{"short", hdr[:11], false},
		{"version 1", append([]byte{0x40}, hdr[1:]...), false},
		{"extension cut", []byte{0x90, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, 0xbe}, false},
		{"padding too long", []byte{0xa0, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, 1, 40}, false},
	} {
		got, ok := rtpPayload(c.pkt)
		if ok != c.ok || (ok && !bytes.Equal(got, pl)) {
			t.Errorf("%s: %q %v", c.name, got, ok)
		}
	}
}

func TestRTPPacerAdvances(t *testing.T) {
	p := newRTPPacer(7, 0xabcdef)
	a := append([]byte(nil), p.next(false)...)
	b := p.next(true)
	if len(b) != rtpHeaderSize+payloadSize || b[0] != 0x80 || b[1] != pcmuPT {
		t.Fatalf("header %x", b[:2])
	}
	if seqA, seqB := uint16(a[2])<<8|uint16(a[3]), uint16(b[2])<<8|uint16(b[3]); seqB != seqA+1 {
		t.Fatalf("seq %d → %d", seqA, seqB)
	}
	pl, _ := rtpPayload(b)
	if call, _, in, ok := readStamp(pl); !ok || call != 7 || !in {
		t.Fatalf("stamp %d %v %v", call, in, ok)
	}
}

func BenchmarkRTPPacerNext(b *testing.B) {
	p := newRTPPacer(1, 1)
	b.ReportAllocs()
	for b.Loop() {
		_ = p.next(true)
	}
}

func TestParseSDPAudio(t *testing.T) {
	offer := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n" +
		"m=audio 30000 RTP/AVP 0 8 96\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\n" +
		"m=video 30002 RTP/AVP 97\r\na=rtpmap:97 telephone-event/8000\r\n"
	a, err := parseSDPAudio(offer)
	if err != nil {
		t.Fatal(err)
	}
	if a.dst != netip.MustParseAddrPort("127.0.0.1:30000") || a.pcmu != 0 || a.dtmf8k != 96 {
		t.Fatalf("%+v", a)
	}
	ans := phoneAnswerSDP(40000, a, 1)
	for _, want := range []string{"m=audio 40000 RTP/AVP 0 96\r\n", "a=rtpmap:96 telephone-event/8000\r\n", "c=IN IP4 127.0.0.1\r\n"} {
		if !strings.Contains(ans, want) {
			t.Fatalf("answer lacks %q:\n%s", want, ans)
		}
	}
	// Session-level address, static PCMU without rtpmap, no DTMF.
	a, err = parseSDPAudio("v=0\nc=IN IP4 127.0.0.9\nm=audio 5004 RTP/AVP 0\n")
	if err != nil || a.dst.String() != "127.0.0.9:5004" || a.pcmu != 0 || a.dtmf8k != -1 {
		t.Fatalf("%+v %v", a, err)
	}
	if strings.Contains(phoneAnswerSDP(1, a, 1), "telephone-event") {
		t.Fatal("answered DTMF that was not offered")
	}
	for _, bad := range []string{"", "v=0\nm=audio 5004 RTP/AVP 0\n", "c=IN IP4 x\nm=audio 1 RTP/AVP 0\n", "c=IN IP4 127.0.0.1\nm=audio x RTP/AVP 0\n"} {
		if _, err := parseSDPAudio(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzRTPPayload(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, 'm', 'b', 'c', 'h'})
	f.Add([]byte{0xb2, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 1, 1, 2, 3, 4, 9})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		pl, ok := rtpPayload(pkt)
		if ok && len(pl) > len(pkt) {
			t.Fatal("payload longer than packet")
		}
		_, _, _, _ = readStamp(pl)
	})
}

func FuzzParseSDPAudio(f *testing.F) {
	f.Add("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 30000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n")
	f.Add("c=IN IP4 127.0.0.1/127\nm=audio 65536 RTP/AVP x\n")
	f.Fuzz(func(t *testing.T, body string) {
		a, err := parseSDPAudio(body)
		if err == nil && !a.dst.IsValid() {
			t.Fatal("accepted without an address")
		}
	})
}
