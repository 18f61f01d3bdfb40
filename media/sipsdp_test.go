package media

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

const sipsdpDir = "testdata/sipsdp"

var (
	sipsdpAddr = netip.MustParseAddr("203.0.113.9")
	sipsdpPort = 41000
)

// sipsdpKind says what a golden input is and so which steps run on it.
type sipsdpKind int

const (
	// sipsdpBrowserOffer: ParseAudioMedia, SIPOfferCodecs, BuildSIPSDP of the
	// offer callgate sends the SIP peer.
	sipsdpBrowserOffer sipsdpKind = iota
	// sipsdpPhoneAnswer: ParseAudioMedia, SelectAnswer restricted to what was
	// offered to the phone (SIPOfferCodecs of the case's browser offer).
	sipsdpPhoneAnswer
	// sipsdpPhoneOffer: ParseAudioMedia, SelectAnswer without restriction and
	// restricted to the Chrome offer's codecs, BuildSIPSDP of the answer.
	sipsdpPhoneOffer
)

// sipsdpCases lists every input in testdata/sipsdp; offer names the
// browser offer a phone answer responds to.
var sipsdpCases = map[string]struct {
	kind  sipsdpKind
	offer string
}{
	"chrome_offer":            {kind: sipsdpBrowserOffer},
	"firefox_offer":           {kind: sipsdpBrowserOffer},
	"browser_opus_only_offer": {kind: sipsdpBrowserOffer},
	"answer_pcma_only":        {kind: sipsdpPhoneAnswer, offer: "chrome_offer"},
	"answer_pcmu_101":         {kind: sipsdpPhoneAnswer, offer: "firefox_offer"},
	"answer_g722_te":          {kind: sipsdpPhoneAnswer, offer: "chrome_offer"},
	"answer_unoffered_g729":   {kind: sipsdpPhoneAnswer, offer: "chrome_offer"},
	"answer_g729_then_pcmu":   {kind: sipsdpPhoneAnswer, offer: "chrome_offer"},
	"phone_offer_static":      {kind: sipsdpPhoneOffer},
	"phone_offer_sendonly":    {kind: sipsdpPhoneOffer},
	"phone_offer_inactive":    {kind: sipsdpPhoneOffer},
	"phone_offer_g729_only":   {kind: sipsdpPhoneOffer},
	"phone_offer_te_clock":    {kind: sipsdpPhoneOffer},
}

