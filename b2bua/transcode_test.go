package b2bua_test

import (
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
	"github.com/callgate/callgate/media/codec"
	"github.com/callgate/callgate/media/dtmf"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// opusOnly is a browser that offers nothing a desk phone takes.
var opusOnly = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 48000}, PayloadType: 110},
}

// dominantPCM finds which candidate frequency carries the most energy in
// linear PCM at rate (Goertzel).
func dominantPCM(pcm []int16, rate float64, candidates ...float64) float64 {
	best, bestP := 0.0, -1.0
	for _, f := range candidates {
		coeff := 2 * math.Cos(2*math.Pi*f/rate)
		var s1, s2 float64
		for _, v := range pcm {
			s := coeff*s1 - s2 + float64(v)
			s2, s1 = s1, s
		}
		if p := s1*s1 + s2*s2 - coeff*s1*s2; p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

func TestOpusBrowserCallsPCMAPhone(t *testing.T) {
	if !codec.OpusAvailable {
		t.Fatal("callgate was built without libopus (cgo): install libopus-dev and pkg-config")
	}
	g := webrtcGateway(t)
	bob := newDeskPhone(t, g, "1001")
	bob.audio = "8 PCMA"
	bob.setPlan(answerPlan{ring: true, code: 200, delay: 50 * time.Millisecond})
	bob.register()
	alice := newJSBrowserCodecs(t, g, "1000", webrtc.MimeTypeOpus, opusOnly)
	res, _, _ := alice.invite("1001")
	if res.StatusCode != 200 {
		t.Fatalf("Opus-only browser calling a PCMA phone: %s", res.StartLine())
	}
	if !strings.Contains(string(res.Body()), "opus/48000") {
		t.Fatalf("answer to the browser is not Opus:\n%s", res.Body())
	}
	// RFC 7587 §6.1: the phone is narrowband, so the browser is told
	// nothing above 8 kHz is played or captured.
	if body := string(res.Body()); !strings.Contains(body, "maxplaybackrate=8000") || !strings.Contains(body, "sprop-maxcapturerate=8000") {
		t.Fatalf("answer to the browser does not limit Opus to the phone's band:\n%s", body)
	}
	alice.ack(res)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	if strings.Contains(strings.ToLower(string(inv.Body())), "opus") {
		t.Fatalf("phone was offered Opus:\n%s", inv.Body())
	}
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool { return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })

	opusToneToPhone(t, alice, bob, codec.PCMA)
	phoneToneToOpusBrowser(t, bob, alice, sdpTarget(t, inv.Body()), codec.PCMA)
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}

// rawTrack is a microphone track that sends packets with the payload type
// they carry (pion's static tracks force the bound codec's), so Opus and
// telephone-event/48000 travel on one stream as Chrome sends them.
type rawTrack struct {
	mu   sync.Mutex
	w    webrtc.TrackLocalWriter
	ssrc webrtc.SSRC
}

func (r *rawTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.w, r.ssrc = ctx.WriteStream(), ctx.SSRC()
	for _, c := range ctx.CodecParameters() {
		if c.MimeType == webrtc.MimeTypeOpus {
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

func (r *rawTrack) Unbind(webrtc.TrackLocalContext) error { return nil }
func (r *rawTrack) ID() string                            { return "mic" }
func (r *rawTrack) RID() string                           { return "" }
func (r *rawTrack) StreamID() string                      { return "browser" }
func (r *rawTrack) Kind() webrtc.RTPCodecType             { return webrtc.RTPCodecTypeAudio }

func (r *rawTrack) write(h rtp.Header, payload []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return errors.New("track not bound")
	}
	h.Version, h.SSRC = 2, uint32(r.ssrc)
	_, err := r.w.WriteRTP(&h, payload)
	return err
}

// opusDigitCall sets up an Opus-only browser with a raw track calling a
// PCMA phone on g, and starts sending every key as RFC 4733 at 48000:
// 100 ms each, 60 ms apart, the last one a 1.2 s press (57600 ticks,
// within one 16-bit duration).
func opusDigitCall(t *testing.T, g *gateway) (*deskPhone, *jsBrowser, *sip.Response) {
	t.Helper()
	bob := newDeskPhone(t, g, "1001")
	bob.audio = "8 PCMA"
	bob.register()
	alice := newJSBrowserCodecs(t, g, "1000", webrtc.MimeTypeOpus, opusOnly)
	raw := &rawTrack{}
	if err := alice.pc.GetSenders()[0].ReplaceTrack(raw); err != nil {
		t.Fatal(err)
	}
	res, _, _ := alice.invite("1001")
	if res.StatusCode != 200 {
		t.Fatalf("call: %s", res.StartLine())
	}
	alice.ack(res)
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool { return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })
	go func() {
		seq, ts := uint16(0), uint32(48000)
		for i := range allKeys {
			code := dtmf.Code(i) // 0-15 map to 0-9 * # A-D (RFC 4733 §3.2)
			length := 5
			if i == len(allKeys)-1 {
				length = 60
			}
			for p := 0; p < length+3; p++ {
				ev := dtmf.Event{Code: code, Volume: 10, Duration: uint16(960 * min(p+1, length)), End: p >= length-1}
				payload, _ := ev.MarshalBinary()
				_ = raw.write(rtp.Header{PayloadType: 110, SequenceNumber: seq, Timestamp: ts, Marker: p == 0}, payload)
				seq++
				time.Sleep(20 * time.Millisecond)
			}
			ts += uint32(960 * (length + 4))
		}
	}()
	return bob, alice, res
}

// allKeys are the sixteen DTMF keys in event-code order.
const allKeys = "0123456789*#ABCD"

func TestOpusBrowserDigitsReachPhoneAt8000(t *testing.T) {
	bob, alice, res := opusDigitCall(t, webrtcGateway(t))
	got := phoneEvents(t, bob, 101, 8*time.Second)
	var heard strings.Builder
	for _, d := range got {
		c, _ := d.Code.Digit()
		heard.WriteByte(c)
	}
	if heard.String() != allKeys {
		t.Fatalf("phone decoded %q, want %q exactly once each", heard.String(), allKeys)
	}
	if long := got[len(got)-1].Duration; long < 1150*time.Millisecond || long > 1250*time.Millisecond {
		t.Fatalf("the long press lasted %v at the phone, want 1.2 s", long)
	}
	alice.bye(res)
}

func TestOpusBrowserDigitsReachInfoPhoneAsInfo(t *testing.T) {
	g := webrtcGatewayWith(t, func(c *b2bua.Config) { c.Media.PhoneDTMF = dtmf.ModeInfo })
	bob, alice, res := opusDigitCall(t, g)
	var heard strings.Builder
	var long time.Duration
	for heard.Len() < len(allKeys) {
		info := wait(t, bob.infos, 5*time.Second, "INFO "+string(allKeys[heard.Len()]))
		code, dur, err := dtmf.ParseInfo(info.ContentType().Value(), info.Body())
		if err != nil {
			t.Fatalf("INFO body %q: %v", info.Body(), err)
		}
		c, _ := code.Digit()
		heard.WriteByte(c)
		long = dur
	}
	if heard.String() != allKeys {
		t.Fatalf("phone got INFO %q, want %q", heard.String(), allKeys)
	}
	if long < 1150*time.Millisecond || long > 1250*time.Millisecond {
		t.Fatalf("the long press's INFO says %v, want 1.2 s", long)
	}
	select {
	case extra := <-bob.infos:
		t.Fatalf("an extra INFO: %s", extra.Body())
	case <-time.After(300 * time.Millisecond):
	}
	if ev := phoneEvents(t, bob, 101, 200*time.Millisecond); len(ev) != 0 {
		t.Fatalf("an INFO phone got RFC 4733 events: %+v", ev)
	}
	alice.bye(res)
}

// opusToneToPhone has the browser send 100 frames of Opus 440 Hz and
// checks the phone hears 440 Hz in its codec c.
func opusToneToPhone(t *testing.T, alice *jsBrowser, bob *deskPhone, c codec.Codec) {
	t.Helper()
	enc, err := codec.NewEncoder(codec.Opus, codec.EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan struct{})
	defer func() { <-sent; enc.Close() }()
	go func() {
		defer close(sent)
		pcm := make([]int16, 960)
		buf := make([]byte, 1500)
		for i := 0; i < 100; i++ {
			for j := range pcm {
				pcm[j] = int16(12000 * math.Sin(2*math.Pi*440*float64(i*960+j)/48000))
			}
			n, err := enc.Encode(pcm, buf)
			if err != nil {
				return
			}
			_ = alice.track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(i), Timestamp: uint32(i * 960), SSRC: 0x0b05}, Payload: buf[:n]})
			time.Sleep(20 * time.Millisecond)
		}
	}()
	phoneHears(t, bob, c, 440)
}

