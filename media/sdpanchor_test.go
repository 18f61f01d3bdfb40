package media

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

var (
	testAdv  = netip.MustParseAddr("203.0.113.5")
	testPort = 40000
)

// goldenText renders an AnchorSDP result for a golden file.
func goldenText(out []byte, rem Remote, err error) []byte {
	var b bytes.Buffer
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "remote.rtp: %v\nremote.rtcp: %v\nremote.direction: %s\nremote.hold: %v\nremote.rejected: %v\n--\n",
		rem.RTP, rem.RTCP, rem.Direction, rem.Hold, rem.Rejected)
	b.Write(out)
	return b.Bytes()
}

func TestAnchorSDPGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.sdp")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".sdp")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			origin := &Origin{SessionID: 4242}
			out, rem, err := AnchorSDP(body, testAdv, testPort, origin)
			got := goldenText(out, rem, err)
			golden := strings.TrimSuffix(in, ".sdp") + ".golden"
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
			if out == nil {
				return
			}
			checkAnchoredOutput(t, out)
		})
	}
}

// checkAnchoredOutput asserts properties every rewritten body has.
func checkAnchoredOutput(t *testing.T, out []byte) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) || bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) {
		t.Error("output does not use CRLF line endings throughout")
	}
	for _, banned := range []string{"a=candidate", "a=ice-", "a=end-of-candidates", "a=rtcp-mux", "BUNDLE"} {
		if bytes.Contains(out, []byte(banned)) {
			t.Errorf("output still contains %q", banned)
		}
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(out); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	if sd.Origin.UnicastAddress != testAdv.String() {
		t.Errorf("o= address %q", sd.Origin.UnicastAddress)
	}
}