// sipsdpInput reads testdata/sipsdp/<name>.sdp.
func sipsdpInput(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sipsdpDir, name+".sdp"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sipsdpParse parses testdata/sipsdp/<name>.sdp.
func sipsdpParse(t testing.TB, name string) AudioMedia {
	t.Helper()
	am, err := ParseAudioMedia(sipsdpInput(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return am
}

// sipsdpFmtCodec renders one codec for golden files.
func sipsdpFmtCodec(c Codec) string {
	s := fmt.Sprintf("%d %s/%d", c.PT, c.Name, c.Clock)
	if c.Channels != 0 {
		s += "/" + strconv.Itoa(int(c.Channels))
	}
	if c.Fmtp != "" {
		s += fmt.Sprintf(" fmtp %q", c.Fmtp)
	}
	return s
}

func sipsdpWriteCodecs(b *bytes.Buffer, cs []Codec) {
	for _, c := range cs {
		fmt.Fprintf(b, "  %s\n", sipsdpFmtCodec(c))
	}
}

func sipsdpWriteSelection(b *bytes.Buffer, audio Codec, dtmf *Codec, err error) {
	if err != nil {
		fmt.Fprintf(b, "error: %v\n", err)
		return
	}
	fmt.Fprintf(b, "audio: %s\n", sipsdpFmtCodec(audio))
	if dtmf == nil {
		b.WriteString("dtmf: none\n")
	} else {
		fmt.Fprintf(b, "dtmf: %s\n", sipsdpFmtCodec(*dtmf))
	}
}

// sipsdpRun renders the golden text for one input and checks the
// properties every built body has.
func sipsdpRun(t *testing.T, name string) []byte {
	t.Helper()
	tc := sipsdpCases[name]
	var b bytes.Buffer
	am, err := ParseAudioMedia(sipsdpInput(t, name))
	if err != nil {
		fmt.Fprintf(&b, "# ParseAudioMedia\nerror: %v\n", err)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "# ParseAudioMedia\ndirection: %s\nptime: %d\ncodecs:\n", am.Direction, am.Ptime)
	sipsdpWriteCodecs(&b, am.Codecs)
	origin := &Origin{SessionID: 7000}
	switch tc.kind {
	case sipsdpBrowserOffer:
		b.WriteString("# SIPOfferCodecs\n")
		offer, err := SIPOfferCodecs(am.Codecs)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			if !errors.Is(err, ErrNoCommonCodec) {
				t.Errorf("error %v does not wrap ErrNoCommonCodec", err)
			}
			return b.Bytes()
		}
		sipsdpWriteCodecs(&b, offer)
		out := BuildSIPSDP(sipsdpAddr, sipsdpPort, offer, am.Direction, origin)
		fmt.Fprintf(&b, "# BuildSIPSDP %s\n", netip.AddrPortFrom(sipsdpAddr, uint16(sipsdpPort)))
		b.Write(out)
		sipsdpCheck(t, out, offer, am.Direction)
	case sipsdpPhoneAnswer:
		offer, err := SIPOfferCodecs(sipsdpParse(t, tc.offer).Codecs)
		if err != nil {
			t.Fatalf("offer %s: %v", tc.offer, err)
		}
		fmt.Fprintf(&b, "# SelectAnswer (allowed: SIPOfferCodecs of %s)\n", tc.offer)
		audio, dtmf, err := SelectAnswer(am.Codecs, offer)
		sipsdpWriteSelection(&b, audio, dtmf, err)
	case sipsdpPhoneOffer:
		b.WriteString("# SelectAnswer (allowed: any passthrough codec)\n")
		audio, dtmf, err := SelectAnswer(am.Codecs, nil)
		sipsdpWriteSelection(&b, audio, dtmf, err)
		b.WriteString("# SelectAnswer (allowed: chrome_offer)\n")
		audio, dtmf, err = SelectAnswer(am.Codecs, sipsdpParse(t, "chrome_offer").Codecs)
		sipsdpWriteSelection(&b, audio, dtmf, err)
		if err != nil {
			return b.Bytes()
		}
		answer := []Codec{audio}
		if dtmf != nil {
			answer = append(answer, *dtmf)
		}
		dir := AnswerDirection(am.Direction)
		out := BuildSIPSDP(sipsdpAddr, sipsdpPort, answer, dir, origin)
		fmt.Fprintf(&b, "# BuildSIPSDP answer %s\n", netip.AddrPortFrom(sipsdpAddr, uint16(sipsdpPort)))
		b.Write(out)
		sipsdpCheck(t, out, answer, dir)
	}
	return b.Bytes()
}

// sipsdpCheck asserts properties of a body built by BuildSIPSDP for a SIP
// peer: CRLF lines, plain RTP/AVP without any WebRTC attribute, and
// codecs and direction that read back unchanged.
func sipsdpCheck(t *testing.T, out []byte, codecs []Codec, dir string) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) || bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) {
		t.Error("output does not use CRLF line endings throughout")
	}
	for _, banned := range []string{"a=candidate", "a=ice-", "a=fingerprint", "a=setup", "a=rtcp-mux", "BUNDLE", "SAVP", "a=crypto", "a=mid", "a=ssrc", "a=extmap"} {
		if bytes.Contains(out, []byte(banned)) {
			t.Errorf("output contains %q", banned)
		}
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(out); err != nil {
		t.Fatalf("pion cannot parse the output: %v", err)
	}
	if len(sd.MediaDescriptions) != 1 || strings.Join(sd.MediaDescriptions[0].MediaName.Protos, "/") != "RTP/AVP" {
		t.Errorf("want one RTP/AVP m-line, got %+v", sd.MediaDescriptions)
	}
	am, err := ParseAudioMedia(out)
	if err != nil {
		t.Fatalf("output does not read back: %v", err)
	}
	if want := sipsdpDirOrDefault(dir); am.Direction != want {
		t.Errorf("direction read back %q, want %q", am.Direction, want)
	}
	if am.Ptime != 20 {
		t.Errorf("ptime read back %d", am.Ptime)
	}
	if !sipsdpSameCodecs(am.Codecs, codecs) {
		t.Errorf("codecs read back\n%v\nwant\n%v", am.Codecs, codecs)
	}
}

