package browserleg

import (
	"strings"
	"testing"
)

// chromeOffer is an audio offer as Chromium sends it (GUIDE §3), with
// candidates of every kind inline.
const chromeOffer = "v=0\r\n" +
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
	"s=-\r\n" +
	"t=0 0\r\n" +
	"a=group:BUNDLE 0\r\n" +
	"a=extmap-allow-mixed\r\n" +
	"a=msid-semantic: WMS stream\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host generation 0\r\n" +
	"a=candidate:2 1 udp 2122262783 2001:db8::10 54401 typ host generation 0\r\n" +
	"a=candidate:3 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active generation 0\r\n" +
	"a=candidate:4 1 udp 2122260223 4f1c0b7e-2a3b-4c5d-9e8f-0a1b2c3d4e5f.local 54402 typ host generation 0\r\n" +
	"a=candidate:5 1 udp 1686052607 198.51.100.7 54400 typ srflx raddr 192.0.2.10 rport 54400 generation 0\r\n" +
	"a=ice-ufrag:Xq1v\r\n" +
	"a=ice-pwd:0123456789abcdefghijklmn\r\n" +
	"a=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9\r\n" +
	"a=setup:actpass\r\n" +
	"a=mid:0\r\n" +
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
	"a=sendrecv\r\n" +
	"a=msid:stream track\r\n" +
	"a=rtcp-mux\r\n" +
	"a=rtcp-rsize\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n" +
	"a=rtcp-fb:111 transport-cc\r\n" +
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
	"a=rtpmap:63 red/48000/2\r\n" +
	"a=fmtp:63 111/111\r\n" +
	"a=rtpmap:9 G722/8000\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:13 CN/8000\r\n" +
	"a=rtpmap:110 telephone-event/48000\r\n" +
	"a=rtpmap:126 telephone-event/8000\r\n" +
	"a=ssrc:3735928559 cname:abcd\r\n"

func TestParseSDP(t *testing.T) {
	info, err := parseSDP(chromeOffer)
	if err != nil {
		t.Fatal(err)
	}
	if info.mid != "0" || info.setup != "actpass" || info.ufrag != "Xq1v" || info.dir != dirSendrecv || !info.rtcpMux || info.bundle != "BUNDLE 0" {
		t.Errorf("info %+v", info)
	}
	if len(info.codecs) != 8 {
		t.Fatalf("codecs %+v", info.codecs)
	}
	opus := info.codecs[0]
	if opus.Name != "opus" || opus.Clock != 48000 || opus.Channels != 2 || opus.Fmtp != "minptime=10;useinbandfec=1" {
		t.Errorf("opus %+v", opus)
	}
	codec, dtmf, ok := mainCodec(info.codecs)
	if !ok || codec.Name != "opus" || dtmf == nil || dtmf.PT != 110 {
		t.Errorf("main %+v dtmf %+v", codec, dtmf)
	}

	// Static payload types without rtpmap; session-level direction.
	plain := "v=0\r\ns=-\r\na=sendonly\r\nm=audio 4000 RTP/AVP 0 8 96\r\n"
	info, err = parseSDP(plain)
	if err != nil {
		t.Fatal(err)
	}
	if info.dir != dirSendonly || len(info.codecs) != 2 || info.codecs[1].Name != "PCMA" {
		t.Errorf("plain %+v", info)
	}
	for _, bad := range []string{"", "v=0\r\nm=video 9 RTP/AVP 96\r\n", "v=0\r\nm=audio 0 RTP/AVP 0\r\n", "m=audio 9 RTP/AVP 0 x\r\n"} {
		if _, err := parseSDP(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestFilterCandidates(t *testing.T) {
	out := filterCandidates(chromeOffer)
	var kept []string
	for _, l := range sdpLines(out) {
		if strings.HasPrefix(l, "a=candidate:") {
			kept = append(kept, strings.Fields(l)[0])
		}
	}
	if strings.Join(kept, ",") != "a=candidate:1,a=candidate:5" {
		t.Errorf("kept %v, want the UDP IPv4 ones", kept)
	}
	if !strings.HasSuffix(out, "\r\n") || strings.Count(out, "\r\n") != strings.Count(chromeOffer, "\r\n")-3 {
		t.Error("lines lost or line endings changed")
	}
}

func TestWithDirection(t *testing.T) {
	for _, d := range []direction{dirSendrecv, dirSendonly, dirRecvonly, dirInactive} {
		out := withDirection(chromeOffer, d)
		info, err := parseSDP(out)
		if err != nil {
			t.Fatal(err)
		}
		if info.dir != d || strings.Count(out, "a="+d.String()+"\r\n") != 1 {
			t.Errorf("%v: got %v", d, info.dir)
		}
	}
	// A section without a direction gets one.
	out := withDirection("v=0\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n", dirInactive)
	if !strings.HasSuffix(out, "a=inactive\r\n") {
		t.Errorf("%q", out)
	}
}

func TestDirection(t *testing.T) {
	cases := []struct {
		d, rev direction
	}{{dirSendrecv, dirSendrecv}, {dirSendonly, dirRecvonly}, {dirRecvonly, dirSendonly}, {dirInactive, dirInactive}}
	for _, c := range cases {
		if c.d.reverse() != c.rev {
			t.Errorf("%v reversed = %v", c.d, c.d.reverse())
		}
		p, err := parseDirection(c.d.String())
		if err != nil || p != c.d {
			t.Errorf("round trip %v: %v %v", c.d, p, err)
		}
	}
	// Answering a sendonly offer while we want sendrecv: recvonly.
	if got := dirSendonly.reverse() & dirSendrecv; got != dirRecvonly {
		t.Errorf("answer to sendonly = %v", got)
	}
	if _, err := parseDirection("hold"); err == nil {
		t.Error("parsed hold")
	}
}

func TestRTPCandidatesOnly(t *testing.T) {
	in := "a=candidate:1 1 udp 1 10.0.0.1 5000 typ host\r\na=candidate:1 2 udp 1 10.0.0.1 5000 typ host\r\na=end-of-candidates\r\n"
	if got := rtpCandidatesOnly(in); got != "a=candidate:1 1 udp 1 10.0.0.1 5000 typ host\r\na=end-of-candidates\r\n" {
		t.Errorf("%q", got)
	}
}

// FuzzParseSDP: browser descriptions are network input.
func FuzzParseSDP(f *testing.F) {
	f.Add(chromeOffer)
	f.Add("v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000/1\r\na=inactive\r\n")
	f.Add("m=audio 9 x 127\na=rtpmap:127 a/1/0\na=fmtp:127\n")
	f.Fuzz(func(t *testing.T, s string) {
		info, err := parseSDP(s)
		if err == nil {
			for _, c := range info.codecs {
				if c.PT > 127 || c.Clock == 0 {
					t.Fatalf("bad codec %+v", c)
				}
			}
		}
		out := filterCandidates(s)
		for _, l := range sdpLines(out) {
			if v, ok := strings.CutPrefix(l, "a=candidate:"); ok && !usableCandidate(v) {
				t.Fatalf("kept %q", l)
			}
		}
		if filterCandidates(out) != out {
			t.Fatal("filterCandidates not idempotent")
		}
		w := withDirection(s, dirRecvonly)
		if withDirection(w, dirRecvonly) != w {
			t.Fatal("withDirection not idempotent")
		}
		if info2, err := parseSDP(w); err == nil && info2.dir != dirRecvonly {
			t.Fatalf("direction %v after withDirection", info2.dir)
		}
	})
}
