package browserleg

import (
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/callgate/callgate/media"
)

var (
	pcmu     = media.Codec{PT: 0, Name: "PCMU", Clock: 8000, Channels: 1}
	pcma     = media.Codec{PT: 8, Name: "PCMA", Clock: 8000, Channels: 1}
	dtmf8k   = media.Codec{PT: 101, Name: "telephone-event", Clock: 8000, Channels: 1, Fmtp: "0-16"}
	quietLog = slog.New(slog.DiscardHandler)
)

// testLogger returns a logger for the engine: quiet unless -v.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return quietLog
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// loopbackConn listens on 127.0.0.1:0.
func loopbackConn(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newTestEngine makes an engine on 127.0.0.1:0 closed at cleanup.
func newTestEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.UDPConn == nil {
		cfg.UDPConn = loopbackConn(t)
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// testBrowser is a pion PeerConnection playing the browser: Chrome's audio
// formats, candidates on loopback, full ICE.
type testBrowser struct {
	t     testing.TB
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticRTP
	sock  net.PacketConn // the browser's only socket (its own UDP mux)

	mu       sync.Mutex
	received []rtp.Packet
	notify   chan struct{}
	tracks   int
}

// chromeCodecs are Chrome's audio formats in its offer order (GUIDE §3;
// red and CN left out: pion does not negotiate them for audio here).
var chromeCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeG722, ClockRate: 8000}, PayloadType: 9},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 48000}, PayloadType: 110},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 8000}, PayloadType: 126},
}

func newTestBrowser(t testing.TB) *testBrowser {
	t.Helper()
	me := &webrtc.MediaEngine{}
	for _, c := range chromeCodecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		t.Fatal(err)
	}
	sock, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{LoggerFactory: pionLogs{log: quietLog}}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICEUDPMux(webrtc.NewICEUDPMux(pionLogs{log: quietLog}.NewLogger("mux"), sock))
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle})
	if err != nil {
		t.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "mic", "browser")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	b := &testBrowser{t: t, pc: pc, track: track, sock: sock, notify: make(chan struct{}, 1)}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		b.mu.Lock()
		b.tracks++
		b.mu.Unlock()
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.received = append(b.received, *p)
			b.mu.Unlock()
			select {
			case b.notify <- struct{}{}:
			default:
			}
		}
	})
	t.Cleanup(func() { b.close() })
	return b
}

func (b *testBrowser) close() {
	b.pc.Close()
	b.sock.Close()
}

// gathered returns the local description once gathering completed.
func (b *testBrowser) setLocal(desc webrtc.SessionDescription) string {
	b.t.Helper()
	done := webrtc.GatheringCompletePromise(b.pc)
	if err := b.pc.SetLocalDescription(desc); err != nil {
		b.t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		b.t.Fatal("browser gathering timed out")
	}
	return b.pc.LocalDescription().SDP
}

// offer makes the browser's offer with direction dir ("" keeps pion's).
func (b *testBrowser) offer(dir string, mangle func(string) string) string {
	b.t.Helper()
	o, err := b.pc.CreateOffer(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	desc := b.setLocal(o)
	if dir != "" {
		d, _ := parseDirection(dir)
		desc = withDirection(desc, d)
	}
	if mangle != nil {
		desc = mangle(desc)
	}
	return desc
}

// answer applies our offer and returns the browser's answer.
func (b *testBrowser) answer(offer string) string {
	b.t.Helper()
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		b.t.Fatal(err)
	}
	a, err := b.pc.CreateAnswer(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.setLocal(a)
}

// applyAnswer applies our answer to the browser's offer.
func (b *testBrowser) applyAnswer(answer string) {
	b.t.Helper()
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		b.t.Fatal(err)
	}
}

// waitConnected waits until both the browser and leg are connected.
func (b *testBrowser) waitConnected(l *Leg) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b.pc.ConnectionState() == webrtc.PeerConnectionStateConnected &&
			l.pc.ConnectionState() == webrtc.PeerConnectionStateConnected && l.track.bound.Load() != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.t.Fatalf("not connected: browser %v, leg %v", b.pc.ConnectionState(), l.pc.ConnectionState())
}

// packets returns a copy of what the browser received.
func (b *testBrowser) packets() []rtp.Packet {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]rtp.Packet(nil), b.received...)
}

func (b *testBrowser) reset() {
	b.mu.Lock()
	b.received = nil
	b.mu.Unlock()
}

// --- audio helpers ---

// ulawEncode encodes one 16-bit linear sample to G.711 µ-law.
func ulawEncode(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	sign := 0
	if x < 0 {
		sign, x = 0x80, -x
	}
	if x > clip {
		x = clip
	}
	x += bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

// ulawDecode decodes one G.711 µ-law octet.
func ulawDecode(u byte) int16 {
	u = ^u
	sign := u & 0x80
	exp := int(u>>4) & 7
	mant := int(u & 0x0f)
	x := ((mant << 3) + 0x84) << exp
	x -= 0x84
	if sign != 0 {
		return int16(-x)
	}
	return int16(x)
}

// tone returns n µ-law samples of a sine at freq Hz starting at sample
// index start, 8 kHz.
func tone(freq float64, start, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		v := 8000 * math.Sin(2*math.Pi*freq*float64(start+i)/8000)
		out[i] = ulawEncode(int16(v))
	}
	return out
}

// goertzel returns the power of freq in samples (8 kHz).
func goertzel(samples []float64, freq float64) float64 {
	w := 2 * math.Pi * freq / 8000
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range samples {
		s0 := x + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

// dominant reports whether freq dominates other in the decoded µ-law
// payloads by at least 20 dB.
func dominant(payloads [][]byte, freq, other float64) bool {
	var s []float64
	for _, p := range payloads {
		for _, u := range p {
			s = append(s, float64(ulawDecode(u)))
		}
	}
	return goertzel(s, freq) > 100*goertzel(s, other)
}

// rtpPacket builds a raw RTP packet.
func rtpPacket(pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0] = 0x80
	b[1] = pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	copy(b[12:], payload)
	return b
}

// phone is a plain UDP socket playing a SIP phone's RTP.
type phone struct {
	conn *net.UDPConn
}

func newPhone(t testing.TB, ip string) *phone {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &phone{conn: c}
}

func (p *phone) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// read returns the next packet or an error after d.
func (p *phone) read(d time.Duration) ([]byte, error) {
	buf := make([]byte, 1500)
	p.conn.SetReadDeadline(time.Now().Add(d))
	n, err := p.conn.Read(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// newPair makes a SocketPair on loopback for a bridge.
func newPair(t testing.TB) *media.SocketPair {
	t.Helper()
	rtpc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	rtcpc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &media.SocketPair{RTP: rtpc, RTCP: rtcpc, Port: rtpc.LocalAddr().(*net.UDPAddr).Port}
	t.Cleanup(func() { p.Close() })
	return p
}

func pairAddr(p *media.SocketPair) *net.UDPAddr { return p.RTP.LocalAddr().(*net.UDPAddr) }

// waitFor polls cond until true or the deadline.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// ctx returns a test context with a generous deadline.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