// phoneHears decodes 80 packets of codec c at the phone and checks freq
// (440 or 1000 Hz) dominates.
func phoneHears(t *testing.T, bob *deskPhone, c codec.Codec, freq float64) {
	t.Helper()
	dec, _ := codec.NewDecoder(c, codec.DecoderConfig{})
	defer dec.Close()
	var heard []int16
	frame := make([]int16, 320)
	buf := make([]byte, 1500)
	_ = bob.rtp.SetReadDeadline(time.Now().Add(6 * time.Second))
	for got := 0; got < 80; {
		n, _, err := bob.rtp.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("phone received %d %v packets: %v", got, c, err)
		}
		if buf[1]&0x7f != staticPT(c) {
			continue
		}
		got++
		m, err := dec.Decode(buf[12:n], frame)
		if err != nil {
			t.Fatal(err)
		}
		heard = append(heard, frame[:m]...)
	}
	if f := dominantPCM(heard[len(heard)/2:], float64(c.SampleRate()), 440, 1000); f != freq {
		t.Fatalf("phone hears %v Hz, want %v", f, freq)
	}
}

// phoneSendsTone has the phone send 100 frames of freq in codec c to dst.
func phoneSendsTone(bob *deskPhone, dst *net.UDPAddr, c codec.Codec, freq float64) {
	enc, _ := codec.NewEncoder(c, codec.EncoderConfig{})
	defer enc.Close()
	pcm := make([]int16, c.FrameSamples())
	payload := make([]byte, 400)
	for i := 0; i < 100; i++ {
		for j := range pcm {
			pcm[j] = int16(12000 * math.Sin(2*math.Pi*freq*float64(i*len(pcm)+j)/float64(c.SampleRate())))
		}
		n, _ := enc.Encode(pcm, payload)
		pkt := rtpPacket(uint16(3000+i), 0x7777, payload[:n])
		pkt[1] = staticPT(c)
		_, _ = bob.rtp.WriteToUDP(pkt, dst)
		time.Sleep(20 * time.Millisecond)
	}
}