// sipsdpDirOrDefault maps "" to sendrecv.
func sipsdpDirOrDefault(d string) string {
	if d == "" {
		return DirSendRecv
	}
	return d
}

// sipsdpSameCodecs compares codec lists by payload type, format and fmtp.
func sipsdpSameCodecs(a, b []Codec) bool {
	return slices.EqualFunc(a, b, func(x, y Codec) bool {
		return x.PT == y.PT && sameFormat(x, y) && x.Fmtp == y.Fmtp
	})
}

func TestSIPSDPGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(sipsdpDir, "*.sdp"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".sdp")
		if _, ok := sipsdpCases[name]; !ok {
			t.Errorf("%s has no entry in sipsdpCases", in)
			continue
		}
		t.Run(name, func(t *testing.T) {
			got := sipsdpRun(t, name)
			golden := filepath.Join(sipsdpDir, name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
	for name := range sipsdpCases {
		if !slices.Contains(inputs, filepath.Join(sipsdpDir, name+".sdp")) {
			t.Errorf("case %s has no input file", name)
		}
	}
}

// Key facts of the golden cases, asserted directly so that a careless
// -update cannot bless a regression.
func TestSIPSDPGoldenFacts(t *testing.T) {
	chrome := sipsdpParse(t, "chrome_offer")
	wantChrome := []Codec{
		{PT: 111, Name: "opus", Clock: 48000, Channels: 2, Fmtp: "minptime=10;useinbandfec=1"},
		{PT: 63, Name: "red", Clock: 48000, Channels: 2, Fmtp: "111/111"},
		{PT: 9, Name: "G722", Clock: 8000},
		{PT: 0, Name: "PCMU", Clock: 8000},
		{PT: 8, Name: "PCMA", Clock: 8000},
		{PT: 13, Name: "CN", Clock: 8000},
		{PT: 110, Name: "telephone-event", Clock: 48000},
		{PT: 126, Name: "telephone-event", Clock: 8000},
	}
	if !slices.Equal(chrome.Codecs, wantChrome) || chrome.Direction != DirSendRecv {
		t.Errorf("chrome offer parsed as %+v", chrome)
	}
	offer, err := SIPOfferCodecs(chrome.Codecs)
	if err != nil {
		t.Fatal(err)
	}
	wantOffer := []Codec{
		{PT: 9, Name: "G722", Clock: 8000},
		{PT: 0, Name: "PCMU", Clock: 8000},
		{PT: 8, Name: "PCMA", Clock: 8000},
		{PT: 126, Name: "telephone-event", Clock: 8000, Fmtp: "0-16"},
	}
	if !slices.Equal(offer, wantOffer) {
		t.Errorf("SIP offer for chrome = %v", offer)
	}
	out := string(BuildSIPSDP(sipsdpAddr, sipsdpPort, offer, "", &Origin{SessionID: 7000}))
	for _, line := range []string{
		"v=0\r\n", "o=callgate 7000 1 IN IP4 203.0.113.9\r\n", "s=-\r\n", "c=IN IP4 203.0.113.9\r\n", "t=0 0\r\n",
		"m=audio 41000 RTP/AVP 9 0 8 126\r\n", "a=rtpmap:9 G722/8000\r\n", "a=rtpmap:0 PCMU/8000\r\n",
		"a=rtpmap:8 PCMA/8000\r\n", "a=rtpmap:126 telephone-event/8000\r\n", "a=fmtp:126 0-16\r\n",
		"a=ptime:20\r\n", "a=sendrecv\r\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("SIP offer lacks %q:\n%s", line, out)
		}
	}

	ff, err := SIPOfferCodecs(sipsdpParse(t, "firefox_offer").Codecs)
	if err != nil {
		t.Fatal(err)
	}
	if got := CodecNames(ff); got != "9 G722/8000, 0 PCMU/8000, 8 PCMA/8000, 101 telephone-event/8000" {
		t.Errorf("SIP offer for firefox = %s", got)
	}

	_, _, err = SelectAnswer(sipsdpParse(t, "answer_unoffered_g729").Codecs, offer)
	if !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("unoffered G729 answer: err %v", err)
	}
	audio, dtmf, err := SelectAnswer(sipsdpParse(t, "answer_g722_te").Codecs, offer)
	if err != nil || audio.Name != "G722" || dtmf == nil || dtmf.PT != 126 {
		t.Errorf("G722 answer: %v %v %v", audio, dtmf, err)
	}
	static := sipsdpParse(t, "phone_offer_static")
	if got := CodecNames(static.Codecs); got != "0 PCMU/8000, 8 PCMA/8000, 9 G722/8000, 18 G729/8000, 3 GSM/8000, 101 telephone-event/8000" {
		t.Errorf("static phone offer = %s", got)
	}
	if d := sipsdpParse(t, "phone_offer_inactive").Direction; d != DirInactive {
		t.Errorf("inactive offer direction %q", d)
	}
	if d := sipsdpParse(t, "phone_offer_sendonly").Direction; d != DirSendOnly {
		t.Errorf("sendonly offer direction %q", d)
	}
	audio, dtmf, err = SelectAnswer(sipsdpParse(t, "phone_offer_te_clock").Codecs, nil)
	if err != nil || audio.PT != 9 || dtmf == nil || dtmf.PT != 102 {
		t.Errorf("te clock offer: %v %v %v", audio, dtmf, err)
	}
}