func TestAnchorSDPRemote(t *testing.T) {
	body, _ := os.ReadFile("testdata/rtcp_attr.sdp")
	_, rem, err := AnchorSDP(body, testAdv, testPort, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Media-level c= overrides the session's; a=rtcp carries its own
	// address (RFC 3605).
	want := Remote{
		RTP:       netip.MustParseAddrPort("203.0.113.41:30000"),
		RTCP:      netip.MustParseAddrPort("203.0.113.42:30011"),
		Direction: DirSendRecv,
	}
	if rem != want {
		t.Errorf("remote = %+v, want %+v", rem, want)
	}

	body, _ = os.ReadFile("testdata/hold_zero.sdp")
	out, rem, err := AnchorSDP(body, testAdv, testPort, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rem.Hold || rem.RTP.IsValid() || rem.RTCP.IsValid() {
		t.Errorf("c=0.0.0.0: remote = %+v, want hold without addresses", rem)
	}
	if !bytes.Contains(out, []byte("c=IN IP4 0.0.0.0\r\n")) {
		t.Errorf("hold address not kept:\n%s", out)
	}
	// Without an Origin the peer's o= fields stay, with our address.
	if !bytes.Contains(out, []byte("o=pbx 1717 1718 IN IP4 203.0.113.5\r\n")) {
		t.Errorf("o= line:\n%s", out)
	}
}

func TestAnchorSDPOriginVersion(t *testing.T) {
	offer, _ := os.ReadFile("testdata/deskphone_offer.sdp")
	hold, _ := os.ReadFile("testdata/hold_sendonly.sdp")
	o := &Origin{Username: "gw"}
	steps := []struct {
		body    []byte
		version uint64
	}{
		{offer, 1},
		{offer, 1}, // same content (session refresh): same version
		{hold, 2},  // changed
		{hold, 2},
		{offer, 3}, // resumed: changed again
	}
	var id string
	for i, s := range steps {
		out, _, err := AnchorSDP(s.body, testAdv, testPort, o)
		if err != nil {
			t.Fatal(err)
		}
		var sd sdp.SessionDescription
		if err := sd.Unmarshal(out); err != nil {
			t.Fatal(err)
		}
		if sd.Origin.SessionVersion != s.version || o.Version() != s.version {
			t.Errorf("step %d: version %d (Origin says %d), want %d", i, sd.Origin.SessionVersion, o.Version(), s.version)
		}
		if sd.Origin.Username != "gw" {
			t.Errorf("username %q", sd.Origin.Username)
		}
		gotID := fmt.Sprint(sd.Origin.SessionID)
		if id == "" {
			id = gotID
		} else if gotID != id {
			t.Errorf("step %d: session id changed %s -> %s", i, id, gotID)
		}
	}
	// A different advertised port is a different body.
	if _, _, err := AnchorSDP(offer, testAdv, testPort+2, o); err != nil || o.Version() != 4 {
		t.Errorf("new port: version %d, err %v", o.Version(), err)
	}
}

func TestAnchorSDPErrors(t *testing.T) {
	base := "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	audio := "m=audio 4000 RTP/AVP 0\r\n"
	manyM := base
	for range MaxMediaLines + 1 {
		manyM += "m=video 0 RTP/AVP 96\r\n"
	}
	huge := base + audio + strings.Repeat("a=x-filler:0123456789abcdef\r\n", MaxSDPSize/28)
	cases := []struct {
		name string
		body string
		want error
	}{
		{"empty", "", ErrBadSDP},
		{"garbage", "hello world", ErrBadSDP},
		{"bare CR", strings.Replace(base, "s=-", "s=-\rm=audio 1 RTP/AVP 0", 1) + audio, ErrBadSDP},
		{"NUL", strings.Replace(base, "s=-", "s=\x00", 1) + audio, ErrBadSDP},
		{"huge", huge, ErrBadSDP},
		{"many m-lines", manyM, ErrBadSDP},
		{"no m-line", base, ErrNoAudio},
		{"video only", base + "m=video 4000 RTP/AVP 96\r\n", ErrNoAudio},
		{"hostname c=", strings.Replace(base, "c=IN IP4 192.0.2.1", "c=IN IP4 pbx.example.com", 1) + audio, ErrBadSDP},
		{"bad c=", strings.Replace(base, "c=IN IP4 192.0.2.1", "c=IN IP4 300.1.1.1", 1) + audio, ErrBadSDP},
		{"c= family mismatch", strings.Replace(base, "c=IN IP4 192.0.2.1", "c=IN IP4 2001:db8::1", 1) + audio, ErrBadSDP},
		{"c= IP6 with IPv4", strings.Replace(base, "c=IN IP4 192.0.2.1", "c=IN IP6 192.0.2.1", 1) + audio, ErrBadSDP},
		{"c= IPv6 zone", strings.Replace(base, "c=IN IP4 192.0.2.1", "c=IN IP6 fe80::1%eth0", 1) + audio, ErrBadSDP},
		{"c= multicast", strings.Replace(base, "c=IN IP4 192.0.2.1", "c=IN IP4 224.2.1.1/127", 1) + audio, ErrBadSDP},
		{"bad c= in other media", base + audio + "m=video 5000 RTP/AVP 96\r\nc=IN IP4 nope\r\n", ErrBadSDP},
		{"no c= at all", strings.Replace(base, "c=IN IP4 192.0.2.1\r\n", "", 1) + audio, ErrBadSDP},
		{"port range", base + "m=audio 4000/2 RTP/AVP 0\r\n", ErrBadSDP},
		{"port 65535 no rtcp", base + "m=audio 65535 RTP/AVP 0\r\n", ErrBadSDP},
		{"bad a=rtcp", base + audio + "a=rtcp:abc\r\n", ErrBadSDP},
		{"a=rtcp port 0", base + audio + "a=rtcp:0\r\n", ErrBadSDP},
		{"a=rtcp bad address", base + audio + "a=rtcp:4001 IN IP4 ::1\r\n", ErrBadSDP},
		{"dtls", base + "m=audio 4000 UDP/TLS/RTP/SAVPF 111\r\n", ErrUnsupportedTransport},
		{"version 1", strings.Replace(base, "v=0", "v=1", 1) + audio, ErrBadSDP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := AnchorSDP([]byte(c.body), testAdv, testPort, nil)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if out != nil {
				t.Errorf("output on error: %q", out)
			}
		})
	}
}

func TestAnchorSDPBadArguments(t *testing.T) {
	body, _ := os.ReadFile("testdata/deskphone_offer.sdp")
	for _, c := range []struct {
		adv    netip.Addr
		port   int
		origin *Origin
	}{
		{netip.Addr{}, testPort, nil},
		{netip.IPv4Unspecified(), testPort, nil},
		{testAdv, 0, nil},
		{testAdv, 65535, nil},
		{testAdv, testPort, &Origin{Username: "two words"}},
	} {
		if _, _, err := AnchorSDP(body, c.adv, c.port, c.origin); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("AnchorSDP(%v, %d) err = %v, want ErrInvalidConfig", c.adv, c.port, err)
		}
	}
	// An IPv6 advertised address gives IP6 lines.
	out, _, err := AnchorSDP(body, netip.MustParseAddr("2001:db8::5"), testPort, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("c=IN IP6 2001:db8::5\r\n")) || !bytes.Contains(out, []byte(" IN IP6 2001:db8::5\r\n")) {
		t.Errorf("IPv6 advertised:\n%s", out)
	}
}

func FuzzAnchorSDP(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.sdp")
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP6 ::\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, rem, err := AnchorSDP(body, testAdv, testPort, &Origin{SessionID: 1})
		if err != nil {
			if out != nil {
				t.Fatal("output along with an error")
			}
			return
		}
		if rem.RTP.IsValid() && (rem.Hold && rem.Direction == DirSendRecv) {
			t.Fatalf("inconsistent remote %+v", rem)
		}
		var sd sdp.SessionDescription
		if err := sd.Unmarshal(out); err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, out)
		}
		// The rewritten body is itself anchorable, and anchoring it again
		// is stable.
		out2, _, err := AnchorSDP(out, testAdv, testPort, &Origin{SessionID: 1})
		if err != nil {
			t.Fatalf("output not anchorable: %v\n%q", err, out)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("anchoring is not idempotent:\n%q\n%q", out, out2)
		}
	})
}