// phoneToneToOpusBrowser has the phone send 100 frames of 1000 Hz in its
// codec c to dst and checks the browser hears 1000 Hz in Opus.
func phoneToneToOpusBrowser(t *testing.T, bob *deskPhone, alice *jsBrowser, dst *net.UDPAddr, c codec.Codec) {
	t.Helper()
	before, _ := alice.receivedAudio()
	phoneSendsTone(bob, dst, c, 1000)
	eventually(t, 3*time.Second, "Opus at the browser", func() bool {
		n, _ := alice.receivedAudio()
		return n-before >= 80
	})
	dec, _ := codec.NewDecoder(codec.Opus, codec.DecoderConfig{})
	defer dec.Close()
	alice.mu.Lock()
	pkts := append([]rtp.Packet(nil), alice.received[before:]...)
	alice.mu.Unlock()
	var out []int16
	f48 := make([]int16, 5760)
	for _, p := range pkts {
		if p.PayloadType != 111 {
			t.Fatalf("browser got payload type %d, want its Opus 111", p.PayloadType)
		}
		m, err := dec.Decode(p.Payload, f48)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f48[:m]...)
	}
	if f := dominantPCM(out[len(out)/2:], 48000, 440, 1000); f != 1000 {
		t.Fatalf("browser hears %v Hz, want 1000", f)
	}
}