// sipsdpJoin joins lines with CRLF into an SDP body.
func sipsdpJoin(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// sipsdpHead is the session part used by the small bodies below.
var sipsdpHead = []string{"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"}

func sipsdpBody(lines ...string) []byte {
	return sipsdpJoin(append(slices.Clone(sipsdpHead), lines...)...)
}

func TestParseAudioMediaDirection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"default", []string{"m=audio 5000 RTP/AVP 0"}, DirSendRecv},
		{"media", []string{"m=audio 5000 RTP/AVP 0", "a=recvonly"}, DirRecvOnly},
		{"session", []string{"a=sendonly", "m=audio 5000 RTP/AVP 0"}, DirSendOnly},
		{"media over session", []string{"a=inactive", "m=audio 5000 RTP/AVP 0", "a=sendrecv"}, DirSendRecv},
		{"other stream's direction ignored", []string{"m=audio 5000 RTP/AVP 0", "m=audio 5002 RTP/AVP 0", "a=inactive"}, DirSendRecv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			codecs, dir, err := ParseCodecs(sipsdpBody(tc.lines...))
			if err != nil {
				t.Fatal(err)
			}
			if dir != tc.want || len(codecs) != 1 {
				t.Errorf("dir %q codecs %v, want %q", dir, codecs, tc.want)
			}
		})
	}
}

