package b2bua_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/callgate/callgate/media/codec"
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
	alice.ack(res)
	inv := wait(t, bob.invites, 2*time.Second, "INVITE at bob")
	if strings.Contains(strings.ToLower(string(inv.Body())), "opus") {
		t.Fatalf("phone was offered Opus:\n%s", inv.Body())
	}
	eventually(t, 5*time.Second, "ICE and DTLS", func() bool { return alice.pc.ConnectionState() == webrtc.PeerConnectionStateConnected })

	// Browser → phone: Opus 440 Hz becomes PCMA 440 Hz.
	enc, err := codec.NewEncoder(codec.Opus, codec.EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	go func() {
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
	alaw, _ := codec.NewDecoder(codec.PCMA, codec.DecoderConfig{})
	defer alaw.Close()
	var heard []int16
	frame := make([]int16, 160)
	buf := make([]byte, 1500)
	_ = bob.rtp.SetReadDeadline(time.Now().Add(6 * time.Second))
	for got := 0; got < 80; {
		n, _, err := bob.rtp.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("phone received %d transcoded packets: %v", got, err)
		}
		if buf[1]&0x7f != 8 {
			continue
		}
		got++
		m, err := alaw.Decode(buf[12:n], frame)
		if err != nil {
			t.Fatal(err)
		}
		heard = append(heard, frame[:m]...)
	}
	if f := dominantPCM(heard[len(heard)/2:], 8000, 440, 1000); f != 440 {
		t.Fatalf("phone hears %v Hz, want 440", f)
	}

	// Phone → browser: PCMA 1000 Hz becomes Opus 1000 Hz.
	dst := sdpTarget(t, inv.Body())
	aenc, _ := codec.NewEncoder(codec.PCMA, codec.EncoderConfig{})
	defer aenc.Close()
	before, _ := alice.receivedAudio()
	pcm := make([]int16, 160)
	payload := make([]byte, 160)
	for i := 0; i < 100; i++ {
		for j := range pcm {
			pcm[j] = int16(12000 * math.Sin(2*math.Pi*1000*float64(i*160+j)/8000))
		}
		n, _ := aenc.Encode(pcm, payload)
		pkt := rtpPacket(uint16(i), 0x7777, payload[:n])
		pkt[1] = 8
		_, _ = bob.rtp.WriteToUDP(pkt, dst)
		time.Sleep(20 * time.Millisecond)
	}
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
	alice.bye(res)
	eventually(t, 3*time.Second, "call end", func() bool { return g.srv.ActiveCalls() == 0 })
}