func TestBrowserOpusConfiguredTranscodesBothWays(t *testing.T) {
	g := webrtcGatewayWith(t, func(c *b2bua.Config) { c.Media.BrowserOpus = true })
	alice := newJSBrowserTrack(t, g, "1000", webrtc.MimeTypeOpus)
	alice.register()
	bob := newDeskPhone(t, g, "1001")
	bob.register()

	// The phone (PCMU) calls the browser: the browser is offered Opus only.
	type result struct {
		code   int
		err    error
		answer []byte
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sess, code, err := bob.call(ctx, "1000", bob.sdp(""))
		var answer []byte
		if err == nil && code == 200 {
			err = sess.Ack(ctx)
			answer = sess.InviteResponse.Body()
		}
		done <- result{code, err, answer}
	}()
	inv := alice.answerIncoming()
	body := strings.ToLower(string(inv.Body()))
	if !strings.Contains(body, "opus/48000") || strings.Contains(body, "pcmu") {
		t.Fatalf("browser offer with browser Opus configured:\n%s", inv.Body())
	}
	r := wait(t, done, 5*time.Second, "the phone's call answered")
	if r.err != nil || r.code != 200 {
		t.Fatalf("phone call: %d %v", r.code, r.err)
	}
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool { return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })
	if strings.Contains(strings.ToLower(string(r.answer)), "opus") {
		t.Fatalf("phone was answered with Opus:\n%s", r.answer)
	}
	opusToneToPhone(t, alice, bob, codec.PCMU)
	phoneToneToOpusBrowser(t, bob, alice, sdpTarget(t, r.answer), codec.PCMU)
}

// staticPT is a codec's static RTP payload type (RFC 3551 §6).
func staticPT(c codec.Codec) uint8 {
	pt, _ := c.StaticPayloadType()
	return pt
}

// phoneReinvite has the phone re-INVITE with its current SDP, lets the
// browser answer callgate's re-offer, and returns the phone's answer.
func phoneReinvite(t *testing.T, bob *deskPhone, alice *jsBrowser, dss *sipgo.DialogServerSession) *sip.Response {
	t.Helper()
	answered := make(chan *sip.Response, 1)
	go func() {
		req := sip.NewRequest(sip.INVITE, dss.InviteRequest.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(bob.sdp(""))
		r, err := dss.Do(ctx10(t), req)
		if err != nil {
			r = nil
		}
		answered <- r
	}()
	reoffer := wait(t, alice.reqs, 3*time.Second, "re-INVITE at the browser")
	alice.answerOffer(reoffer, "")
	r := wait(t, answered, 3*time.Second, "answer to the phone's re-INVITE")
	if r == nil || r.StatusCode != 200 {
		t.Fatalf("phone re-INVITE: %v", r)
	}
	if ack := wait(t, alice.reqs, 2*time.Second, "ACK at the browser"); ack.Method != sip.ACK {
		t.Fatalf("browser got %s, want ACK", ack.Method)
	}
	return r
}

func TestPhoneReinviteSwitchesBetweenPassthroughAndTranscoding(t *testing.T) {
	g, bob, alice, res := browserCallToPhone(t)
	dss := wait(t, bob.sessions, 2*time.Second, "bob's session")
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	inv := wait(t, bob.invites, time.Second, "the INVITE")
	toGateway := sdpTarget(t, inv.Body())
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool { return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })

	// The phone moves to PCMA, which the browser's PCMU leg does not have:
	// callgate answers PCMA and transcodes.
	bob.audio = "8 PCMA"
	r := phoneReinvite(t, bob, alice, dss)
	if body := string(r.Body()); !strings.Contains(body, "PCMA/8000") || strings.Contains(body, "PCMU") {
		t.Fatalf("answer to a PCMA-only re-offer:\n%s", body)
	}
	go alice.sendTone(440, 100)
	phoneHears(t, bob, codec.PCMA, 440)
	before, _ := alice.receivedAudio()
	phoneSendsTone(bob, toGateway, codec.PCMA, 1000)
	eventually(t, 3*time.Second, "PCMU at the browser", func() bool {
		n, _ := alice.receivedAudio()
		return n-before >= 80
	})
	_, ulaw := alice.receivedAudio()
	if f := dominantHz(ulaw[len(ulaw)-60*160:], 440, 1000); f != 1000 {
		t.Fatalf("browser hears %v Hz from the PCMA phone, want 1000", f)
	}

	// Back to PCMU: passthrough again, payloads untouched.
	bob.audio = ""
	r = phoneReinvite(t, bob, alice, dss)
	if !strings.Contains(string(r.Body()), "PCMU/8000") {
		t.Fatalf("answer to a PCMU re-offer:\n%s", r.Body())
	}
	phoneToneToBrowser(t, bob, alice, toGateway, 0x8888)
	alice.mu.Lock()
	last := alice.received[len(alice.received)-1]
	alice.mu.Unlock()
	if want := ulawTone(1000, 160, 99*160); string(last.Payload) != string(want) {
		t.Fatal("after moving back to PCMU the payload is no longer passed untouched")
	}
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}