func TestParseAudioMediaFormats(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  string // codecNames of the result
		ptime int
	}{
		{"static without rtpmap", []string{"m=audio 5000 RTP/AVP 0 8 9 18 3 13 4"},
			"0 PCMU/8000, 8 PCMA/8000, 9 G722/8000, 18 G729/8000, 3 GSM/8000, 13 CN/8000, 4 G723/8000", 0},
		{"rtpmap overrides static", []string{"m=audio 5000 RTP/AVP 9", "a=rtpmap:9 G722/8000/1"}, "9 G722/8000", 0},
		{"dynamic without rtpmap", []string{"m=audio 5000 RTP/AVP 96 0"}, "96 ?/0, 0 PCMU/8000", 0},
		{"repeated payload type", []string{"m=audio 5000 RTP/AVP 0 8 0"}, "0 PCMU/8000, 8 PCMA/8000", 0},
		{"first rtpmap wins", []string{"m=audio 5000 RTP/AVP 97", "a=rtpmap:97 iLBC/8000", "a=rtpmap:97 speex/8000"}, "97 iLBC/8000", 0},
		{"malformed rtpmaps ignored", []string{"m=audio 5000 RTP/AVP 97 98 99 100 0",
			"a=rtpmap:97 iLBC", "a=rtpmap:98 /8000", "a=rtpmap:99 x/0", "a=rtpmap:100 x/8000/0", "a=rtpmap:0", "a=rtpmap:0 PCMU/eight"},
			"97 ?/0, 98 ?/0, 99 ?/0, 100 ?/0, 0 PCMU/8000", 0},
		{"rtpmap for absent payload type", []string{"m=audio 5000 RTP/AVP 0", "a=rtpmap:101 telephone-event/8000"}, "0 PCMU/8000", 0},
		{"lower case name kept", []string{"m=audio 5000 RTP/AVP 96", "a=rtpmap:96 pcmu/8000"}, "96 pcmu/8000", 0},
		{"ptime", []string{"m=audio 5000 RTP/AVP 0", "a=ptime:30"}, "0 PCMU/8000", 30},
		{"ptime fraction", []string{"m=audio 5000 RTP/AVP 0", "a=ptime:20.0"}, "0 PCMU/8000", 20},
		{"ptime session level", []string{"a=ptime:40", "m=audio 5000 RTP/AVP 0"}, "0 PCMU/8000", 40},
		{"ptime garbage", []string{"m=audio 5000 RTP/AVP 0", "a=ptime:NaN"}, "0 PCMU/8000", 0},
		{"ptime zero", []string{"m=audio 5000 RTP/AVP 0", "a=ptime:0"}, "0 PCMU/8000", 0},
		{"rejected stream skipped", []string{"m=audio 0 RTP/AVP 8", "m=video 5002 RTP/AVP 96", "a=rtpmap:96 VP8/90000", "m=audio 5004 RTP/AVP 0"}, "0 PCMU/8000", 0},
		{"SAVP profile", []string{"m=audio 5000 RTP/SAVP 0"}, "0 PCMU/8000", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			am, err := ParseAudioMedia(sipsdpBody(tc.lines...))
			if err != nil {
				t.Fatal(err)
			}
			if got := CodecNames(am.Codecs); got != tc.want {
				t.Errorf("codecs %s, want %s", got, tc.want)
			}
			if am.Ptime != tc.ptime {
				t.Errorf("ptime %d, want %d", am.Ptime, tc.ptime)
			}
		})
	}
}

func TestParseAudioMediaFmtp(t *testing.T) {
	am, err := ParseAudioMedia(sipsdpBody("m=audio 5000 RTP/AVP 18 101 96",
		"a=fmtp:101  0-15 ", "a=rtpmap:101 telephone-event/8000", "a=fmtp:18 annexb=no", "a=fmtp:18 annexb=yes",
		"a=fmtp:96", "a=fmtp:77 x=1", "a=rtpmap:96 opus/48000/2"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Codec{
		{PT: 18, Name: "G729", Clock: 8000, Fmtp: "annexb=no"},
		{PT: 101, Name: "telephone-event", Clock: 8000, Fmtp: "0-15"},
		{PT: 96, Name: "opus", Clock: 48000, Channels: 2},
	}
	if !slices.Equal(am.Codecs, want) {
		t.Errorf("got %+v", am.Codecs)
	}
}

func TestParseAudioMediaErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		body []byte
		want error
	}{
		{"empty", nil, ErrBadSDP},
		{"garbage", []byte("hello\r\n"), ErrBadSDP},
		{"version", []byte("v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n"), ErrBadSDP},
		{"bare CR", []byte("v=0\ro=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"), ErrBadSDP},
		{"too big", append(sipsdpBody("m=audio 5000 RTP/AVP 0"), bytes.Repeat([]byte("a=x\r\n"), MaxSDPSize/5)...), ErrBadSDP},
		{"format not a number", sipsdpBody("m=audio 5000 RTP/AVP 0 PCMA"), ErrBadSDP},
		{"payload type 128", sipsdpBody("m=audio 5000 RTP/AVP 128"), ErrBadSDP},
		{"negative payload type", sipsdpBody("m=audio 5000 RTP/AVP -1"), ErrBadSDP},
		{"no audio", sipsdpBody("m=video 5000 RTP/AVP 96"), ErrNoAudio},
		{"no media", sipsdpBody(), ErrNoAudio},
		{"rejected audio only", sipsdpBody("m=audio 0 RTP/AVP 0"), ErrNoAudio},
		{"not RTP", sipsdpBody("m=audio 5000 UDP 0"), ErrUnsupportedTransport},
	} {
		t.Run(tc.name, func(t *testing.T) {
			codecs, dir, err := ParseCodecs(tc.body)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if codecs != nil || dir != "" {
				t.Errorf("results along with an error: %v %q", codecs, dir)
			}
		})
	}
}

func TestAnswerDirection(t *testing.T) {
	for offer, want := range map[string]string{
		"": DirSendRecv, DirSendRecv: DirSendRecv, DirSendOnly: DirRecvOnly,
		DirRecvOnly: DirSendOnly, DirInactive: DirInactive, "bogus": DirSendRecv,
	} {
		if got := AnswerDirection(offer); got != want {
			t.Errorf("AnswerDirection(%q) = %q, want %q", offer, got, want)
		}
	}
}

var sipsdpPCMUTE = []Codec{
	{PT: 0, Name: "PCMU", Clock: 8000},
	{PT: 101, Name: "telephone-event", Clock: 8000, Fmtp: "0-16"},
}

// sipsdpOriginLine returns the o= line of an SDP body.
func sipsdpOriginLine(t *testing.T, b []byte) string {
	t.Helper()
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "o=") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("no o= line in\n%s", b)
	return ""
}

func TestBuildSIPSDPOriginVersion(t *testing.T) {
	o := &Origin{SessionID: 99}
	first := BuildSIPSDP(sipsdpAddr, sipsdpPort, sipsdpPCMUTE, "", o)
	if got := sipsdpOriginLine(t, first); got != "o=callgate 99 1 IN IP4 203.0.113.9" {
		t.Errorf("first o= %q", got)
	}
	again := BuildSIPSDP(sipsdpAddr, sipsdpPort, sipsdpPCMUTE, DirSendRecv, o)
	if !bytes.Equal(first, again) {
		t.Errorf("unchanged body restamped:\n%s\n%s", first, again)
	}
	// RFC 3264 §8: each change bumps the version by one; the session id
	// stays. Enough changes to reach multi-digit versions.
	dirs := []string{DirSendOnly, DirSendRecv}
	for i := 2; i <= 12; i++ {
		out := BuildSIPSDP(sipsdpAddr, sipsdpPort, sipsdpPCMUTE, dirs[i%2], o)
		want := fmt.Sprintf("o=callgate 99 %d IN IP4 203.0.113.9", i)
		if got := sipsdpOriginLine(t, out); got != want {
			t.Fatalf("change %d: o= %q, want %q", i, got, want)
		}
		if o.Version() != uint64(i) {
			t.Fatalf("Version() = %d", o.Version())
		}
		sipsdpCheck(t, out, sipsdpPCMUTE, dirs[i%2])
	}
	// Hold with 0.0.0.0 is a change too.
	held := BuildSIPSDP(netip.IPv4Unspecified(), sipsdpPort, sipsdpPCMUTE, DirSendRecv, o)
	if got := sipsdpOriginLine(t, held); got != "o=callgate 99 13 IN IP4 0.0.0.0" {
		t.Errorf("hold o= %q", got)
	}

	// A fresh origin picks a random session id and starts at 1.
	var fresh Origin
	out := BuildSIPSDP(sipsdpAddr, sipsdpPort, sipsdpPCMUTE, "", &fresh)
	f := strings.Fields(sipsdpOriginLine(t, out))
	if len(f) != 6 || f[1] == "0" || f[2] != "1" {
		t.Errorf("fresh origin: %q", f)
	}
	out2 := BuildSIPSDP(sipsdpAddr, sipsdpPort, sipsdpPCMUTE, "", nil)
	if f := strings.Fields(sipsdpOriginLine(t, out2)); len(f) != 6 || f[0] != "o=callgate" || f[2] != "1" {
		t.Errorf("nil origin: %q", f)
	}
	bad := BuildSIPSDP(sipsdpAddr, sipsdpPort, sipsdpPCMUTE, "", &Origin{Username: "a b", SessionID: 5})
	if got := sipsdpOriginLine(t, bad); got != "o=callgate 5 1 IN IP4 203.0.113.9" {
		t.Errorf("username with space: %q", got)
	}
}

func TestBuildSIPSDPAddresses(t *testing.T) {
	for _, tc := range []struct {
		addr netip.Addr
		want string
	}{
		{netip.IPv4Unspecified(), "IN IP4 0.0.0.0"},
		{netip.IPv6Unspecified(), "IN IP6 ::"},
		{netip.MustParseAddr("2001:db8::5"), "IN IP6 2001:db8::5"},
		{netip.MustParseAddr("fe80::1%eth0"), "IN IP6 fe80::1"},
		{netip.MustParseAddr("::ffff:192.0.2.7"), "IN IP4 192.0.2.7"},
		{netip.Addr{}, "IN IP4 0.0.0.0"},
	} {
		out := BuildSIPSDP(tc.addr, sipsdpPort, sipsdpPCMUTE, DirSendOnly, &Origin{SessionID: 1})
		if !bytes.Contains(out, []byte("\r\nc="+tc.want+"\r\n")) || !bytes.Contains(out, []byte(" 1 1 "+tc.want+"\r\n")) {
			t.Errorf("%v: want c= and o= with %q:\n%s", tc.addr, tc.want, out)
		}
		sipsdpCheck(t, out, sipsdpPCMUTE, DirSendOnly)
	}
}

func TestBuildSIPSDPCodecEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name   string
		port   int
		codecs []Codec
		dir    string
		want   []string // lines that must appear
		absent []string
	}{
		{name: "no codecs", port: 5000, want: []string{"m=audio 0 RTP/AVP 0\r\n"}, absent: []string{"a=rtpmap"}},
		{name: "port zero", port: 0, codecs: sipsdpPCMUTE, want: []string{"m=audio 0 RTP/AVP 0 101\r\n"}},
		{name: "port too high", port: 70000, codecs: sipsdpPCMUTE, want: []string{"m=audio 0 RTP/AVP 0 101\r\n"}},
		{name: "negative port", port: -4, codecs: sipsdpPCMUTE, want: []string{"m=audio 0 RTP/AVP 0 101\r\n"}},
		{name: "static filled in", port: 5000, codecs: []Codec{{PT: 8}, {PT: 9, Name: "g722"}},
			want: []string{"m=audio 5000 RTP/AVP 8 9\r\n", "a=rtpmap:8 PCMA/8000\r\n", "a=rtpmap:9 g722/8000\r\n"}},
		{name: "unnamed dynamic dropped", port: 5000, codecs: []Codec{{PT: 96}, {PT: 0, Name: "PCMU", Clock: 8000}},
			want: []string{"m=audio 5000 RTP/AVP 0\r\n"}, absent: []string{"96"}},
		{name: "static name mismatch without clock dropped", port: 5000, codecs: []Codec{{PT: 0, Name: "PCMA"}, {PT: 8, Name: "PCMA", Clock: 8000}},
			want: []string{"m=audio 5000 RTP/AVP 8\r\n"}},
		{name: "bad names dropped", port: 5000, codecs: []Codec{
			{PT: 96, Name: "a b", Clock: 8000}, {PT: 97, Name: "x/y", Clock: 8000}, {PT: 98, Name: "z\r\na=evil", Clock: 8000},
			{PT: 200, Name: "PCMU", Clock: 8000}, {PT: 0, Name: "PCMU", Clock: 8000}},
			want: []string{"m=audio 5000 RTP/AVP 0\r\n"}, absent: []string{"evil"}},
		{name: "bad fmtp dropped", port: 5000, codecs: []Codec{{PT: 101, Name: "telephone-event", Clock: 8000, Fmtp: "0-15\r\na=evil"}},
			want: []string{"a=rtpmap:101 telephone-event/8000\r\n"}, absent: []string{"fmtp", "evil"}},
		{name: "repeated payload type", port: 5000, codecs: []Codec{{PT: 0, Name: "PCMU", Clock: 8000}, {PT: 0, Name: "PCMA", Clock: 8000}},
			want: []string{"m=audio 5000 RTP/AVP 0\r\n", "a=rtpmap:0 PCMU/8000\r\n"}, absent: []string{"PCMA"}},
		{name: "stereo", port: 5000, codecs: []Codec{{PT: 96, Name: "opus", Clock: 48000, Channels: 2, Fmtp: " stereo=1 "}},
			want: []string{"a=rtpmap:96 opus/48000/2\r\n", "a=fmtp:96 stereo=1\r\n"}},
		{name: "unknown direction", port: 5000, codecs: sipsdpPCMUTE, dir: "bogus", want: []string{"a=sendrecv\r\n"}, absent: []string{"bogus"}},
		{name: "inactive", port: 5000, codecs: sipsdpPCMUTE, dir: DirInactive, want: []string{"a=inactive\r\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(BuildSIPSDP(sipsdpAddr, tc.port, tc.codecs, tc.dir, &Origin{SessionID: 3}))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in\n%s", w, out)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(out, a) {
					t.Errorf("unexpected %q in\n%s", a, out)
				}
			}
			var sd sdp.SessionDescription
			if err := sd.UnmarshalString(out); err != nil {
				t.Errorf("pion cannot parse the output: %v\n%s", err, out)
			}
		})
	}
}

func FuzzParseCodecs(f *testing.F) {
	for _, pattern := range []string{filepath.Join(sipsdpDir, "*.sdp"), "testdata/*.sdp"} {
		inputs, _ := filepath.Glob(pattern)
		for _, in := range inputs {
			b, err := os.ReadFile(in)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add(sipsdpBody("m=audio 5000 RTP/AVP 96 0", "a=rtpmap:96  x/1/1 ", "a=fmtp:0 \t", "a=ptime:1e3"))
	f.Fuzz(func(t *testing.T, b []byte) {
		codecs, dir, err := ParseCodecs(b)
		if err != nil {
			if codecs != nil || dir != "" {
				t.Fatal("results along with an error")
			}
			return
		}
		switch dir {
		case DirSendRecv, DirSendOnly, DirRecvOnly, DirInactive:
		default:
			t.Fatalf("direction %q", dir)
		}
		var seen [128]bool
		for _, c := range codecs {
			if c.PT > 127 || seen[c.PT] {
				t.Fatalf("bad or repeated payload type %d in %v", c.PT, codecs)
			}
			seen[c.PT] = true
		}
		// Whatever was parsed negotiates and renders without surprise,
		// and the SIP offer reads back unchanged.
		offer, err := SIPOfferCodecs(codecs)
		if err != nil {
			if !errors.Is(err, ErrNoCommonCodec) {
				t.Fatalf("SIPOfferCodecs: %v", err)
			}
			return
		}
		out := BuildSIPSDP(sipsdpAddr, sipsdpPort, offer, dir, &Origin{SessionID: 1})
		back, backDir, err := ParseCodecs(out)
		if err != nil {
			t.Fatalf("built body does not parse: %v\n%q", err, out)
		}
		if backDir != dir || !sipsdpSameCodecs(back, offer) {
			t.Fatalf("round trip changed\n%v %s\n%v %s", offer, dir, back, backDir)
		}
		audio, dtmf, err := SelectAnswer(back, codecs)
		if err != nil || !IsPassthrough(audio) || (dtmf != nil && !isTelephoneEvent(*dtmf)) {
			t.Fatalf("SelectAnswer on our own offer: %v %v %v", audio, dtmf, err)
		}
	})
}

func BenchmarkParseCodecs(b *testing.B) {
	in := sipsdpInput(b, "chrome_offer")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, _, err := ParseCodecs(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildSIPSDP(b *testing.B) {
	am := sipsdpParse(b, "chrome_offer")
	offer, err := SIPOfferCodecs(am.Codecs)
	if err != nil {
		b.Fatal(err)
	}
	o := &Origin{SessionID: 1}
	b.ReportAllocs()
	for b.Loop() {
		BuildSIPSDP(sipsdpAddr, sipsdpPort, offer, DirSendRecv, o)
	}
}
